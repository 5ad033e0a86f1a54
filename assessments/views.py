"""Pages for practitioners rating their team and for partnership leads looking on.

Every object comes through a lookup scoped to the signed-in person; anything else is a 404.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.scope import SignedInRequest, one, scoped_or_404
from checklists.models import Item
from partnerships.models import Partnership, Team

from .drafts import owner_token, signed_in_or_kept, take_draft
from .forms import ConflictChoiceForm, PageForm, RatingForm, ReopenForm
from .history import assessment_changes
from .models import (
    Assessment,
    AssessmentLockedError,
    ConflictError,
    NotReadyToSubmitError,
    Round,
)
from .parts import Entry, Part, PartStatus, by_section, entries_of, part_key, sections_of


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and the benchmark's baseline: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


def assessment_for(user: User, pk: int) -> Assessment:
    """An assessment the person may read (AssessmentQuerySet.readable_by). A team's own
    assessment, what nearly every request asks for, comes by one plain join (of_member);
    anyone else's through readable_by, one query holding the whole rule, with the permission
    to read every partnership's results checked inside it."""
    mine = one(Assessment.objects.of_member(user).for_page(), pk)
    if mine is not None:
        mine.is_member = True  # type: ignore[attr-defined]  # as readable_by annotates it
        return mine
    return scoped_or_404(Assessment.objects.readable_by(user).for_page(), pk)


def changeable_assessment_for(user: User, pk: int) -> Assessment:
    """An assessment of one of the person's own teams; leads look but do not touch."""
    return scoped_or_404(Assessment.objects.of_member(user).for_page(), pk=pk)


def led_assessment_for(user: User, pk: int) -> Assessment:
    return scoped_or_404(Assessment.objects.led_by(user).for_page(), pk=pk)


@dataclass
class TeamRound:
    team: Team
    round: Round
    assessment: Assessment | None


@dataclass
class LedRound:
    round: Round
    assessments: dict[int, Assessment]
    teams: list[Team]

    @property
    def rows(self) -> list[TeamRound]:
        return [TeamRound(team, self.round, self.assessments.get(team.pk)) for team in self.teams]

    @property
    def submitted_count(self) -> int:
        return sum(1 for a in self.assessments.values() if a.is_submitted)


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    teams = list(Team.objects.of_member(user).for_home())
    rounds = list(
        Round.objects.visible_to(user)
        .open_on(today)
        .select_related("partnership", "checklist")
        .prefetch_related("left_out")
    )
    left_out = {round_.pk: {team.pk for team in round_.left_out.all()} for round_ in rounds}
    assessments = {
        (a.team_id, a.round_id): a
        for a in Assessment.objects.visible_to(user)
        .filter(round__in=rounds)
        .with_progress()
        .select_related("round")
    }
    team_rounds = [
        TeamRound(team, round_, assessments.get((team.pk, round_.pk)))
        for team in teams
        for round_ in rounds
        if round_.partnership_id == team.organisation.partnership_id
        and (team.pk not in left_out[round_.pk] or (team.pk, round_.pk) in assessments)
    ]
    led = list(Partnership.objects.led_by(user))
    led_teams = list(
        Team.objects.filter(organisation__partnership__in=led, is_active=True).for_home()
    )
    led_rounds = [
        LedRound(
            round=round_,
            assessments={a.team_id: a for (_, r), a in assessments.items() if r == round_.pk},
            teams=[
                t
                for t in led_teams
                if t.organisation.partnership_id == round_.partnership_id
                and t.pk not in left_out[round_.pk]
            ],
        )
        for round_ in rounds
        if round_.partnership in led
    ]
    return render(
        request,
        "assessments/home.html",
        {
            "team_rounds": team_rounds,
            "led_rounds": led_rounds,
            "led_partnerships": led,
            "report_rounds": (
                Round.objects.filter(partnership__in=led)
                if led
                else Round.objects.reported_to(user)
            )
            .select_related("partnership")
            .order_by("partnership__name", "-opens_on"),
        },
    )


