import html
from typing import Any

from django import forms, template
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString, mark_safe

from assessments.forms import TEXT_LIMIT
from assessments.models import Item, Rag

register = template.Library()

TAG_CLASSES = {
    Rag.RED: "govuk-tag--red",
    Rag.AMBER: "govuk-tag--orange",
    Rag.GREEN: "govuk-tag--green",
    Rag.UNRATED: "govuk-tag--grey",
}


@register.filter
def rag_tag(value: str) -> SafeString:
    """A RAG value as a coloured tag that always carries its word."""
    return mark_safe(_tag(value))  # noqa: S308 (fixed markup around the escaped RAG word)


def descriptors(item: Item) -> list[tuple[str, str]]:
    """(value, what it looks like) for Red, Amber and Green."""
    texts = {
        Rag.RED: item.red_descriptor,
        Rag.AMBER: item.amber_descriptor,
        Rag.GREEN: item.green_descriptor,
    }
    return [(rag.value, texts[rag]) for rag in Rag.colours()]


@register.filter
def form_errors(form: forms.BaseForm) -> list[tuple[str, str]]:
    """A form's errors as (anchor, message) pairs for the error summary."""
    fields = list(form.visible_fields())
    first = f"#{fields[0].auto_id}" if fields else "#main-content"
    pairs = [(first, str(error)) for error in form.non_field_errors()]
    for field in fields:
        pairs.extend((f"#{field.auto_id}", str(error)) for error in field.errors)
    return pairs


# The assessment page repeats one block per item (up to 60). Built here with str.format and
# one escape per piece of text, rather than by {% include %} or format_html per fragment, it
# renders several times faster. The markup is GOV.UK Frontend's radios and character count.
# Everything that comes from people (item wording, answers, error messages) goes through e().
ITEM = """<div class="app-item" id="item-{code}">
<div class="govuk-form-group{rag_group_error}">
<fieldset class="govuk-fieldset" aria-describedby="{prefix}-rag-hint{rag_described_error}">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">
<h3 class="govuk-fieldset__heading"><span class="app-item__code">{code}</span> {statement}</h3>
</legend>
<div id="{prefix}-rag-hint" class="govuk-hint">{previous}</div>
{guidance}{rag_errors}<div class="govuk-radios" data-module="govuk-radios">
{radios}</div>
</fieldset>
</div>
{evidence}{next_step}</div>
"""
RADIO = """<div class="govuk-radios__item">
<input class="govuk-radios__input" id="{id}" name="{prefix}-rag" type="radio" value="{value}" \
aria-describedby="{prefix}-rag-{value}-hint"{checked}>
<label class="govuk-label govuk-radios__label" for="{id}">{tag}</label>
<div id="{prefix}-rag-{value}-hint" class="govuk-hint govuk-radios__hint">{descriptor}</div>
</div>
"""
GUIDANCE = """<details class="govuk-details">
<summary class="govuk-details__summary"><span class="govuk-details__summary-text">Help with \
{code}</span></summary>
<div class="govuk-details__text">{guidance}</div>
</details>
"""
ERROR = """<p id="{id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">\
Error:</span> {message}</p>"""
TEXTAREA = """<div class="govuk-form-group govuk-character-count{group_error}" \
data-module="govuk-character-count" data-maxlength="{limit}">
<label class="govuk-label govuk-label--s" for="{id}">{label}</label>
{hint}{errors}<textarea class="govuk-textarea govuk-js-character-count{textarea_error}" \
id="{id}" name="{prefix}-{field}" rows="3" aria-describedby="{id}-info{hint_ref}{error_ref}">\
{value}</textarea>
<div id="{id}-info" class="govuk-hint govuk-character-count__message">You can enter up to \
{limit:,} characters</div>
</div>
"""
EVIDENCE_HINT = (
    "For example, training records, audits, supervision notes, what staff and families say."
)


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _tag(value: str) -> str:
    rag = Rag(value or Rag.UNRATED)
    return (
        f'<strong class="govuk-tag {TAG_CLASSES[rag]} app-rag app-rag--{rag.value}">'
        f"{e(rag.label)}</strong>"
    )


def _errors(element_id: str, messages: list[str]) -> str:
    return "".join(ERROR.format(id=element_id, message=e(message)) for message in messages)


