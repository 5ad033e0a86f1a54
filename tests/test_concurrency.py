"""Two people saving the same assessment at the same moment: exactly one wins, nothing is lost."""

import threading

import pytest
from django.db import connection

from accounts.models import User
from assessments.models import Answer, Assessment, ConflictError

from .conftest import World
from .helpers import add_member, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _race(assessment_id: int, answers: list[dict[int, Answer]], users: list[User]) -> list[str]:
    """Both threads save with the same (soon stale) version; each on its own connection."""
    barrier = threading.Barrier(len(answers))
    outcomes: list[str] = [""] * len(answers)

    def save(index: int) -> None:
        try:
            assessment = Assessment.objects.get(pk=assessment_id)
            version = assessment.version
            barrier.wait(timeout=10)
            assessment.save_answers(answers[index], version=version, by=users[index])
            outcomes[index] = "saved"
        except ConflictError:
            outcomes[index] = "conflict"
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            outcomes[index] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(answers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_stale_saves_at_once_one_wins_the_other_gets_the_conflict(world: World) -> None:
    colleague = make_user("colleague@example.org")
    add_member(colleague, world.team)
    assessment = Assessment.start(team=world.team, round=world.round)
    item = assessment.ratings.get(item__code="W01").item_id

    for attempt in range(3):
        mine = {item: Answer(rag="red", evidence=f"practitioner {attempt}")}
        theirs = {item: Answer(rag="green", evidence=f"colleague {attempt}")}
        before = Assessment.objects.get(pk=assessment.pk).version
        outcomes = _race(assessment.pk, [mine, theirs], [world.practitioner, colleague])

        assert sorted(outcomes) == ["conflict", "saved"], outcomes
        saved = Assessment.objects.get(pk=assessment.pk)
        assert saved.version == before + 1
        winner = mine if outcomes[0] == "saved" else theirs
        assert saved.ratings.get(item_id=item).answer == winner[item]
