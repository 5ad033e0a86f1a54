"""Text as people really paste it: control characters from Word, and long unbroken strings.

The rule, decided once in assessments/text.py: the form turns every kind of line break into a
plain one and refuses any other control character with a message saying where it is; every
export and PDF cleans what is already stored, so no saved row can break a file.
"""

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest
import regex
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Action, Assessment, Rating
from reports import exports, pdf, reports

from .conftest import World
from .helpers import add_member, form_data, make_user, mark_submitted, save_url, sign_in


@pytest.fixture
def assessment(world: World) -> Assessment:
    return Assessment.start(team=world.team, round=world.round)


def _save(client: Client, assessment: Assessment, evidence: str, next_step: str = "") -> str:
    sign_in(client, assessment.team.memberships.get().user)
    data = form_data(assessment, {"W01": ("amber", evidence, next_step)})
    return client.post(save_url(assessment), data).text


def _w01(assessment: Assessment) -> Rating:
    return assessment.ratings.get(item__code="W01")


def test_line_breaks_from_word_mac_and_windows_become_plain_line_breaks(
    client: Client, assessment: Assessment
) -> None:
    _save(client, assessment, "Word\vline\fbreak", "Windows\r\nand\rMac\u2028too")
    rating = _w01(assessment)
    assert rating.evidence == "Word\nline\nbreak"
    assert rating.next_step == "Windows\nand\nMac\ntoo"


@pytest.mark.parametrize(
    "control", ["\x00", "\x01", "\x07", "\x1b", "\x1f", "\x7f", "\ufffe", "\uffff"]
)
def test_other_control_characters_are_refused_with_a_message_saying_where(
    client: Client, assessment: Assessment, control: str
) -> None:
    page = _save(client, assessment, f"Supervision monthly{control} since May")
    assert "hidden character that cannot be saved after “Supervision monthly”" in page
    assert "There is a problem" in page
    rating = _w01(assessment)
    assert (rating.rag, rating.evidence) == ("unrated", "")  # nothing saved


@pytest.mark.parametrize(
    ("typed", "where"),
    [
        ("Invoice \u202etxt.exe", "after “Invoice”"),  # an override never closed
        ("\u202c stray close", "at the start"),
        ("Name \u2069 closes nothing", "after “Name”"),
    ],
)
def test_direction_marks_left_open_are_refused_as_hidden_characters(
    client: Client, assessment: Assessment, typed: str, where: str
) -> None:
    page = _save(client, assessment, typed)
    assert f"hidden character that cannot be saved {where}" in page
    assert _w01(assessment).evidence == ""


def test_paired_direction_marks_and_right_to_left_writing_are_kept(
    client: Client, assessment: Assessment
) -> None:
    typed = "Leaflets in \u2067اردو\u2069 and עברית, \u202bquoted\u202c"
    _save(client, assessment, typed)
    assert _w01(assessment).evidence == typed


def test_a_refused_control_character_keeps_what_was_typed_on_the_page(
    client: Client, assessment: Assessment
) -> None:
    page = _save(client, assessment, "Kept\x01 words", "My next step")
    assert "My next step" in page  # the rest of what they wrote is still there to fix and save


def test_the_reopen_reason_follows_the_same_rule(
    client: Client, world: World, assessment: Assessment
) -> None:
    mark_submitted(assessment)
    sign_in(client, world.lead)
    url = reverse("assessments:reopen", args=[assessment.pk])
    refused = client.post(url, {"reason": "Missing\x1b W03"})
    assert "hidden character that cannot be saved" in refused.text
    assessment.refresh_from_db()
    assert assessment.is_submitted
    client.post(url, {"reason": "Please add\vW03"})
    assessment.refresh_from_db()
    assert assessment.reopened_reason == "Please add\nW03"


@pytest.fixture
def stored_controls(world: World, assessment: Assessment) -> Assessment:
    """Rows saved before the rule, or by another route: every control character there is."""
    # Every C0 control but NUL, which PostgreSQL itself refuses to store, DEL, and the two
    # characters no XML (so no Excel file) may hold.
    every_control = "".join(chr(code) for code in [*range(1, 32), 127, 0xFFFE, 0xFFFF])
    assessment.ratings.filter(item__code="W01").update(
        rag="red", evidence=f"Before{every_control}after", next_step="Line\vbreak"
    )
    world.team.name = "Health\x0bVisiting\x01East"
    world.team.save()
    mark_submitted(assessment)
    return assessment


def test_every_export_cleans_control_characters_already_stored(stored_controls: Assessment) -> None:
    data = reports.round_data(round=stored_controls.round)
    sheet = load_workbook(io.BytesIO(exports.ratings_xlsx(data=data))).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    w01 = next(
        row
        for row in rows
        if row[header.index("item_code")] == "W01" and row[header.index("status")] == "submitted"
    )
    assert w01[header.index("evidence")] == "Before\t\n\n\n\nafter"  # tab and breaks kept
    assert w01[header.index("next_step")] == "Line\nbreak"
    assert w01[header.index("team")] == "Health\nVisitingEast"

    workbook = load_workbook(io.BytesIO(exports.workbook(data=data)))
    assert "Health\nVisitingEast" in [row[1] for row in workbook["Completion"].values]

    text = exports.ratings_csv(data=data).decode("utf-8-sig")
    rows_ = [row for row in csv.DictReader(io.StringIO(text)) if row["status"] == "submitted"]
    assert rows_[0]["evidence"] == "Before\t\n\n\n\nafter"
    assert not exports.text.CONTROL_CHARACTERS.search(text.replace("\r\n", ""))  # rows end CRLF


