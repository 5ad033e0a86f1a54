"""The assessment page's items, built in Python for speed (see below)."""

import functools
from typing import TYPE_CHECKING, Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy

from assessments.forms import TEXT_LIMIT
from assessments.models import REOPENED, SHOWN_STATUS_LABELS, Action, Assessment, Reminder, Round
from assessments.parts import PartStatus
from checklists.templatetags.rag import descriptors, e, tag_html
from partnerships.models import TeamType

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

register = template.Library()

# One colour per status, wherever a status is shown. None of them is a RAG colour (red,
# orange, green), so a status is never read as a rating.
STATUS_COLOURS = {
    Assessment.Status.NOT_STARTED: "grey",
    Assessment.Status.IN_PROGRESS: "light-blue",
    REOPENED: "purple",
    Assessment.Status.SUBMITTED: "blue",
}


@register.filter
def status_tag(assessment: Assessment | None) -> SafeString:
    """An assessment's status as a GOV.UK tag; no assessment yet is "Not started"."""
    shown = assessment.shown_status if assessment else Assessment.Status.NOT_STARTED
    return _tag(SHOWN_STATUS_LABELS[shown], STATUS_COLOURS[shown])


def _tag(label: "StrOrPromise", colour: str) -> SafeString:
    return mark_safe(  # noqa: S308 (a fixed class and a label of ours, escaped)
        f'<strong class="govuk-tag govuk-tag--{colour}">{e(label)}</strong>'
    )


# A section's status on the task list, as GOV.UK's task list shows them: done is plain text,
# anything to do is a tag, in the colour the same state has as an assessment's status (not
# started grey, in progress light blue), so a colour means one thing everywhere. Carried
# forward is the pink of the item's own carried-forward tag.
TASK_STATUSES: dict[str, tuple["StrOrPromise", str | None]] = {
    PartStatus.NOT_STARTED: (gettext_lazy("Not yet started"), "grey"),
    PartStatus.IN_PROGRESS: (gettext_lazy("In progress"), "light-blue"),
    PartStatus.CARRIED: (gettext_lazy("Carried forward: confirm or change"), "pink"),
    PartStatus.COMPLETED: (gettext_lazy("Completed"), None),
}


@register.filter
def task_status(status: str) -> SafeString:
    """A task's status (PartStatus) on the task list."""
    label, colour = TASK_STATUSES[status]
    if colour is None:
        return mark_safe(e(label))  # noqa: S308 (escaped)
    return _tag(label, colour)


# The assessment page repeats one block per item (up to 60). Built here with str.format and
# one escape per piece of text, rather than by {% include %} or format_html per fragment, it
# renders several times faster. The markup is GOV.UK Frontend's radios and character count.
# Everything that comes from people (item wording, answers, error messages) goes through e().
ITEM = """<div class="app-item" id="item-{code}">
<div class="govuk-form-group{rag_group_error}">
<fieldset class="govuk-fieldset" aria-describedby="{prefix}-rag-hint{rag_described_error}">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">
<h2 class="govuk-fieldset__heading"><span class="app-item__code">{code}</span> {statement}</h2>
</legend>
{carried_tag}<div id="{prefix}-rag-hint" class="govuk-hint">{previous}</div>
{guidance}{rag_errors}<div class="govuk-radios" data-module="govuk-radios">
{radios}</div>
</fieldset>
</div>
{previous_plan}{evidence}{next_step}{carried}</div>
"""
CARRIED_TAG = """<p class="govuk-body"><strong class="govuk-tag govuk-tag--pink">{tag}</strong></p>
"""
CARRIED = """<div class="app-carried">
<p class="govuk-body">{text}</p>
<button type="submit" name="confirm" value="{item_id}" class="govuk-button govuk-button--secondary \
govuk-!-margin-bottom-0" data-module="govuk-button">{button}</button>
</div>
"""
PREVIOUS_PLAN = """<div class="app-previous">
<p class="govuk-body-s">{plan}</p>
<p class="govuk-body-s"><a class="govuk-link" href="{url}" target="_blank" rel="noopener \
noreferrer">{link}</a></p>
</div>
"""
RADIO = """<div class="govuk-radios__item">
<input class="govuk-radios__input" id="{id}" name="{prefix}-rag" type="radio" value="{value}" \
aria-describedby="{prefix}-rag-{value}-hint"{checked}>
<label class="govuk-label govuk-radios__label" for="{id}">{tag}</label>
<div id="{prefix}-rag-{value}-hint" class="govuk-hint govuk-radios__hint">{descriptor}</div>
</div>
"""
GUIDANCE = """<details class="govuk-details">
<summary class="govuk-details__summary"><span class="govuk-details__summary-text">{help}\
</span></summary>
<div class="govuk-details__text">{guidance}</div>
</details>
"""
ERROR = """<p id="{id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">\
{prefix}</span> {message}</p>"""
TEXTAREA = """<div class="govuk-form-group govuk-character-count{group_error}" \
data-module="govuk-character-count" data-maxlength="{limit}">
<label class="govuk-label govuk-label--s" for="{id}">{label}</label>
{hint}{errors}<textarea class="govuk-textarea govuk-js-character-count{textarea_error}" \
id="{id}" name="{prefix}-{field}" rows="3" aria-describedby="{id}-info{hint_ref}{error_ref}">\
{value}</textarea>
<div id="{id}-info" class="govuk-hint govuk-character-count__message">{limit_message}</div>
</div>
"""
EVIDENCE_HINT = gettext_lazy(
    "For example, training records, audits, supervision notes, what staff and families say."
)


