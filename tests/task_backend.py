"""The tests' task backend: a task queued to run now runs at once, as with Django's
ImmediateBackend, so its e-mails are in mail.outbox when the request returns. A task queued to
run later (a round's e-mail on its day) waits, as it would in a worker's queue, in `waiting`,
until the test runs the tasks whose time has come (`run_due`), having moved the clock on."""

import datetime
from typing import Any, ClassVar

from django.tasks import Task, TaskResult, TaskResultStatus
from django.tasks.backends.immediate import ImmediateBackend
from django.utils import timezone
from django.utils.crypto import get_random_string


class ImmediateUnlessLater(ImmediateBackend):
    supports_defer = True
    waiting: ClassVar[list[TaskResult[Any, Any]]] = []

    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> TaskResult[Any, Any]:
        if task.run_after is None or task.run_after <= timezone.now():
            return super().enqueue(task, args, kwargs)
        self.validate_task(task)
        result: TaskResult[Any, Any] = TaskResult(
            task=task,
            id=get_random_string(32),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        self.waiting.append(result)
        return result


def run_due(now: datetime.datetime) -> list[Any]:
    """Runs, in order, each waiting task whose time has come by `now` (as a worker would);
    returns what each returned."""

    def time(result: TaskResult[Any, Any]) -> datetime.datetime:
        assert result.task.run_after is not None
        return result.task.run_after

    due = sorted(
        (result for result in ImmediateUnlessLater.waiting if time(result) <= now), key=time
    )
    for result in due:
        ImmediateUnlessLater.waiting.remove(result)
    return [result.task.call(*result.args, **result.kwargs) for result in due]
