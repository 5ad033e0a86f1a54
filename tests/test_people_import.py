"""People and teams from a spreadsheet: what Excel and people really produce is read; what cannot
be right is refused with its row, column and reason; confirming applies everything at once, and
the same file again changes nothing. A file only ever touches the partnership it is imported
into."""

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import openpyxl
import pytest
import regex
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from partnerships import imports
from partnerships.models import (
    Invitation,
    Organisation,
    PartnershipLead,
    PeopleImport,
    Role,
    Team,
    TeamMembership,
)

from .conftest import World
from .helpers import PASSWORD, add_member, make_user, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "organisation,sector,team,team_type,headcount,first_name,last_name,email,role"
GOOD = [
    "Riverside Council,Local authority,Family Hub North,Family hub or children's centre,12,"
    "Asha,Begum,asha@example.org,team lead",
    "Riverside Council,local_authority,Family Hub North,family_hub,12,Ben,Cole,"
    "ben@example.org,member",
    "Riverside NHS Trust,NHS health,Health Visiting West,Health visiting,,Cara,Dunn,"
    "cara@example.org,",
]


def _csv(lines: Iterable[str], *, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def _rows(data: bytes, **options: bool) -> tuple[list[imports.Row], list[imports.Problem]]:
    return imports.check(imports.read(data), **options)


def _refusal(data: bytes) -> str:
    with pytest.raises(imports.Refused) as refused:
        _rows(data)
    return refused.value.message


def _problems(lines: Iterable[str], **options: bool) -> list[tuple[int, str, str]]:
    _, problems = _rows(_csv(lines), **options)
    return [(p.row, p.column, p.message) for p in problems]


def _xlsx(rows: Sequence[Sequence[object]], *, merge: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_good_file_is_read_with_labels_or_values_and_an_empty_role_is_a_member() -> None:
    rows, problems = _rows(_csv(GOOD))
    assert problems == []
    assert [(r.row, r.sector, r.team_type, r.role, r.headcount) for r in rows] == [
        (2, "local_authority", "family_hub", Role.TEAM_LEAD, 12),
        (3, "local_authority", "family_hub", Role.MEMBER, 12),
        (4, "nhs_health", "health_visiting", Role.MEMBER, None),
    ]
    assert rows[0].full_name == "Asha Begum"


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="UTF-8"),
        pytest.param(lambda text: text.encode("utf-8-sig"), id="UTF-8 with a byte-order mark"),
        pytest.param(lambda text: text.encode("cp1252"), id="Windows-1252"),
        pytest.param(lambda text: text.encode("utf-16"), id="UTF-16 (Excel's Unicode text)"),
    ],
)
def test_every_encoding_excel_saves_in_is_read(encode: object) -> None:
    text = "\r\n".join([HEADER, GOOD[0].replace("Asha", "Siân Zoë"), ""])
    rows, problems = _rows(encode(text))  # type: ignore[operator]
    assert problems == []
    assert rows[0].full_name == "Siân Zoë Begum"


def test_semicolons_trailing_spaces_mixed_case_and_blank_lines_are_read() -> None:
    lines = [
        line.replace(",", " ; ").replace("asha@example.org", "  Asha@Example.ORG  ")
        for line in GOOD[:1]
    ]
    data = _csv(["", *lines, ";;;;;;;;", ""], header=HEADER.replace(",", ";"))
    rows, problems = _rows(data)
    assert problems == []
    (row,) = rows
    assert (row.row, row.email, row.organisation) == (3, "asha@example.org", "Riverside Council")


def test_control_characters_and_line_breaks_in_a_cell_become_spaces() -> None:
    line = GOOD[1].replace("Ben", '"Be\x07n\u200b\nJr"')
    (row,), problems = _rows(_csv([line]))
    assert problems == []
    assert row.full_name == "Ben Jr Cole"