def test_the_report_commands_survive_stored_control_characters(
    stored_controls: Assessment, tmp_path: Path
) -> None:
    for command, name in [
        ("export_ratings", "all.xlsx"),
        ("export_ratings", "all.csv"),
        ("gap_report", "board.xlsx"),
        ("gap_report", "board.csv"),
        ("gap_report", "board.pdf"),
    ]:
        call_command(
            command, round=stored_controls.round_id, output=tmp_path / name, stdout=io.StringIO()
        )
        assert (tmp_path / name).stat().st_size > 0


def test_the_leads_downloads_survive_stored_control_characters(
    client: Client, world: World, stored_controls: Assessment
) -> None:
    sign_in(client, world.lead)
    for route in ["ratings-xlsx", "ratings-csv", "summary-export", "gap-report"]:
        response = client.get(reverse(f"reports:{route}", args=[world.round.pk]))
        assert response.status_code == 200, route
    report = client.get(reverse("reports:team-report", args=[stored_controls.pk]))
    assert report.status_code == 200
    assert pdf.team_report(assessment=stored_controls).startswith(b"%PDF")


def test_printable_breaks_long_runs_and_leaves_words_tags_and_entities_whole() -> None:
    long_run = "&amp;" + "x" * 40 + "e\u0301" * 20  # an entity, a run, accents that must stay on
    markup = f'<title>{"t" * 60}</title><p class="{"c" * 40}">Short words stay.\x01 {long_run}</p>'
    out = pdf.printable(markup)
    assert out.startswith(f'<title>{"t" * 60}</title><p class="{"c" * 40}">Short words stay. ')
    text = out.split(">", 3)[3].removesuffix("</p>")
    assert text.replace("\u200b", "") == "Short words stay. &amp;" + "x" * 40 + "e\u0301" * 20
    pieces = text.split(" ")[-1].split("\u200b")
    assert len(pieces) > 3
    assert all(len(piece) <= 2 * pdf.BREAK_EVERY for piece in pieces)


@pytest.mark.parametrize(
    "run",
    [
        "e\u0301" * 30,  # a letter and its accent
        "👍🏽" * 30,  # an emoji and its skin tone
        "🇬🇧" * 30,  # a flag: two regional letters
        "👨\u200d👩\u200d👧" * 20,  # a family joined by zero-width joiners
        "नमस्ते" * 10,  # Devanagari, with a conjunct (virama)
        "กิ" * 30,  # Thai, with a vowel mark
    ],
)
def test_printable_never_breaks_inside_what_a_reader_sees_as_one_character(run: str) -> None:
    run = "a" + run  # one character in front, so clusters do not line up with the breaks by luck
    out = pdf.printable(f"<p>{run}</p>").removeprefix("<p>").removesuffix("</p>")
    assert "\u200b" in out
    assert out.replace("\u200b", "") == run
    boundaries, position = {0}, 0
    for cluster in regex.findall(r"\X", run):
        position += len(cluster)
        boundaries.add(position)
    position = 0
    for piece in out.split("\u200b")[:-1]:
        position += len(piece)
        assert position in boundaries, f"a break inside a character at {position}"


def _word_boxes(content: bytes, tmp_path: Path) -> list[tuple[float, float, float, str]]:
    """(page width, left, right, word) for every word pdftotext finds in the PDF."""
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    boxes, width = [], 0.0
    for line in out.splitlines():
        if page := re.search(r'<page width="([\d.]+)"', line):
            width = float(page.group(1))
        elif word := re.search(
            r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)".*>(.*)</word>', line
        ):
            boxes.append((width, float(word.group(1)), float(word.group(2)), word.group(3)))
    return boxes


@pytest.fixture
def unbroken(world: World, assessment: Assessment) -> Assessment:
    """Every field people type at its limit, without a single space."""
    world.partnership.name = "P" * 200
    world.partnership.save()
    world.team.name = "T" * 200
    world.team.save()
    world.round.name = "R" * 200
    world.round.save()
    assessment.ratings.update(rag="red", evidence="Q" * 2000, next_step="-" * 2000)
    mark_submitted(assessment)
    return assessment


def test_long_unbroken_text_wraps_inside_the_page_in_every_pdf(
    world: World, unbroken: Assessment, tmp_path: Path
) -> None:
    Action.objects.create(
        partnership=world.partnership,
        round=world.round,
        item_code="W01",
        what="Z" * 2000,
        owner_name="O" * 200,
        measure="M" * 1000,
    )
    # The board paper holds the next steps (-) and the action; the team report the evidence (Q).
    reports_ = {
        "gap report": (pdf.gap_report(data=reports.round_data(round=unbroken.round)), "-Z"),
        "team report": (pdf.team_report(assessment=unbroken), "Q"),
    }
    for name, (content, letters) in reports_.items():
        boxes = _word_boxes(content, tmp_path)
        outside = [word[:20] for width, left, right, word in boxes if left < 0 or right > width]
        assert outside == [], f"{name}: text runs off the page"
        for letter in letters:
            typed = 2000 if letter == "Z" else 3 * 2000
            found = sum(word.count(letter) for _, _, _, word in boxes)
            assert found >= typed, f"{name}: some of the {letter} text is missing"


def test_answers_stored_with_windows_line_breaks_are_not_changed_by_an_unchanged_save(
    client: Client, world: World, assessment: Assessment
) -> None:
    assessment.ratings.filter(item__code="W01").update(
        rag="amber", evidence="line one\r\nline two", updated_by=world.practitioner
    )
    colleague = make_user("colleague@example.org")
    add_member(colleague, world.team)
    sign_in(client, colleague)
    data = form_data(assessment)  # the page posted back as shown (a browser sends CRLF)
    assert client.post(save_url(assessment), data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.version == 0  # nothing changed, nothing written
    assert _w01(assessment).updated_by == world.practitioner
