"""The files a lead takes away: the PDF gap report, the team report, CSV and Excel exports,
and the commands that write them."""

import csv
import datetime
import gc
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from pypdf import PdfReader

from assessments.models import Action, Assessment, Round
from reports import exports, pdf, reports
from reports.exports import LONG_COLUMNS, SUMMARY_COLUMNS

from .helpers import (
    make_checklist,
    make_partnership,
    make_round,
    make_team,
    make_user,
    mark_submitted,
)


@pytest.fixture
def round_(db: None) -> Round:
    partnership = make_partnership("Northshire Partnership")
    checklist = make_checklist(items=3)
    current = make_round(partnership, checklist, name="2026 round")
    teams = [
        make_team(partnership, "Health Visiting East", headcount=12),
        make_team(partnership, "Zoë's Nursery – Main", organisation="Nursery Ltd", headcount=None),
        make_team(partnership, "Early Help", organisation="Council"),
    ]
    answers = (["red", "amber", "green"], ["amber", "green", "green"])
    for team, rags in zip(teams[:2], answers, strict=True):
        assessment = Assessment.start(team=team, round=current)
        for code, rag in zip(["W01", "W02", "W03"], rags, strict=True):
            assessment.ratings.filter(item__code=code).update(
                rag=rag, evidence=f"=SUM(A1) {team.name} {code}", next_step="Train"
            )
        mark_submitted(assessment)
    return current


def _text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_gap_report_pdf_has_a_cover_heatmap_and_structure(round_: Round) -> None:
    reader, text = _text(pdf.gap_report(data=reports.round_data(round=round_)))
    assert 6 <= len(reader.pages) <= 12
    first_page = reader.pages[0].extract_text()
    assert "Workforce board paper" in first_page
    assert "Document control" in first_page
    assert "Northshire Partnership" in first_page
    assert "2 of 3 teams submitted" in first_page
    assert "Health Visiting East Red Amber Green" in text  # a heatmap row, words not colours
    assert "Early Help – – –" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    catalog = reader.root_object
    assert "/StructTreeRoot" in catalog  # tagged for screen readers
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata is not None
    assert reader.metadata.title == "Workforce board paper: Northshire Partnership, 2026 round"


def test_the_heatmap_splits_across_pages_with_repeated_headers(db: None) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, make_checklist(items=4))
    for number in range(70):
        team = make_team(partnership, f"Team {number:02d}", organisation=f"Org {number // 10}")
        assessment = Assessment.start(team=team, round=round_)
        assessment.ratings.update(rag="amber")
        mark_submitted(assessment)
    reader, _ = _text(pdf.gap_report(data=reports.round_data(round=round_)))
    heatmap_pages = [
        page.extract_text()
        for page in reader.pages
        if "Team 3" in page.extract_text() or "Team 6" in page.extract_text()
    ]
    assert len(heatmap_pages) >= 2
    assert all("Team W01 W02 W03 W04" in page for page in heatmap_pages[:2])


def test_the_teams_next_steps_are_grouped_by_item_named_on_every_page(db: None) -> None:
    partnership = make_partnership()
    round_ = make_round(partnership, make_checklist(items=3))
    for number in range(14):
        team = make_team(partnership, f"Team {number:02d}", organisation="Coast NHS Trust")
        assessment = Assessment.start(team=team, round=round_)
        assessment.ratings.update(rag="green", next_step="")
        assessment.ratings.filter(item__code="W02").update(
            rag="red" if number % 2 else "amber",
            next_step=f"Team {number:02d} plans: " + "reflective supervision every month. " * 9,
        )
        mark_submitted(assessment)
    reader, text = _text(pdf.gap_report(data=reports.round_data(round=round_)))
    assert "Team 01 plans" in text
    theme_pages = [
        page.extract_text()
        for page in reader.pages
        if "What they will do next" in page.extract_text()
    ]
    assert len(theme_pages) >= 2  # one item's next steps go on over a page...
    for page in theme_pages:  # ...and every page of them says which item
        assert "W02 Statement 2" in page
    red_first = theme_pages[0].index("Team 01 plans") < theme_pages[0].index("Team 00 plans")
    assert red_first
    sections = reader.outline[-1]  # bookmarks: report > sections > the items with next steps
    assert isinstance(sections, list)
    themes, items = sections[-2], sections[-1]
    assert not isinstance(themes, list)
    assert str(themes.title) == "What the teams will do next, by item"
    assert isinstance(items, list)
    assert [item.title for item in items] == ["W02 Statement 2"]