def _textarea(entry: Any, field: str, label: str, hint: str) -> str:
    element_id = f"id_{entry.prefix}-{field}"
    errors = entry.errors(field)
    return TEXTAREA.format(
        id=element_id,
        prefix=entry.prefix,
        field=field,
        label=e(label),
        limit=TEXT_LIMIT,
        hint=f'<div id="{element_id}-hint" class="govuk-hint">{e(hint)}</div>\n' if hint else "",
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
    chosen = entry.value("rag")
    rag_errors = entry.errors("rag")
    radios = "".join(
        RADIO.format(
            id=f"id_{prefix}-rag" + ("" if index == 0 else f"-{value}"),
            prefix=prefix,
            value=value,
            checked=" checked" if value == chosen else "",
            tag=_tag(value),
            descriptor=e(descriptor),
        )
        for index, (value, descriptor) in enumerate(descriptors(item))
    )
    previous = (
        f"Last round ({e(entry.previous.round_name)}) your team said {_tag(entry.previous.rag)}"
        if entry.previous
        else "Choose the rating that best describes your team&#x27;s workforce now."
    )
    code = e(item.code)
    return mark_safe(  # noqa: S308 (every piece of text above is escaped by e())
        ITEM.format(
            code=code,
            prefix=prefix,
            statement=e(item.statement),
            previous=previous,
            guidance=GUIDANCE.format(code=code, guidance=linebreaksbr(item.guidance))
            if item.guidance
            else "",
            rag_errors=_errors(f"{prefix}-rag", rag_errors),
            rag_group_error=" govuk-form-group--error" if rag_errors else "",
            rag_described_error=f" {prefix}-rag-error" if rag_errors else "",
            radios=radios,
            evidence=_textarea(entry, "evidence", "What tells you this?", EVIDENCE_HINT),
            next_step=_textarea(entry, "next_step", "What will you do next?", ""),
        )
    )


@register.filter
def percent(share: float) -> str:
    """0.6667 -> '67%'."""
    return f"{round(share * 100)}%"


CHART_COLOURS = {Rag.RED: "#b8260f", Rag.AMBER: "#f0b323", Rag.GREEN: "#00703c"}
CHART_TEXT = {Rag.RED: "#ffffff", Rag.AMBER: "#0b0c0c", Rag.GREEN: "#ffffff"}


@register.simple_tag
def rag_bar(counts: Any, label: str, width: int = 360) -> SafeString:
    """A horizontal bar split into Red, Amber and Green by share, each part naming itself, so
    it reads in greyscale. The table beside it carries the same numbers as text."""
    height, x, parts = 22, 0.0, []
    summary = ", ".join(f"{rag.label} {round(counts.share(rag) * 100)}%" for rag in Rag.colours())
    for rag in Rag.colours():
        part = counts.share(rag) * width
        if part <= 0:
            continue
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{part:.1f}" height="{height}" '
            f'fill="{CHART_COLOURS[rag]}"/>'
        )
        if part >= 34:
            parts.append(
                f'<text x="{x + 4:.1f}" y="15" font-size="11" fill="{CHART_TEXT[rag]}">'
                f"{rag.label[0]} {round(counts.share(rag) * 100)}%</text>"
            )
        x += part
    if not counts.total:
        parts.append(
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f3f2f1" stroke="#b1b4b6"/>'
            '<text x="4" y="15" font-size="11" fill="#0b0c0c">No submissions</text>'
        )
    return mark_safe(  # noqa: S308 (numbers and fixed words; the label is escaped)
        f'<svg class="app-rag-bar" role="img" aria-label="{e(label)}: {summary}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


@register.simple_tag
def pdf_rag_cell(value: str | None) -> SafeString:
    """A PDF table cell with the RAG word on its colour: "Not rated" for an unrated item, a
    dash where there is no rating at all (a team that has not submitted)."""
    return mark_safe(_pdf_cell(value))  # noqa: S308 (fixed markup and RAG words only)


def _pdf_cell(value: str | None) -> str:
    if not value:
        return '<td class="rag rag-none">–</td>'
    rag = Rag(value)
    css = "none" if rag == Rag.UNRATED else rag.value
    return f'<td class="rag rag-{css}">{e(rag.label)}</td>'


@register.simple_tag
def pdf_heatmap_cells(row: Any, items: list[Item]) -> SafeString:
    """One PDF heatmap row's cells; built in Python, as the report has thousands."""
    cells = "".join(_pdf_cell(row.ratings.get(item.pk)) for item in items)
    return mark_safe(cells)  # noqa: S308 (fixed markup and RAG words only)


@register.simple_tag
def heatmap_cells(row: Any, items: list[Item]) -> SafeString:
    """One heatmap row's cells: a RAG tag with its word, or a dash for no submitted rating.
    Built in Python: at 200 teams the dashboard has thousands of cells."""
    cells = []
    for item in items:
        rag = row.ratings.get(item.pk)
        content = _tag(rag) if rag else '<span aria-label="not submitted">–</span>'
        cells.append(f'<td class="govuk-table__cell app-heatmap__cell">{content}</td>')
    return mark_safe("".join(cells))  # noqa: S308 (fixed markup and RAG words only)