@signed_in_or_kept("assessments:home")
@require_POST
def start(request: SignedInRequest, team_id: int, round_id: int) -> HttpResponse:
    team = scoped_or_404(Team.objects.of_member(request.user), pk=team_id)
    round_ = scoped_or_404(
        Round.objects.filter(partnership_id=team.organisation.partnership_id), pk=round_id
    )
    if not round_.is_open:
        messages.error(
            request,
            gettext("%(round)s is not open, so it cannot be started.") % {"round": round_.name},
        )
        return redirect("assessments:home")
    if round_.left_out.filter(pk=team.pk).exists():
        messages.error(
            request,
            gettext("%(team)s is not taking part in %(round)s.")
            % {"team": team.name, "round": round_.name},
        )
        return redirect("assessments:home")
    assessment = Assessment.start(team=team, round=round_)
    return redirect("assessments:edit", assessment.pk)


@login_required
def team(request: SignedInRequest, team_id: int, round_id: int | None = None) -> HttpResponse:
    """A team's assessment in the round open now (or in the round named), started if nobody
    has yet: where the links in invitations and the round's e-mails lead, so that they work
    before anyone has pressed Start. With no open round, or more than one, the home page says
    what there is."""
    team = scoped_or_404(Team.objects.of_member(request.user), pk=team_id)
    partnership_rounds = Round.objects.filter(partnership_id=team.organisation.partnership_id)
    if round_id is not None:
        round_ = scoped_or_404(partnership_rounds, pk=round_id)
        return _team_in_round(request, team, round_)
    open_rounds = list(
        partnership_rounds.exclude(left_out=team)
        .open_on(timezone.localdate())
        .select_related("checklist")[:2]
    )
    if len(open_rounds) != 1:
        if not open_rounds:
            messages.info(
                request,
                gettext(
                    "No round is open for %(team)s at the moment. Your partnership lead will "
                    "email you when one opens."
                )
                % {"team": team.name},
            )
        return redirect("assessments:home")
    assessment = Assessment.start(team=team, round=open_rounds[0])
    return redirect("assessments:edit", assessment.pk)


def _team_in_round(request: SignedInRequest, team: Team, round_: Round) -> HttpResponse:
    """The team's assessment in that round: the one it has, else a new one while the round is
    open and the team takes part, else the home page says why not."""
    assessment = Assessment.objects.filter(team=team, round=round_).first()
    taking_part = round_.teams_taking_part().filter(pk=team.pk).exists()
    if assessment is None and round_.is_open and taking_part:
        assessment = Assessment.start(team=team, round=round_)
    if assessment is not None:
        return redirect("assessments:edit", assessment.pk)
    if not taking_part:
        message = gettext("%(team)s is not taking part in %(round)s.")
    elif round_.state == "upcoming":
        message = gettext("%(round)s opens on %(opens)s.")
    else:
        message = gettext("%(round)s closed on %(closes)s, before %(team)s started it.")
    messages.info(
        request,
        message
        % {
            "team": team.name,
            "round": round_.name,
            "opens": date_format(round_.opens_on, "j F Y"),
            "closes": date_format(round_.closes_on, "j F Y"),
        },
    )
    return redirect("assessments:home")


def section_url(assessment: Assessment, key: int, *, back_to_check: bool = False) -> str:
    url = reverse("assessments:section", args=[assessment.pk, key])
    return f"{url}?return=check" if back_to_check else url


def _render_section(
    request: SignedInRequest, assessment: Assessment, part: Part, page: PageForm
) -> HttpResponse:
    entries = part.entries
    # Each error names its item and its box: "W01, what tells you this: Write 2,000 …".
    boxes = {
        "rag": gettext("rating"),
        "evidence": gettext("what tells you this"),
        "next_step": gettext("what you will do next"),
    }
    error_list = [
        (f"#id_{entry.prefix}-{field}", f"{entry.item.code}, {boxes[field]}: {error}")
        for entry in entries
        for field in RatingForm.Meta.fields
        for error in entry.errors(field)
    ]
    back_to_check = page["return_to"].value() == "check"
    return render(
        request,
        "assessments/assessment_section.html",
        {
            "assessment": assessment,
            "part": part,
            "part_count": len(sections_of(assessment)),
            "page": page,
            "back_to_check": back_to_check,
            "back_url": reverse(
                "assessments:check" if back_to_check else "assessments:edit", args=[assessment.pk]
            ),
            "error_list": error_list,
            "owner": owner_token(assessment.pk, request.user.pk),
        },
    )


