"""The partnership's action plan, as its leads keep it for a round: every item with its results
and its actions (those carried from earlier rounds of the checklist too), an action added for
an item beside what the teams said they would do next, an action changed, and its status moved
on with a dated note. And the round's board paper: the asks of the board, and making it final
once the round has closed. Only the partnership's leads reach any of it; anything else is a
404."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy

from accounts.scope import SignedInRequest, scoped_or_404
from checklists.models import Item, Rag

from .forms import ActionForm, ActionStatusForm, BoardPaperForm
from .models import (
    Action,
    ActionConflictError,
    Assessment,
    BoardPaper,
    BoardPaperConflictError,
    Rating,
    Round,
)
from .round_views import _led_round


def _results(round_: Round) -> dict[str, Counter[str]]:
    """Each item's counted ratings in the round, by code: how many teams said each colour."""
    counts: dict[str, Counter[str]] = {}
    rows = (
        Rating.objects.counted()
        .filter(assessment__round=round_)
        .values("item__code", "rag")
        .annotate(teams=Count("pk"))
    )
    for row in rows:
        counts.setdefault(row["item__code"], Counter())[row["rag"]] = row["teams"]
    return counts


def _before_and_after(action: Action) -> list[tuple[Round, list[tuple[str, int]]]]:
    """The action's item's results in the round it was made in and each later round of the
    checklist: how many teams said each colour, so a lead sees whether it worked."""
    rounds = list(
        Round.objects.filter(
            partnership_id=action.partnership_id,
            checklist__name=action.round.checklist.name,
            opens_on__gte=action.round.opens_on,
        ).order_by("opens_on")
    )
    counts: dict[int, Counter[str]] = {round_.pk: Counter() for round_ in rounds}
    rows = (
        Rating.objects.counted()
        .filter(assessment__round__in=rounds, item__code=action.item_code)
        .values("assessment__round", "rag")
        .annotate(teams=Count("pk"))
    )
    for row in rows:
        counts[row["assessment__round"]][row["rag"]] = row["teams"]
    return [(r, [(rag, counts[r.pk][rag]) for rag in Rag.colours()]) for r in rounds]


@login_required
def action_plan(request: SignedInRequest, round_id: int) -> HttpResponse:
    round_ = _led_round(request, round_id)
    items = list(round_.checklist.items.in_order())
    results = _results(round_)
    actions: dict[str, list[Action]] = {}
    for action in Action.objects.for_round(round_).select_related("round"):
        actions.setdefault(action.item_code, []).append(action)
    rows = [
        {
            "item": item,
            "results": [(rag, results.get(item.code, Counter())[rag]) for rag in Rag.colours()],
            "actions": actions.pop(item.code, []),
        }
        for item in items
    ]
    return render(
        request,
        "assessments/action_plan.html",
        {
            "round": round_,
            "rows": rows,
            "elsewhere": [a for left in actions.values() for a in left],
        },
    )


def _item_of(round_: Round, item_id: int) -> Item:
    return scoped_or_404(round_.checklist.items.all(), item_id)


def _next_steps(round_: Round, item: Item) -> list[tuple[str, str, str]]:
    """What each team that submitted said it would do next about the item in this round:
    (team, its rating, text)."""
    return list(
        Rating.objects.filter(assessment__round=round_, item=item)
        .exclude(next_step="")
        .filter(assessment__status__in=Assessment.COUNTED)
        .order_by("assessment__team__name")
        .values_list("assessment__team__name", "rag", "next_step")
    )


@login_required
def new_action(request: SignedInRequest, round_id: int, item_id: int) -> HttpResponse:
    round_ = _led_round(request, round_id)
    item = _item_of(round_, item_id)
    action = Action(partnership=round_.partnership, round=round_, item_code=item.code)
    form = ActionForm(request.POST or None, instance=action, partnership=round_.partnership)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            action = form.save(commit=False)
            action.created_by = request.user
            action._history_user = request.user
            action.save()
            form.save_m2m()
        messages.success(
            request, gettext("The action for %(code)s is saved.") % {"code": item.code}
        )
        return redirect("assessments:action-plan", round_.pk)
    return render(
        request,
        "assessments/action_form.html",
        {"round": round_, "item": item, "form": form, "next_steps": _next_steps(round_, item)},
    )