def test_an_xlsx_with_merged_cells_numbers_and_empty_cells_is_read() -> None:
    data = _xlsx(
        [
            HEADER.split(","),
            [
                "Riverside Council",
                "Local authority",
                "Hub",
                "Family hub",
                12.0,
                "A",
                "B",
                "a@example.org",
                "member",
            ],
            [None, "Local authority", "Hub", "Family hub", 12, None, None, "b@example.org", None],
            [],
            [None, "Local authority", "Hub", "Family hub", 12, "C", "", "c@example.org", "Member"],
        ],
        merge="A2:A5",
    )
    rows, problems = _rows(data)
    assert problems == []
    assert [(r.row, r.organisation, r.headcount) for r in rows] == [
        (2, "Riverside Council", 12),
        (3, "Riverside Council", 12),
        (5, "Riverside Council", 12),
    ]


def test_missing_columns_are_named() -> None:
    message = _refusal(_csv(["x,y"], header="organisation,team"))
    assert "The file has no sector, team_type, email columns." in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a spreadsheet", id="an image"),
        pytest.param(b"%PDF-1.7\n\x00\x01\x02", "not a spreadsheet", id="a PDF"),
        pytest.param(b"PK\x03\x04not really a zip", "not a spreadsheet", id="a broken zip"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel file (.xls)", id="an .xls"),
        pytest.param(b"   \r\n\r\n", "The file is empty.", id="nothing"),
        pytest.param(HEADER.encode(), "nobody in it", id="a header only"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused(data: bytes, expected: str) -> None:
    assert expected in _refusal(data)


def test_a_word_document_is_refused() -> None:
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "not a spreadsheet" in _refusal(out.getvalue())


def test_a_file_over_5_mb_is_refused() -> None:
    data = _csv(GOOD) + b" " * (5 * 1024 * 1024)
    assert "bigger than 5 MB" in _refusal(data)


def test_more_than_5000_people_is_refused_but_5000_are_read() -> None:
    line = "Org,Other,Team,Other,,A,B,p{}@example.org,"
    rows, problems = _rows(_csv(line.format(n) for n in range(5000)))
    assert (len(rows), problems) == (5000, [])
    assert "more than 5,000 people" in _refusal(_csv(line.format(n) for n in range(5001)))


def test_a_small_xlsx_that_unpacks_to_a_huge_sheet_is_refused(monkeypatch: object) -> None:
    monkeypatch.setattr(imports, "MAX_UNPACKED_BYTES", 1000)  # type: ignore[attr-defined]
    assert "more than 5,000 people" in _refusal(_xlsx([HEADER.split(",")] * 50))


def test_each_bad_row_is_named_with_its_column_and_reason() -> None:
    lines = [
        GOOD[0],
        "Riverside Council,Council,Hub,Family hub,12,A,B,a@example.org,member",
        "Riverside Council,Local authority,Hub,Nursery school,12,A,B,b@example.org,member",
        "Riverside Council,Local authority,Hub,Family hub,twelve,A,B,c@example.org,member",
        "Riverside Council,Local authority,Hub,Family hub,12,A,B,not-an-address,member",
        "Riverside Council,Local authority,Hub,Family hub,12,A,B,e@example.org,boss",
        ",Local authority,,Family hub,12,A,B,,member",
    ]
    problems = _problems(lines)
    rows, _ = _rows(_csv(lines))
    assert [row.row for row in rows] == [2]  # only the good row would be imported
    reasons = {(row, column): message for row, column, message in problems}
    assert reasons[(3, "sector")].startswith("“Council” is not a sector. Use one of: NHS health,")
    assert reasons[(4, "team_type")].startswith("“Nursery school” is not a team type.")
    assert "whole number" in reasons[(5, "headcount")]
    assert "“not-an-address” is not an email address" in reasons[(6, "email")]
    assert "“boss” is not a role" in reasons[(7, "role")]
    assert {key for key in reasons if key[0] == 8} == {
        (8, "organisation"),
        (8, "team"),
        (8, "email"),
    }


def test_a_formula_in_any_cell_is_refused_in_csv_and_xlsx() -> None:
    for formula in ['=HYPERLINK("http://x")', "@SUM(A1)", "+cmd|' /C calc'!A0", "-A1"]:
        line = GOOD[0].replace("Asha", formula.replace(",", ""))
        ((row, column, message),) = _problems([line])
        assert (row, column) == (2, "first_name")
        assert "This cell holds a formula" in message
    data = _xlsx([HEADER.split(","), GOOD[0].split(","), GOOD[1].split(",")])
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet is not None
    sheet["H3"] = '=LOWER("BEN@EXAMPLE.ORG")'
    out = io.BytesIO()
    book.save(out)
    _, problems = _rows(out.getvalue())
    assert [(p.row, p.column) for p in problems] == [(3, "email")]


def test_a_huge_unbroken_word_is_refused_plainly() -> None:
    ((row, column, message),) = _problems([GOOD[0].replace("Riverside Council", "x" * 50_000)])
    assert (row, column, message) == (2, "organisation", "This is longer than 200 characters.")


def test_rows_must_agree_on_sectors_team_types_and_roles() -> None:
    lines = [
        GOOD[0],
        GOOD[1].replace("Local authority", "Voluntary").replace("local_authority", "voluntary"),
        GOOD[1].replace("family_hub", "early_help"),
        GOOD[0].replace("team lead", "member"),
    ]
    problems = _problems(lines)
    assert [(row, column) for row, column, _ in problems] == [
        (3, "sector"),
        (4, "team_type"),
        (5, "role"),
    ]
    assert "Row 2 gives Riverside Council another sector" in problems[0][2]
    rows, _ = _rows(_csv(lines))
    assert [row.row for row in rows] == [2]  # the rows that disagree are left out


def test_one_person_in_two_teams_is_refused_unless_allowed() -> None:
    lines = [GOOD[0], GOOD[2].replace("cara@", "asha@")]
    ((row, column, message),) = _problems(lines)
    assert (row, column) == (3, "email")
    assert "asha@example.org is also in row 2, in another team (Family Hub North)" in message
    assert _problems(lines, several_teams=True) == []


# Applying -----------------------------------------------------------------------------------


def _import(world: World, lines: Iterable[str], **options: object) -> imports.Done:
    rows, problems = _rows(_csv(lines))
    assert problems == []
    return imports.apply(world.partnership, rows, by=world.lead, **options)  # type: ignore[arg-type]


def test_confirming_creates_organisations_teams_and_invitations_and_sends_them(
    world: World,
) -> None:
    done = _import(world, GOOD)
    assert (done.organisations, done.teams, done.invited) == (2, 2, 3)
    hub = Team.objects.get(name="Family Hub North")
    assert (hub.organisation.partnership, hub.team_type, hub.headcount) == (
        world.partnership,
        "family_hub",
        12,
    )
    assert Invitation.objects.get(email="asha@example.org").role == Role.TEAM_LEAD
    assert sorted(m.to[0] for m in mail.outbox) == [
        "asha@example.org",
        "ben@example.org",
        "cara@example.org",
    ]


def test_the_same_file_again_changes_nothing_and_sends_nothing(world: World) -> None:
    _import(world, GOOD)
    before = (
        list(Organisation.objects.values_list("pk", "name", "sector")),
        list(Team.objects.values_list("pk", "name", "team_type", "headcount")),
        list(Invitation.objects.values_list("pk", "email", "sends")),
    )
    rows, _ = _rows(_csv(GOOD))
    change = imports.plan(world.partnership, rows)
    assert not change.changes_anything
    assert change.unchanged == 3
    done = _import(world, GOOD)
    assert (done.organisations, done.teams, done.invited, done.added) == (0, 0, 0, 0)
    after = (
        list(Organisation.objects.values_list("pk", "name", "sector")),
        list(Team.objects.values_list("pk", "name", "team_type", "headcount")),
        list(Invitation.objects.values_list("pk", "email", "sends")),
    )
    assert after == before
    assert len(mail.outbox) == 3


def test_people_with_accounts_are_added_and_told_and_roles_change(world: World) -> None:
    asha = make_user("asha@example.org")
    _import(world, GOOD)
    hub = Team.objects.get(name="Family Hub North")
    assert TeamMembership.objects.get(user=asha, team=hub).is_team_lead
    assert not Invitation.objects.filter(email="asha@example.org").exists()
    told = [m for m in mail.outbox if m.to == ["asha@example.org"]]
    assert "You have been added to Family Hub North" in told[0].subject
    rows, _ = _rows(_csv([GOOD[0].replace("team lead", "member"), *GOOD[1:]]))
    change = imports.plan(world.partnership, rows)
    assert [(m.user, r.role) for m, r in change.role_changes] == [(asha, Role.MEMBER)]
    imports.apply(world.partnership, rows, by=world.lead)
    assert not TeamMembership.objects.get(user=asha, team=hub).is_team_lead


def test_a_partnership_lead_row_makes_a_lead(world: World) -> None:
    dev = make_user("dev@example.org")
    _import(world, [GOOD[2].replace("cara@", "dev@").rstrip(",") + ",partnership lead"])
    assert PartnershipLead.objects.filter(user=dev, partnership=world.partnership).exists()


def test_names_match_existing_ones_whatever_their_case(world: World) -> None:
    existing = world.team  # Health Visiting East, in Northshire NHS Trust
    line = (
        f"{existing.organisation.name.upper()},NHS health,  {existing.name.lower()} ,"
        f"Health visiting,,A,B,new@example.org,"
    )
    done = _import(world, [line])
    assert (done.organisations, done.teams) == (0, 0)
    assert Invitation.objects.get().team == existing


def test_people_left_out_of_the_file_are_offered_for_ending_not_deleted(world: World) -> None:
    _import(world, GOOD)
    stays = make_user("stays@example.org")
    hub = Team.objects.get(name="Family Hub North")
    add_member(stays, hub)
    rows, _ = _rows(_csv(GOOD[1:]))  # Asha (invited) and Stays are not in the file now
    change = imports.plan(world.partnership, rows)
    assert [m.user for m in change.not_in_file] == [stays]
    assert [i.email for i in change.invitations_not_in_file] == ["asha@example.org"]
    assert world.practitioner not in [m.user for m in change.not_in_file]  # not a team in it
    imports.apply(world.partnership, rows, by=world.lead)
    assert TeamMembership.objects.filter(user=stays, team=hub).exists()  # only when asked
    done = imports.apply(world.partnership, rows, by=world.lead, end_missing=True)
    assert done.ended == 2
    assert not TeamMembership.objects.filter(user=stays, team=hub).exists()
    assert stays.__class__.objects.filter(pk=stays.pk).exists()  # the account stays
    assert Invitation.objects.get(email="asha@example.org").withdrawn_at is not None


def test_an_organisation_named_as_in_another_partnership_is_made_in_this_one(
    world: World,
) -> None:
    theirs = world.outsider_team  # Southvale Health Visiting, in Southvale NHS
    line = (
        f"{theirs.organisation.name},NHS health,{theirs.name},Health visiting,,A,B,x@example.org,"
    )
    done = _import(world, [line])
    assert (done.organisations, done.teams) == (1, 1)
    invitation = Invitation.objects.get()
    assert invitation.team is not None
    assert invitation.team != theirs
    assert invitation.team.organisation.partnership == world.partnership
    assert theirs.memberships.count() == 1  # the outsider's team is untouched


def test_a_confirmation_after_something_changed_is_refused(world: World) -> None:
    rows, _ = _rows(_csv(GOOD))
    fingerprint = imports.plan(world.partnership, rows).fingerprint()
    make_user("ben@example.org")  # an account appears between the preview and the confirmation
    with pytest.raises(imports.Changed):
        imports.apply(world.partnership, rows, by=world.lead, expected=fingerprint)
    assert not Team.objects.filter(name="Family Hub North").exists()


def test_the_command_previews_with_dry_run_and_imports_without(
    world: World, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "people.csv"  # type: ignore[operator]
    path.write_bytes(_csv(GOOD))
    call_command(
        "import_people", "--partnership", str(world.partnership.pk), str(path), "--dry-run"
    )
    out = capsys.readouterr().out
    assert "2 organisations to add" in out
    assert "3 people to invite" in out
    assert "Nothing was changed (--dry-run)." in out
    assert not Team.objects.filter(name="Family Hub North").exists()
    call_command("import_people", "--partnership", str(world.partnership.pk), str(path))
    assert Team.objects.filter(name="Family Hub North").exists()
    assert len(mail.outbox) == 3

    path.write_bytes(_csv([GOOD[0].replace("asha@example.org", "nope")]))
    with pytest.raises(CommandError) as refused:
        call_command("import_people", "--partnership", str(world.partnership.pk), str(path))
    assert "Row 2, email: “nope” is not an email address" in str(refused.value)


# The lead's pages ---------------------------------------------------------------------------


def _upload(
    client: Client, world: World, data: bytes, name: str = "people.csv", **extra: str
) -> Any:
    url = reverse("partnerships:import-people", args=[world.partnership.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)


def test_the_lead_uploads_checks_the_preview_and_confirms(client: Client, world: World) -> None:
    sign_in(client, world.lead)
    page = client.get(reverse("partnerships:import-people", args=[world.partnership.pk]))
    assert "Download the template" in page.text

    bad = _upload(client, world, _csv([*GOOD, GOOD[0].replace("asha@example.org", "asha@")]))
    assert "There is a problem" in bad.text
    assert "Row 5, email: “asha@” is not an email address" in bad.text
    assert "Confirm and import" not in bad.text
    assert not Team.objects.filter(name="Family Hub North").exists()

    preview = _upload(client, world, _csv(GOOD))
    assert "There is a problem" not in preview.text
    assert "2 organisations to add" in preview.text
    assert "3 people to invite" in preview.text
    assert "asha@example.org" in preview.text
    assert not Team.objects.filter(name="Family Hub North").exists()  # nothing written yet
    confirm = preview.redirect_chain[-1][0] + "confirm/"
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', preview.text)
    assert fingerprint is not None
    done = client.post(confirm, {"fingerprint": fingerprint.group(1)}, follow=True)
    assert "Imported: 2 organisations added, 2 teams added, 3 people invited." in done.text
    assert Team.objects.filter(name="Family Hub North").exists()
    assert len(mail.outbox) == 3
    assert not PeopleImport.objects.exists()  # the rows are not kept after confirming

    again = _upload(client, world, _csv(GOOD))
    assert "Nothing to change: everyone in the file is already here" in again.text
    assert "Confirm and import" not in again.text


def test_a_refused_file_says_why_on_the_upload_page(client: Client, world: World) -> None:
    sign_in(client, world.lead)
    page = _upload(client, world, b"\x89PNG\r\n\x1a\n\x00\x00", name="photo.png")
    assert "There is a problem" in page.text
    assert "This file is not a spreadsheet we can read" in page.text
    assert not PeopleImport.objects.exists()


def test_a_confirmation_of_a_stale_preview_imports_nothing(client: Client, world: World) -> None:
    sign_in(client, world.lead)
    preview = _upload(client, world, _csv(GOOD))
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', preview.text)
    assert fingerprint is not None
    make_user("ben@example.org")  # an account appears meanwhile
    confirm = preview.redirect_chain[-1][0] + "confirm/"
    page = client.post(confirm, {"fingerprint": fingerprint.group(1)}, follow=True)
    assert "Something changed in the partnership since this preview was made" in page.text
    assert not Team.objects.filter(name="Family Hub North").exists()
    assert "1 person with an account to add" in page.text  # the preview shows it now


def test_the_templates_import_as_they_are(client: Client, world: World) -> None:
    sign_in(client, world.lead)
    for name in ["people-template-xlsx", "people-template-csv"]:
        response = client.get(reverse(f"partnerships:{name}"))
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        rows, problems = _rows(response.content)
        assert problems == []
        assert [row.email for row in rows] == ["priya.shah@example.org", "sam.jones@example.org"]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/people-template.xlsx").content))
    assert book.sheetnames == ["People", "Allowed values"]
    assert len(book["People"].data_validations.dataValidation) == 3


def test_ending_memberships_takes_the_ticked_box(client: Client, world: World) -> None:
    hub = Team.objects.get(pk=world.team.pk)
    line = (
        f"{hub.organisation.name},NHS health,{hub.name},Health visiting,,A,B,"
        "someone.else@example.org,"
    )
    sign_in(client, world.lead)
    preview = _upload(client, world, _csv([line]))
    assert "People in these teams who are not in the file" in preview.text
    assert "Pat Practitioner" in preview.text
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', preview.text)
    assert fingerprint is not None
    confirm = preview.redirect_chain[-1][0] + "confirm/"
    client.post(confirm, {"fingerprint": fingerprint.group(1), "end_missing": "yes"})
    assert not TeamMembership.objects.filter(user=world.practitioner, team=hub).exists()


def _rewritten(data: bytes, member: str, change: object) -> bytes:
    """The workbook with one of its parts rewritten, as a broken or hostile file would be."""
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, change(content) if info.filename == member else content)  # type: ignore[operator]
    return out.getvalue()


def test_a_broken_or_hostile_workbook_is_refused_not_a_500() -> None:
    good = _xlsx([HEADER.split(","), GOOD[0].split(",")])
    sheet = "xl/worksheets/sheet1.xml"
    for name, change in [
        ("truncated sheet", lambda xml: xml[: len(xml) // 2]),
        ("a byte XML forbids", lambda xml: xml.replace(b"<sheetData>", b"<sheetData>\x01")),
    ]:
        assert "not a spreadsheet" in _refusal(_rewritten(good, sheet, change)), name
    bomb = b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><worksheet'
    entities = _rewritten(good, sheet, lambda xml: xml.replace(b"<worksheet", bomb, 1))
    rows, _ = _rows(entities)  # entities are never expanded: the sheet reads as it is
    assert [row.email for row in rows] == ["asha@example.org"]
    no_sheets = _rewritten(
        good, "xl/workbook.xml", lambda xml: regex.sub(rb"<sheets>.*</sheets>", b"<sheets/>", xml)
    )
    assert "not a spreadsheet" in _refusal(no_sheets)


def test_a_workbook_with_one_far_away_cell_reads_only_its_people() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(GOOD[0].split(","))
    sheet.cell(row=1, column=1000, value="far away")  # column ALL: its columns are not read
    sheet.cell(row=9000, column=1, value="far down")
    out = io.BytesIO()
    book.save(out)
    rows, problems = _rows(out.getvalue())
    assert [row.email for row in rows] == ["asha@example.org"]
    assert [(p.row, p.column) for p in problems] == [
        (9000, "sector"),
        (9000, "team"),
        (9000, "team_type"),
        (9000, "email"),
    ]


def test_a_sheet_with_far_more_rows_than_people_is_refused_early() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.cell(row=imports.MAX_ROWS * 2 + 5, column=1, value="x")
    out = io.BytesIO()
    book.save(out)
    assert "more than 5,000 people" in _refusal(out.getvalue())


def test_a_formula_behind_an_invisible_character_is_still_a_formula() -> None:
    for hidden in ["\x01=1+1", "\ufeff@SUM(1)", "\u2060-cmd|calc"]:
        ((row, column, message),) = _problems([GOOD[0].replace("Asha", hidden)])
        assert (row, column) == (2, "first_name")
        assert "This cell holds a formula" in message


def test_someone_imported_as_a_lead_while_signed_in_must_sign_in_again_for_the_second_step(
    world: World, settings: pytest.FixtureRequest
) -> None:
    settings.REQUIRE_TWO_FACTOR = "leads"  # type: ignore[attr-defined]
    member = Client()
    member.post(reverse("login"), {"username": world.practitioner.email, "password": PASSWORD})
    assert member.get(reverse("assessments:home")).status_code == 200
    line = GOOD[2].replace("cara@example.org", world.practitioner.email).rstrip(",")
    _import(world, [line + ",partnership lead"])
    assert member.get(reverse("assessments:home"))["Location"].startswith(reverse("login"))