def test_rendering_leaves_the_garbage_collector_as_it_found_it(round_: Round) -> None:
    assert gc.isenabled()
    pdf.gap_report(data=reports.round_data(round=round_))
    assert gc.isenabled()

    def failing_render() -> None:
        with pdf._no_cyclic_gc():
            assert not gc.isenabled()
            raise RuntimeError("layout failed")

    with pytest.raises(RuntimeError, match="layout failed"):
        failing_render()
    assert gc.isenabled()
    gc.disable()
    try:
        pdf.team_report(assessment=Assessment.objects.filter(round=round_).earliest("pk"))
        assert not gc.isenabled()  # a caller that turned it off keeps it off
    finally:
        gc.enable()


def test_the_team_report_shows_the_partnership_context_once_five_other_teams_submitted(
    round_: Round,
) -> None:
    assessment = Assessment.objects.get(team__name="Health Visiting East")
    _, text = _text(pdf.team_report(assessment=assessment))
    # One other team has submitted: its counts would be its answers.
    assert "Red 1, Amber 1, Green 0 (of 2)" not in text
    assert "Partnership (submitted teams)" not in text
    assert "once at least 5 other teams have submitted" in " ".join(text.split())
    for number in range(4):
        other = Assessment.start(team=make_team(round_.partnership, f"Team {number}"), round=round_)
        other.ratings.update(rag="red")
        mark_submitted(other)
    reader, text = _text(pdf.team_report(assessment=assessment))
    assert "Team report: Health Visiting East" in text
    assert "Red 5, Amber 1, Green 0 (of 6)" in text  # W01 across the partnership
    assert "/StructTreeRoot" in reader.root_object
    assert pdf.team_report_filename(assessment=assessment) == (
        f"team-report-team-{assessment.team_id}-round-{assessment.round_id}.pdf"
    )


def test_a_draft_team_report_says_which_items_are_not_rated_yet(round_: Round) -> None:
    team = round_.partnership.organisations.get(name="Council").teams.get()
    assessment = Assessment.start(team=team, round=round_)
    assessment.ratings.filter(item__code="W02").update(rag="amber", evidence="Some training")
    _, text = _text(pdf.team_report(assessment=assessment))
    assert "W01 Statement 1 – Not rated" in text  # a dash: no round before this one
    assert "W02 Statement 2 – Amber Some training" in text


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Recorder.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_references_in_peoples_text_make_no_request_and_embed_nothing(
    round_: Round, listener: str
) -> None:
    hostile = (
        f'<img src="{listener}/tracker.png"> <link rel="stylesheet" href="{listener}/x.css"> '
        f'url({listener}/bg.png) <img src="file:///etc/passwd"> file:///etc/hostname'
    )
    Assessment.objects.first().ratings.update(evidence=hostile)  # type: ignore[union-attr]
    round_.partnership.name = f'Northshire <img src="{listener}/name.png">'
    round_.partnership.save()
    content = pdf.gap_report(data=reports.round_data(round=round_))
    assert _Recorder.requests == []
    reader, text = _text(content)
    assert "root:" not in text
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        assert not any(xobjects[name].get("/Subtype") == "/Image" for name in xobjects)


def test_the_fetcher_allows_only_data_urls_and_our_static_files(listener: str) -> None:
    fetcher = pdf.OwnFilesOnly()
    css = Path(settings.BASE_DIR) / "static" / "css" / "print.css"
    assert b"@page" in fetcher.fetch(css.as_uri()).read()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in (
        f"{listener}/x.png",
        "file:///etc/passwd",
        (Path(settings.BASE_DIR) / "static" / ".." / "manage.py").as_uri(),
        "ftp://127.0.0.1/x",
    ):
        with pytest.raises(ValueError, match="may not load|disallowed"):
            fetcher.fetch(url)
    assert _Recorder.requests == []


def test_the_long_csv_has_one_row_per_team_and_item_and_opens_in_excel(round_: Round) -> None:
    content = exports.ratings_csv(data=reports.round_data(round=round_))
    assert content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel looks for
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert list(rows[0]) == LONG_COLUMNS
    assert len(rows) == 3 * 3
    zoe = [row for row in rows if row["team"] == "Zoë's Nursery – Main"]
    assert [row["rag"] for row in zoe] == ["amber", "green", "green"]
    assert zoe[0]["headcount"] == ""
    assert zoe[0]["status"] == "submitted"
    assert zoe[0]["evidence"].startswith("'=SUM")  # never a live formula
    early = [row for row in rows if row["team"] == "Early Help"]
    assert {row["rag"] for row in early} == {"unrated"}
    assert {row["status"] for row in early} == {"not_started"}


def test_the_xlsx_export_has_the_same_rows(round_: Round) -> None:
    content = exports.ratings_xlsx(data=reports.round_data(round=round_))
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == LONG_COLUMNS
    assert len(values) == 1 + 9
    east = [row for row in values if row[LONG_COLUMNS.index("team")] == "Health Visiting East"]
    assert [row[LONG_COLUMNS.index("rag")] for row in east] == ["red", "amber", "green"]
    assert str(east[0][LONG_COLUMNS.index("evidence")]).startswith("'=")