def _render_task_list(request: SignedInRequest, assessment: Assessment) -> HttpResponse:
    entries = entries_of(assessment)
    parts = by_section(assessment, entries)
    completed = sum(1 for part in parts if part.status == PartStatus.COMPLETED)
    return render(
        request,
        "assessments/assessment_tasks.html",
        {
            "assessment": assessment,
            "parts": parts,
            "completed": completed,
            "all_complete": completed == len(parts),
            "rated": sum(1 for e in entries if e.rating.is_rated),
            "item_count": len(entries),
            "can_copy_previous": any(e.previous for e in entries)
            and not any(e.rating.is_rated for e in entries),
            "last_round": next((e.previous for e in entries if e.previous), None),
            "carried_total": sum(1 for e in entries if e.rating.carried_forward),
        },
    )


def _not_changeable_here(request: SignedInRequest, assessment: Assessment) -> HttpResponse | None:
    """For someone who may only read it (a lead, or the team once it is submitted or the round
    has closed): the read-only page, with what they typed before being signed out, if that is
    why they are here. None when the person may change it."""
    is_member = assessment.is_member  # type: ignore[attr-defined]
    if is_member and assessment.is_changeable:
        return None
    draft = take_draft(request, assessment.pk) if is_member else None
    unsaved = _unsaved(assessment, draft) if draft is not None else []
    return _render_read_only(request, assessment, is_member=is_member, unsaved=unsaved)


@login_required
def assessment_page(request: SignedInRequest, pk: int) -> HttpResponse:
    """The task list: each section, its progress, and check and submit last."""
    assessment = assessment_for(request.user, pk)
    return _not_changeable_here(request, assessment) or _render_task_list(request, assessment)


def _unsaved(assessment: Assessment, draft: QueryDict) -> list[Entry]:
    """Restored answers that differ from what is saved: shown so that nothing is lost. (The
    saved answers are read first: validating a rating's form writes into its instance.)"""
    saved = {rating.item_id: rating.answer for rating in assessment.ratings.all()}
    return [
        entry
        for entry in entries_of(assessment, draft)
        if entry.form is not None
        and entry.form.was_posted()
        and entry.form.is_valid()
        and entry.answer() != saved.get(entry.item.pk)
    ]


@signed_in_or_kept("assessments:section")
@require_http_methods(["GET", "HEAD", "POST"])
def section_page(request: SignedInRequest, pk: int, section: int) -> HttpResponse:
    """One section's items. It posts to itself: Save and continue, Save and return to the task
    list, or a confirmation of carried-forward answers. Only the team posts; a lead reads."""
    if request.method == "POST":
        assessment = changeable_assessment_for(request.user, pk)
    else:
        assessment = assessment_for(request.user, pk)
        read_only = _not_changeable_here(request, assessment)
        if read_only is not None:
            return read_only
    sections = sections_of(assessment)
    keys = [part_key(found) for found in sections]
    if section not in keys:
        return _section_gone(request, assessment)
    number = keys.index(section) + 1
    if request.method == "POST":
        return _save_section(request, assessment, Part(sections[number - 1], [], number))
    draft = take_draft(request, assessment.pk)
    part = Part(sections[number - 1], entries_of(assessment, draft, section=section), number)
    if draft is not None:
        # Back from signing in after a save arrived signed out: what they typed, not saved.
        # Saving it goes through the usual checks, so a colleague's save since is a conflict.
        messages.info(
            request,
            gettext(
                "We have put back what you typed before you were signed out. It is not saved "
                "yet: check it, then save."
            ),
        )
        return _render_section(request, assessment, part, PageForm(draft))
    page = PageForm(
        initial={"version": assessment.version, "return_to": request.GET.get("return", "")}
    )
    return _render_section(request, assessment, part, page)


