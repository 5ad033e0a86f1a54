"""Charts, heatmaps and PDF cells for the dashboard and the reports."""

import datetime
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext

from assessments.models import Action
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


@register.simple_tag
def trend_figures(counts: Any) -> str:
    """A round's teams at each rating in one cell: shares with their counts, counts alone when
    too few teams answered, "No responses" when none did."""
    if not counts.total:
        return gettext("No responses")
    few = counts.total < FEW_TEAMS
    figures = {rag: rag_figure(counts, rag, few) for rag in ("red", "amber", "green")}
    teams = ngettext("(of %(total)s team)", "(of %(total)s teams)", counts.total) % {
        "total": counts.total
    }
    return gettext("Red %(red)s, Amber %(amber)s, Green %(green)s %(teams)s") % {
        **figures,
        "teams": teams,
    }


@register.filter
def overdue(action: Action, today: datetime.date) -> bool:
    """Whether an open action is past its due date, as of the report's day."""
    return action.is_overdue(today)


CHART_COLOURS = {Rag.RED: "#b8260f", Rag.AMBER: "#f0b323", Rag.GREEN: "#00703c"}
CHART_TEXT = {Rag.RED: "#ffffff", Rag.AMBER: "#0b0c0c", Rag.GREEN: "#ffffff"}


BAR_HEIGHT = 22


def _bar(counts: Any, width: int, y: int = 0, x: float = 0.0) -> list[str]:
    """One bar's parts: Red, Amber and Green by share, each naming itself where it has room
    (so the bar reads in greyscale), or a grey "No submissions" bar."""
    parts, left = [], x
    for rag in Rag.colours():
        part = counts.share(rag) * width
        if part <= 0:
            continue
        parts.append(
            f'<rect x="{left:.1f}" y="{y}" width="{part:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{CHART_COLOURS[rag]}"/>'
        )
        if part >= 34:
            parts.append(
                f'<text x="{left + 4:.1f}" y="{y + 15}" font-size="11" fill="{CHART_TEXT[rag]}">'
                f"{rag.label[0]} {round(counts.share(rag) * 100)}%</text>"
            )
        left += part
    if not counts.total:
        none = e(gettext("No submissions"))
        parts.append(
            f'<rect x="{x}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="#f3f2f1" '
            f'stroke="#b1b4b6"/><text x="{x + 4}" y="{y + 15}" font-size="11" '
            f'fill="#0b0c0c">{none}</text>'
        )
    return parts


def _summary(counts: Any) -> str:
    return ", ".join(f"{rag.label} {round(counts.share(rag) * 100)}%" for rag in Rag.colours())


def _svg(label: str, width: int, height: int, parts: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 (numbers and fixed words; labels are escaped)
        f'<svg class="app-rag-bar" role="img" aria-label="{e(label)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


@register.simple_tag
def rag_bar(counts: Any, label: str, width: int = 360) -> SafeString:
    """A horizontal bar split into Red, Amber and Green by share, each part naming itself, so
    it reads in greyscale. The table beside it carries the same numbers as text."""
    return _svg(f"{label}: {_summary(counts)}", width, BAR_HEIGHT, _bar(counts, width))


def _chart(rows: list[tuple[str, Any]], title: str, width: int, label_width: int) -> SafeString:
    """Bars one under another in one picture (one SVG renders much faster than one a bar),
    each named at its left; the picture's description gives every bar's figures."""
    gap, parts, described = 4, [], []
    for number, (name, counts) in enumerate(rows):
        y = number * (BAR_HEIGHT + gap)
        short = name if len(name) <= 26 else name[:25] + "…"
        parts.append(f'<text x="0" y="{y + 15}" font-size="10" fill="#0b0c0c">{e(short)}</text>')
        parts += _bar(counts, width - label_width, y, label_width)
        described.append(f"{name}: {_summary(counts)}")
    height = max(len(rows) * (BAR_HEIGHT + gap) - gap, 1)
    return _svg(f"{title}. " + "; ".join(described), width, height, parts)


@register.simple_tag
def trend_chart(trend: Any, width: int = 480) -> SafeString:
    """An item's bars, one per round, oldest first, each named by its round."""
    rows = [(point.round.name, point.teams) for point in trend.points]
    return _chart(rows, trend.item.code, width, label_width=150)


@register.simple_tag
def gaps_chart(gaps: list[Any], title: str, width: int = 480) -> SafeString:
    """The priority gaps' bars, worst first, each named by its item's code."""
    return _chart([(gap.item.code, gap.teams) for gap in gaps], title, width, label_width=40)


@register.simple_tag
def pdf_rag_cell(value: str | None, movement: str | None = None) -> SafeString:
    """A PDF table cell with the RAG word on its colour: "Not rated" for an unrated item, a
    dash where there is no rating at all (a team that has not submitted); with a movement
    ("up", "down", "same"), the word for it since last round below."""
    cell = _pdf_cell(value, str(MOVEMENT_WORDS[movement]) if movement else "")
    return mark_safe(cell)  # noqa: S308 (fixed markup, escaped RAG and movement words only)


MOVEMENT_WORDS = {
    "up": gettext_lazy("Better"),
    "down": gettext_lazy("Worse"),
    "same": gettext_lazy("Same"),
}


def _pdf_cell(value: str | None, note: str = "") -> str:
    if not value:
        return '<td class="rag rag-none">–</td>'
    rag = Rag(value)
    css = "none" if rag == Rag.UNRATED else rag.value
    below = f'<br><span class="rag-note">{e(note)}</span>' if note else ""
    return f'<td class="rag rag-{css}">{e(rag.label)}{below}</td>'


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