@functools.cache
def _words(language: str | None) -> dict[str, str]:
    """The items' fixed wording in a language, translated and escaped once per process: a page
    of 60 items would otherwise look each phrase up 60 times."""
    return {
        key: e(text)
        for key, text in {
            "error": gettext("Error:"),
            "limit": gettext("You can enter up to %(limit)s characters")
            % {"limit": f"{TEXT_LIMIT:,}"},
            "evidence": gettext("What tells you this?"),
            "evidence_hint": EVIDENCE_HINT,
            "next_step": gettext("What will you do next?"),
            "last_round": gettext("Last round (%(round)s) your team said %(rating)s"),
            "choose": gettext("Choose the rating that best describes your team's workforce now."),
            "carried_tag": gettext("Carried forward: confirm or change"),
            "help": gettext("Help with %(code)s"),
            "plan": gettext("Last round your team said it would do next:"),
            "no_plan": gettext("Last round your team did not say what it would do next."),
            "see_answer": gettext("See last round’s answer"),
            # On a form, a link that replaced the page would lose what is typed (GOV.UK's
            # guidance on links: open a new tab only for this, and say so).
            "new_tab": gettext("(opens in new tab)"),
            "carried": gettext(
                "This is your team's answer from last round. If it is still true, confirm it. "
                "If not, change the rating or the evidence and save."
            ),
            "confirm": gettext("Confirm this answer"),
        }.items()
    }


def _errors(element_id: str, messages: list[str]) -> str:
    if not messages:
        return ""
    prefix = _words(get_language())["error"]
    return "".join(
        ERROR.format(id=element_id, prefix=prefix, message=e(message)) for message in messages
    )


def _textarea(entry: Any, field: str, words: dict[str, str], hint: str = "") -> str:
    """A text box with its character count; label and hint are escaped already."""
    element_id = f"id_{entry.prefix}-{field}"
    errors = entry.errors(field)
    return TEXTAREA.format(
        id=element_id,
        prefix=entry.prefix,
        field=field,
        label=words[field],
        limit=TEXT_LIMIT,
        limit_message=words["limit"],
        hint=f'<div id="{element_id}-hint" class="govuk-hint">{hint}</div>\n' if hint else "",
        hint_ref=f" {element_id}-hint" if hint else "",
        errors=_errors(element_id, errors),
        error_ref=f" {element_id}-error" if errors else "",
        group_error=" govuk-form-group--error" if errors else "",
        textarea_error=" govuk-textarea--error" if errors else "",
        value=e(entry.value(field)),
    )