def _section_gone(request: SignedInRequest, assessment: Assessment) -> HttpResponse:
    """A section this assessment's checklist no longer has (the round's checklist was
    replaced): the task list, saying so. Text posted to it is shown, for copying: nothing
    of it is saved, and nothing of it is lost."""
    if request.method != "POST":
        messages.warning(
            request,
            gettext(
                "That section is no longer part of this assessment: its checklist has changed. "
                "Choose a section from the list."
            ),
        )
        return redirect("assessments:edit", assessment.pk)
    typed = [
        str(value).strip()
        for key, value in request.POST.items()
        if key.startswith("item-")
        and key.endswith(("-evidence", "-next_step"))
        and str(value).strip()
    ]
    return render(
        request,
        "assessments/assessment_section_gone.html",
        {"assessment": assessment, "typed": typed},
        status=409,
    )


def _save_section(request: SignedInRequest, assessment: Assessment, part: Part) -> HttpResponse:
    page = PageForm(request.POST)
    part.entries = entries = entries_of(assessment, request.POST, section=part.key)
    if not page.is_valid() or not all(entry.form and entry.form.was_posted() for entry in entries):
        return render(
            request,
            "assessments/assessment_incomplete_post.html",
            {"assessment": assessment, "back_url": section_url(assessment, part.key)},
            status=400,
        )
    if request.POST.get("resolving"):
        _apply_conflict_choices(assessment, entries, request.POST)
    if not all(entry.form is not None and entry.form.is_valid() for entry in entries):
        return _render_section(request, assessment, part, page)
    if any(entry.conflict and not entry.conflict.is_valid() for entry in entries):
        return _render_conflict(request, assessment, part, page, page.cleaned_data["version"])
    answers = {
        entry.item.pk: entry.saved
        if entry.conflict and entry.conflict.cleaned_data["keep"] == "saved" and entry.saved
        else entry.answer()
        for entry in entries
    }
    confirm = _confirmations(entries, request.POST)
    try:
        assessment.save_answers(
            answers, version=page.cleaned_data["version"], by=request.user, confirm=confirm
        )
    except ConflictError as conflict:
        for entry in entries:
            entry.saved = conflict.saved.get(entry.item.pk)
        return _render_conflict(request, assessment, part, page, conflict.version)
    except AssessmentLockedError as error:  # submitted, or closed: the section, read-only
        messages.error(request, gettext("Your answers were not saved. %(why)s") % {"why": error})
        return redirect(section_url(assessment, part.key))
    back_to_check = page.cleaned_data["return_to"] == "check"
    if confirm:
        # Back to where the person was, with the next answer still to confirm in view.
        first = next(entry for entry in entries if entry.item.pk in confirm)
        messages.success(
            request,
            ngettext("%(count)d answer confirmed.", "%(count)d answers confirmed.", len(confirm))
            % {"count": len(confirm)},
        )
        url = section_url(assessment, part.key, back_to_check=back_to_check)
        return redirect(f"{url}#item-{first.item.code}")
    if page.cleaned_data["action"] == "continue":
        return redirect(_next_page(assessment, part, back_to_check=back_to_check))
    messages.success(
        request,
        gettext(
            "Your answers for %(section)s are saved. You can come back and change them until "
            "%(closes)s."
        )
        % {"section": part.title, "closes": date_format(assessment.round.closes_on, "j F Y")},
    )
    return redirect("assessments:edit", assessment.pk)


def _next_page(assessment: Assessment, part: Part, *, back_to_check: bool) -> str:
    """After Save and continue: check your answers when the person came from there; else the
    next section; after the last, check your answers if every section is complete, else the
    task list."""
    if back_to_check:
        return reverse("assessments:check", args=[assessment.pk])
    sections = sections_of(assessment)
    if part.number < len(sections):
        return section_url(assessment, part_key(sections[part.number]))
    parts = by_section(assessment, entries_of(assessment, previous=False))
    if all(found.status == PartStatus.COMPLETED for found in parts):
        return reverse("assessments:check", args=[assessment.pk])
    return reverse("assessments:edit", args=[assessment.pk])