def _led_action(request: SignedInRequest, action_id: int) -> Action:
    return scoped_or_404(
        Action.objects.led_by(request.user).select_related("round__checklist", "partnership"),
        action_id,
    )


@login_required
def edit_action(request: SignedInRequest, action_id: int) -> HttpResponse:
    """The action's words, owner, dates and scope changed; a form loaded before someone else's
    change is refused with both versions shown, and nothing is lost."""
    action = _led_action(request, action_id)
    form = ActionForm(request.POST or None, instance=action, partnership=action.partnership)
    conflict = None
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            current = Action.objects.select_for_update().get(pk=action.pk)
            if form.cleaned_data["version"] != current.version:
                conflict = current
            else:
                for field in ("what", "owner_name", "team_types", "due_on", "measure"):
                    setattr(current, field, form.cleaned_data[field])
                current.version += 1
                current._history_user = request.user  # type: ignore[attr-defined]
                current.save()
                current.organisations.set(form.cleaned_data["organisations"])
        if conflict is None:
            messages.success(request, gettext("The action is saved."))
            return redirect("assessments:action", action.pk)
        # What they typed stays in the form; saving it again now replaces the other version.
        data = request.POST.copy()
        data["version"] = str(conflict.version)
        form = ActionForm(data, instance=action, partnership=action.partnership)
        form.is_valid()
    return render(
        request,
        "assessments/action_form.html",
        {"round": action.round, "action": action, "form": form, "conflict": conflict},
    )


@login_required
def action_page(request: SignedInRequest, action_id: int) -> HttpResponse:
    """An action with its history of statuses and notes, and its status moved on."""
    action = _led_action(request, action_id)
    form = ActionStatusForm(
        request.POST or None, initial={"status": action.status, "version": action.version}
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            action.change_status(
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except ActionConflictError as error:
            conflict = error.saved
        else:
            messages.success(request, gettext("The action's status is saved."))
            return redirect("assessments:action", action.pk)
    updates = action.updates.select_related("made_by")
    return render(
        request,
        "assessments/action.html",
        {
            "action": action,
            "round": action.round,
            "form": form,
            "updates": updates,
            "conflict": conflict,
            "item": action.round.checklist.items.filter(code=action.item_code).first(),
            "results": _before_and_after(action),
        },
    )


@login_required
def board_paper(request: SignedInRequest, round_id: int) -> HttpResponse:
    """The asks of the board (editable while the paper is a draft), and the paper made final
    once the round has closed, or a draft again."""
    round_ = _led_round(request, round_id)
    paper = BoardPaper.of(round_)
    form = BoardPaperForm(
        request.POST or None,
        initial={"asks": paper.asks, "version": paper.version},
        final=paper.is_final,
    )
    conflict = None
    step = request.POST.get("step", "")
    step = step if step in BOARD_PAPER_SAVED else "save"
    if request.method == "POST" and form.is_valid():
        if step == "final" and round_.state != "closed":
            form.add_error(None, gettext("The paper can be made final once the round has closed."))
        else:
            try:
                paper.change(
                    by=request.user,
                    version=form.cleaned_data["version"],
                    asks=None if paper.is_final else form.cleaned_data["asks"],
                    final={"final": True, "draft": False}.get(step),
                )
            except BoardPaperConflictError as error:
                conflict = error.saved
            else:
                messages.success(request, str(BOARD_PAPER_SAVED[step]))
                return redirect("assessments:board-paper", round_.pk)
    return render(
        request,
        "assessments/board_paper.html",
        {"round": round_, "paper": paper, "form": form, "conflict": conflict},
    )


BOARD_PAPER_SAVED = {
    "save": gettext_lazy("The asks of the board are saved."),
    "final": gettext_lazy("The board paper is final."),
    "draft": gettext_lazy("The board paper is a draft again: you can change the asks."),
}