@register.simple_tag
def rating_item(entry: Any) -> SafeString:
    """One item of the assessment page: statement, guidance, Red/Amber/Green with what each
    looks like, last round's rating, and the evidence and next-step boxes."""
    item, prefix = entry.item, entry.prefix
    words = _words(get_language())
    chosen = entry.value("rag")
    rag_errors = entry.errors("rag")
    radios = "".join(
        RADIO.format(
            id=f"id_{prefix}-rag" + ("" if index == 0 else f"-{value}"),
            prefix=prefix,
            value=value,
            checked=" checked" if value == chosen else "",
            tag=tag_html(value),
            descriptor=e(descriptor),
        )
        for index, (value, descriptor) in enumerate(descriptors(item))
    )
    previous = (
        words["last_round"]
        % {"round": e(entry.previous.round_name), "rating": tag_html(entry.previous.rag)}
        if entry.previous
        else words["choose"]
    )
    code = e(item.code)
    return mark_safe(  # noqa: S308 (every piece of text above is escaped by e())
        ITEM.format(
            code=code,
            prefix=prefix,
            statement=e(item.statement),
            previous=previous,
            previous_plan=_previous_plan(entry, words),
            carried=_carried(entry, words),
            carried_tag=CARRIED_TAG.format(tag=words["carried_tag"])
            if entry.rating.carried_forward
            else "",
            guidance=GUIDANCE.format(
                help=words["help"] % {"code": code},
                guidance=linebreaksbr(item.guidance),
            )
            if item.guidance
            else "",
            rag_errors=_errors(f"{prefix}-rag", rag_errors),
            rag_group_error=" govuk-form-group--error" if rag_errors else "",
            rag_described_error=f" {prefix}-rag-error" if rag_errors else "",
            radios=radios,
            evidence=_textarea(entry, "evidence", words, words["evidence_hint"]),
            next_step=_textarea(entry, "next_step", words),
        )
    )


def _previous_plan(entry: Any, words: dict[str, str]) -> str:
    """What the team said last round it would do next, and a link to that answer in full."""
    previous = entry.previous
    if previous is None:
        return ""
    if previous.next_step:
        plan = words["plan"] + f" “{linebreaksbr(previous.next_step)}”"
    else:
        plan = words["no_plan"]
    url = reverse("assessments:edit", args=[previous.assessment_id])
    code = e(entry.item.code)
    link = words["see_answer"] + f'<span class="govuk-visually-hidden"> {code}</span>'
    link += f" {words['new_tab']}"
    return PREVIOUS_PLAN.format(plan=plan, url=f"{e(url)}#answer-{code}", link=link)


def _carried(entry: Any, words: dict[str, str]) -> str:
    """A copied answer waits for the team: confirm it as it is, or change it."""
    if not entry.rating.carried_forward:
        return ""
    return CARRIED.format(
        text=words["carried"],
        item_id=entry.item.pk,
        button=words["confirm"]
        + f'<span class="govuk-visually-hidden"> {e(entry.item.code)}</span>',
    )


@register.simple_tag
def carried_count(entries: list[Any]) -> int:
    """How many of these items hold an answer carried forward and not yet confirmed."""
    return sum(1 for entry in entries if entry.rating.carried_forward)


ROUND_STATES = {
    "upcoming": (gettext_lazy("Opens soon"), "light-blue"),
    "open": (gettext_lazy("Open"), "turquoise"),
    "closed": (gettext_lazy("Closed"), "grey"),
}


@register.filter
def round_state(round_: Round) -> SafeString:
    """A round's state today as a GOV.UK tag."""
    label, colour = ROUND_STATES[round_.state]
    return _tag(label, colour)


REMINDER_COLOURS: dict[str, str | None] = {
    Reminder.State.SCHEDULED: "light-blue",
    Reminder.State.SENDING: "blue",
    Reminder.State.SENT: None,
    Reminder.State.BEFORE_OPENING: "grey",
    Reminder.State.CLOSED: "grey",
}


@register.filter
def reminder_state(reminder: Reminder) -> SafeString:
    """A round's e-mail's state now, as a GOV.UK tag; Sent is plain text, as done is."""
    state = reminder.state()
    colour = REMINDER_COLOURS[state]
    label = Reminder.State(state).label
    return _tag(label, colour) if colour else mark_safe(e(label))  # noqa: S308 (escaped)


# An action's status. None of these is a RAG colour either; Done is plain text, as done is on
# the task list, and an overdue open action says so in words beside its tag.
ACTION_COLOURS: dict[str, str | None] = {
    Action.Status.PLANNED: "grey",
    Action.Status.IN_PROGRESS: "light-blue",
    Action.Status.DONE: None,
    Action.Status.DROPPED: "purple",
}


@register.filter
def action_status(action: Action) -> SafeString:
    """An action's status as a GOV.UK tag, followed by "overdue" when it is."""
    colour = ACTION_COLOURS[action.status]
    label = e(action.get_status_display())
    shown = _tag(label, colour) if colour else label
    if action.is_overdue():
        shown += f" <strong>{e(gettext('overdue'))}</strong>"
    return mark_safe(shown)  # noqa: S308 (escaped)


@register.filter
def team_type_names(action: Action) -> str:
    """The team types an action concerns, by name, in the order they were chosen."""
    names = dict(TeamType.choices)
    return ", ".join(str(names.get(code, code)) for code in action.team_types)