def test_the_summary_csv_has_one_row_per_item(round_: Round) -> None:
    content = exports.summary_csv(data=reports.round_data(round=round_))
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert list(rows[0]) == SUMMARY_COLUMNS
    assert [(r["item_code"], r["red"], r["amber"], r["green"], r["unrated"]) for r in rows] == [
        ("W01", "1", "1", "0", "1"),
        ("W02", "0", "1", "1", "1"),
        ("W03", "0", "0", "2", "1"),
    ]
    assert rows[0]["red_share"] == "0.5"


@pytest.mark.parametrize(
    ("command", "extension", "check"),
    [
        ("gap_report", ".pdf", lambda b: b.startswith(b"%PDF")),
        ("gap_report", ".csv", lambda b: b"item_code" in b),
        ("gap_report", ".xlsx", lambda b: len(load_workbook(io.BytesIO(b)).sheetnames) == 6),
        ("export_ratings", ".csv", lambda b: b"partnership,round" in b),
        ("export_ratings", ".xlsx", lambda b: b.startswith(b"PK")),
    ],
)
def test_the_commands_write_the_format_the_extension_names(
    round_: Round, tmp_path: Path, command: str, extension: str, check: object
) -> None:
    output = tmp_path / f"out{extension}"
    call_command(command, round=round_.pk, output=output, stdout=io.StringIO())
    assert check(output.read_bytes())  # type: ignore[operator]


@pytest.mark.parametrize("command", ["gap_report", "export_ratings"])
def test_the_commands_list_rounds_and_refuse_bad_input_clearly(
    round_: Round, tmp_path: Path, command: str
) -> None:
    listing = io.StringIO()
    call_command(command, stdout=listing)
    assert f"{round_.pk:>3} Northshire Partnership: 2026 round" in listing.getvalue()
    with pytest.raises(CommandError, match="no round with id 999999"):
        call_command(command, round=999999, output=tmp_path / "x.csv")
    with pytest.raises(CommandError, match="use one of"):
        call_command(command, round=round_.pk, output=tmp_path / "x.docx")
    with pytest.raises(CommandError, match="Cannot write"):
        call_command(command, round=round_.pk, output=tmp_path / "missing" / "x.csv")


def test_the_workbook_has_the_action_plan_with_dates_as_dates(round_: Round) -> None:
    due = datetime.date(2027, 3, 31)
    action = Action.objects.create(
        partnership=round_.partnership,
        round=round_,
        item_code="W02",
        what="=HYPERLINK(x)",
        owner_name="Sam Lee",
        due_on=due,
        team_types=["health_visiting"],
    )
    action.change_status(
        status="in_progress", note="Started", by=make_user("l@example.org"), version=0
    )
    other = make_round(make_partnership("Other"), round_.checklist, name="Theirs")
    Action.objects.create(
        partnership=other.partnership,
        round=other,
        item_code="W01",
        what="Their plan",
        owner_name="Someone",
    )
    book = load_workbook(io.BytesIO(exports.workbook(data=reports.round_data(round=round_))))
    sheet = book["Actions"]
    rows = list(sheet.values)
    assert list(rows[0]) == exports.ACTION_COLUMNS
    assert len(rows) == 2  # ours only
    row = dict(zip(exports.ACTION_COLUMNS, rows[1], strict=True))
    assert row["item_code"] == "W02"
    assert row["action"] == "'=HYPERLINK(x)"  # never a formula
    assert row["due_on"] == datetime.datetime(2027, 3, 31)  # a date cell, not text
    assert row["status"] == "In progress"
    assert row["team_types"] == "Health visiting"
    assert row["latest_note"] == "Started"
    assert isinstance(row["latest_note_on"], datetime.datetime)
    for name in book.sheetnames:  # every sheet: a frozen, filtered header, readable widths
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref is not None
        assert sheet.auto_filter.ref.startswith("A1:"), name
    assert book["Ratings"].column_dimensions["K"].width == 60  # evidence


def test_the_long_ratings_format_is_unchanged_by_the_workbook_formatting(round_: Round) -> None:
    data = reports.round_data(round=round_)
    sheet = load_workbook(io.BytesIO(exports.ratings_xlsx(data=data))).active
    assert sheet is not None
    rows = [list(row) for row in sheet.values]
    assert rows[0] == LONG_COLUMNS
    assert [[str(v) if v is not None else "" for v in row] for row in rows[1:]] == [
        [str(v) for v in row]
        for row in csv.reader(io.StringIO(exports.ratings_csv(data=data).decode("utf-8-sig")))
    ][1:]
