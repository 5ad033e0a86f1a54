"""PDF reports, rendered by WeasyPrint from the same dataclasses as the dashboard.

The HTML comes from our templates and every piece of people's text in it is escaped, but the
fetcher is the real guard: a PDF may load our own static files and data: URLs, nothing else,
and never follows a redirect. The PDFs are tagged (PDF/UA-1) with a title and a language.
"""

from __future__ import annotations

import gc
import html
import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import regex
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assessments import text
from assessments.models import Assessment, BoardPaper, Round

from . import reports


def _static_roots() -> list[Path]:
    roots = [Path(root).resolve() for root in settings.STATICFILES_DIRS]
    return [*roots, Path(settings.STATIC_ROOT).resolve()]


class OwnFilesOnly(URLFetcher):
    """Fetches data: URLs and files inside our static folders; refuses everything else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=5)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if parts.scheme == "file" and not parts.netloc:
            path = Path(unquote(parts.path)).resolve()
            if path.is_file() and any(path.is_relative_to(root) for root in _static_roots()):
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, body=path.read_bytes(), headers={"Content-Type": content_type}
                )
        raise ValueError(f"The PDF may not load {url[:80]}")


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while WeasyPrint lays out a report.

    Layout builds hundreds of thousands of short-lived boxes, so the collector runs again and
    again over a growing heap: measured in one process, renders took 16% longer with it running
    at 40 teams and 27% longer at 200. The boxes are freed by reference counting as usual, and
    peak memory is no higher (the benchmark prints it). The collector is switched back on
    afterwards, if it was on before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# People paste long strings with no spaces: a row of dashes, a list of URLs, one huge word.
# WeasyPrint breaks such a string only by laying out what is left of it again for every line,
# which takes minutes for a page of them. Giving it a break opportunity (a zero-width space)
# every BREAK_EVERY characters of any run longer than LONG_RUN makes it wrap like prose, in
# prose's time. Short words are left alone, and nothing visible changes.
LONG_RUN = 24
BREAK_EVERY = 16
_ZERO_WIDTH_SPACE = "\u200b"
_TITLE_OR_TAG = re.compile(r"(<title>.*?</title>|<[^>]*>)", re.DOTALL)
_RUN = re.compile(rf"[^ \t\n\u200b]{{{LONG_RUN},}}")
# What a reader sees as one character (a letter and its accents, an emoji with its skin tone,
# a flag, an Indic conjunct): a break never falls inside one.
_GRAPHEME = regex.compile(r"\X")


def _break_run(found: re.Match[str]) -> str:
    clusters = _GRAPHEME.findall(found.group(0))
    return _ZERO_WIDTH_SPACE.join(
        "".join(clusters[start : start + BREAK_EVERY])
        for start in range(0, len(clusters), BREAK_EVERY)
    )


def _printable_text(escaped: str) -> str:
    plain = text.clean(html.unescape(escaped))
    return html.escape(_RUN.sub(_break_run, plain), quote=False)


def printable(markup: str) -> str:
    """The report's HTML with every text node cleaned of control characters (drawn as boxes
    otherwise) and its long unbroken runs made breakable. Tags, attributes and the document's
    title are left as they are; text is unescaped, changed and escaped again, so an entity is
    never split."""
    parts = _TITLE_OR_TAG.split(markup)
    for index in range(0, len(parts), 2):  # split() puts text at even indexes, tags at odd
        if parts[index].strip():
            parts[index] = _printable_text(parts[index])
    return "".join(parts)


def markup(template: str, context: dict[str, object]) -> str:
    """The HTML WeasyPrint is given for a report."""
    return printable(render_to_string(template, {**context, "generated_at": timezone.localtime()}))


def render(template: str, context: dict[str, object]) -> bytes:
    fetcher = OwnFilesOnly()
    stylesheet = finders.find("css/print.css")
    assert stylesheet, "static/css/print.css is missing"
    with _no_cyclic_gc():
        document = HTML(
            string=markup(template, context), base_url=str(settings.BASE_DIR), url_fetcher=fetcher
        )
        pdf: bytes = document.write_pdf(
            stylesheets=[CSS(filename=str(stylesheet), url_fetcher=fetcher)],
            pdf_variant="pdf/ua-1",
        )
    return pdf


def gap_report_context(*, data: reports.RoundData) -> dict[str, object]:
    """The board paper: document control, a one-page executive summary, the confidence
    statement, priority gaps with the RAG key, the action plan, trends, the data pack, and the
    teams' next steps by item."""
    report = reports.round_report(data=data)
    plan = reports.actions(data=data)
    planned, planned_elsewhere = reports.plan_by_item(items=data.items, plan=plan)
    improved, worsened = reports.biggest_changes(movement=report.movement)
    paper = BoardPaper.of(data.round)
    preparers = (
        [paper.prepared_by]
        if paper.prepared_by
        else [
            lead.user
            for lead in data.round.partnership.leads.select_related("user").order_by(
                "user__full_name"
            )
        ]
    )
    return {
        "round": data.round,
        "partnership": data.round.partnership,
        "filters": data.filters,
        "items": data.items,
        **report.as_context(),
        "few_teams": reports.FEW_TEAMS,
        "response": reports.response(data=data),
        "top_gaps": [
            (result, plan.get(result.item.code, []))
            for result in [gap for gap in report.gaps if gap.teams.red or gap.teams.amber][:3]
        ],
        "improved": improved,
        "worsened": worsened,
        "prepared_by": [user.full_name or user.email for user in preparers],
        # Final only while the round is closed: dates moved to reopen it make it a draft again.
        "final": paper.is_final and data.round.state == "closed",
        "asks": paper.asks,
        "plan": planned,
        "plan_elsewhere": planned_elsewhere,
        "trends": reports.trends(data=data),
        "themes": reports.next_steps(data=data),
        "today": timezone.localdate(data.read_at),
        "data_read_at": timezone.localtime(data.read_at),
    }


def gap_report(*, data: reports.RoundData) -> bytes:
    return render("reports/gap_report.html", gap_report_context(data=data))


def gap_report_filename(*, round_: Round, filters: reports.Filters) -> str:
    """Built from identifiers and codes only: people's text never reaches a file name. A
    filtered report says so."""
    scope = f"-{filters.slug}" if filters.slug else ""
    return f"board-paper-partnership-{round_.partnership_id}-round-{round_.pk}{scope}.pdf"


def team_report_context(*, assessment: Assessment) -> dict[str, object]:
    """The team's answers beside last round's and the partnership's, and the partnership's
    actions that concern the team."""
    report = reports.team_report(assessment=assessment)
    return {
        "assessment": assessment,
        "round": assessment.round,
        "partnership": assessment.round.partnership,
        "report": report,
        "few_teams": reports.FEW_TEAMS,
        "plan": report.plan,
        "plan_elsewhere": report.plan_elsewhere,
        "today": timezone.localdate(report.read_at),
        "data_read_at": timezone.localtime(report.read_at),
    }


def team_report(*, assessment: Assessment) -> bytes:
    return render("reports/team_report.html", team_report_context(assessment=assessment))


def team_report_filename(*, assessment: Assessment) -> str:
    return f"team-report-team-{assessment.team_id}-round-{assessment.round_id}.pdf"