def _confirmations(entries: list[Entry], data: QueryDict) -> set[int]:
    """The items whose carried-forward answers the person confirmed: the one whose button
    they pressed, or every carried-forward item of the section whose button they pressed.
    Anything else posted (an unknown id, a word) confirms nothing."""
    item, section = data.get("confirm", ""), data.get("confirm_section", "")
    return {
        entry.item.pk
        for entry in entries
        if entry.rating.carried_forward
        and (
            str(entry.item.pk) == item
            or (entry.item.section_id is not None and str(entry.item.section_id) == section)
        )
    }


def _apply_conflict_choices(assessment: Assessment, entries: list[Entry], data: QueryDict) -> None:
    """On the conflict page's post: items whose posted answer differs from the saved one need a
    choice between the two."""
    saved = {rating.item_id: rating.answer for rating in assessment.ratings.all()}
    for entry in entries:
        entry.saved = saved.get(entry.item.pk)
        if entry.form is not None and entry.form.is_valid() and entry.answer() != entry.saved:
            entry.conflict = ConflictChoiceForm(data, item=entry.item)


def _render_conflict(
    request: SignedInRequest, assessment: Assessment, part: Part, page: PageForm, version: int
) -> HttpResponse:
    """Which answers differ from what a colleague saved since: the person chooses for each.
    Only this section's items are in question; the page posts back to the section."""
    entries = part.entries
    for entry in entries:
        if entry.saved is not None and entry.answer() != entry.saved and not entry.conflict:
            entry.conflict = ConflictChoiceForm(item=entry.item)
    differing = [entry for entry in entries if entry.conflict]
    return render(
        request,
        "assessments/assessment_conflict.html",
        {
            "assessment": assessment,
            "part": part,
            "entries": entries,
            "differing": differing,
            "version": version,
            "action": page.cleaned_data["action"],
            "return_to": page.cleaned_data["return_to"],
            "error_list": [
                (
                    f"#id_{e.conflict.prefix}-keep",
                    gettext("%(code)s: choose which answer to keep") % {"code": e.item.code},
                )
                for e in differing
                if e.conflict and e.conflict.errors
            ],
        },
        status=409,
    )


def _render_read_only(
    request: SignedInRequest,
    assessment: Assessment,
    *,
    is_member: bool,
    unsaved: Sequence[Entry] = (),
) -> HttpResponse:
    entries = entries_of(assessment)
    return render(
        request,
        "assessments/assessment_read_only.html",
        {
            "assessment": assessment,
            "parts": by_section(assessment, entries),
            "is_member": is_member,
            "is_lead": assessment.is_led_by(request.user),
            "unsaved": unsaved,
        },
    )


@signed_in_or_kept("assessments:edit")
@require_POST
def copy_previous(request: SignedInRequest, pk: int) -> HttpResponse:
    assessment = changeable_assessment_for(request.user, pk)
    page = PageForm(request.POST)
    if not page.is_valid():
        return redirect("assessments:edit", assessment.pk)
    try:
        copied = assessment.copy_previous_answers(
            by=request.user, version=page.cleaned_data["version"]
        )
    except (AssessmentLockedError, ConflictError):
        messages.error(request, gettext("Nothing was copied: someone has changed this assessment."))
        return redirect("assessments:edit", assessment.pk)
    if copied:
        messages.success(
            request,
            ngettext(
                "Copied last round's rating and evidence for %(n)d item. Check it: things may "
                "have changed since.",
                "Copied last round's ratings and evidence for %(n)d items. Check each one: "
                "things may have changed since.",
                copied,
            )
            % {"n": copied},
        )
    return redirect("assessments:edit", assessment.pk)


@login_required
def check_answers(request: SignedInRequest, pk: int) -> HttpResponse:
    assessment = changeable_assessment_for(request.user, pk)
    if not assessment.is_changeable:
        return redirect("assessments:edit", assessment.pk)
    return _render_check(request, assessment, unrated=[])


