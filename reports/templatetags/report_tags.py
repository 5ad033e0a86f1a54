"""Charts, heatmaps and PDF cells for the dashboard and the reports."""

import datetime
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from assessments.models import Action, ActionUpdate
from checklists.models import Item, Rag
from checklists.templatetags.rag import e, tag_html
from reports.reports import FEW_TEAMS

register = template.Library()


@register.filter
def percent(share: float) -> str:
    """0.6667 -> '67%'."""
    return f"{round(share * 100)}%"


@register.filter
def few(counts: Any) -> bool:
    """Whether so few teams answered that their results are given as counts (FEW_TEAMS)."""
    return bool(counts.total < FEW_TEAMS)


@register.simple_tag
def rag_figure(counts: Any, rag: str, counts_only: bool = False) -> str:
    """Teams at a rating: "4 (40%)", or "4" alone when too few teams answered for a share."""
    count = getattr(counts, rag)
    return str(count) if counts_only else f"{count} ({percent(counts.share(rag))})"


@register.filter
def overdue(action: Action, today: datetime.date) -> bool:
    """Whether an open action is past its due date, as of the report's day."""
    return action.is_overdue(today)


@register.filter
def latest_update(action: Action) -> ActionUpdate | None:
    """The action's latest status update (its updates are prefetched, oldest first)."""
    updates = list(action.updates.all())
    return updates[-1] if updates else None


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
        none = e(gettext("No submissions"))
        parts.append(
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f3f2f1" stroke="#b1b4b6"/>'
            f'<text x="4" y="15" font-size="11" fill="#0b0c0c">{none}</text>'
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
    not_submitted = f'<span aria-label="{e(gettext("not submitted"))}">–</span>'
    for item in items:
        rag = row.ratings.get(item.pk)
        content = tag_html(rag) if rag else not_submitted
        cells.append(f'<td class="govuk-table__cell app-heatmap__cell">{content}</td>')
    return mark_safe("".join(cells))  # noqa: S308 (fixed markup and RAG words only)