def _render_check(
    request: SignedInRequest,
    assessment: Assessment,
    *,
    unrated: list[Item],
    unconfirmed: Sequence[Item] = (),
    status: int = 200,
) -> HttpResponse:
    parts = by_section(assessment, entries_of(assessment, previous=False))
    unrated_ids, unconfirmed_ids = {i.pk for i in unrated}, {i.pk for i in unconfirmed}
    errors = []
    # Each Change link and each error opens the item's section at the item, and saving
    # there comes back here. The errors are in the order the page shows the items.
    for part in parts:
        part.change_url = section_url(assessment, part.key, back_to_check=True)
        for entry in part.entries:
            item, at = entry.item, f"{part.change_url}#item-{entry.item.code}"
            if item.pk in unrated_ids:
                message = gettext("Choose Red, Amber or Green for %(code)s: %(statement)s") % {
                    "code": item.code,
                    "statement": item.statement,
                }
                errors.append((at, message))
            if item.pk in unconfirmed_ids:
                message = gettext(
                    "Confirm or change %(code)s: it was carried forward from last round"
                ) % {"code": item.code}
                errors.append((at, message))
    return render(
        request,
        "assessments/assessment_check.html",
        {
            "assessment": assessment,
            "parts": parts,
            "error_list": errors,
            "edit_url": reverse("assessments:edit", args=[assessment.pk]),
            "not_ready": _not_ready_title(unrated=bool(unrated), unconfirmed=bool(unconfirmed)),
        },
        status=status,
    )


def _not_ready_title(*, unrated: bool, unconfirmed: bool) -> str:
    if unrated and unconfirmed:
        return gettext(
            "Before you submit, rate every item and confirm or change every answer carried "
            "forward from last round"
        )
    if unconfirmed:
        return gettext(
            "Confirm or change every answer carried forward from last round before you submit"
        )
    return gettext("Rate every item before you submit")


@signed_in_or_kept("assessments:edit")
@require_POST
def submit(request: SignedInRequest, pk: int) -> HttpResponse:
    assessment = changeable_assessment_for(request.user, pk)
    if assessment.is_submitted:  # a second click on the button
        return redirect("assessments:submitted", assessment.pk)
    try:
        assessment.submit(by=request.user)
    except NotReadyToSubmitError as error:
        return _render_check(
            request, assessment, unrated=error.unrated, unconfirmed=error.unconfirmed, status=400
        )
    except AssessmentLockedError as error:
        messages.error(
            request, gettext("Your assessment was not submitted. %(why)s") % {"why": error}
        )
        return redirect("assessments:edit", assessment.pk)
    return redirect("assessments:submitted", assessment.pk)


@login_required
def submitted(request: SignedInRequest, pk: int) -> HttpResponse:
    assessment = changeable_assessment_for(request.user, pk)
    if not assessment.is_submitted:
        return redirect("assessments:edit", assessment.pk)
    return render(request, "assessments/assessment_submitted.html", {"assessment": assessment})


@signed_in_or_kept("assessments:reopen")
def reopen(request: SignedInRequest, pk: int) -> HttpResponse:
    assessment = led_assessment_for(request.user, pk)
    draft = take_draft(request, assessment.pk) if request.method == "GET" else None
    reason = draft.get("reason", "") if draft is not None else ""
    form = ReopenForm(request.POST or None, initial={"reason": reason})
    if request.method == "POST" and form.is_valid():
        try:
            assessment.reopen(by=request.user, reason=form.cleaned_data["reason"])
        except AssessmentLockedError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                gettext("Reopened %(team)s's assessment. The team can change it now.")
                % {"team": assessment.team.name},
            )
        return redirect("assessments:edit", assessment.pk)
    owner = owner_token(assessment.pk, request.user.pk)
    return render(
        request,
        "assessments/assessment_reopen.html",
        {"assessment": assessment, "form": form, "owner": owner},
    )


@login_required
def history(request: SignedInRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    return render(
        request,
        "assessments/assessment_history.html",
        {"assessment": assessment, "changes": assessment_changes(assessment)},
    )
