"""People and teams from a spreadsheet: read it (CSV or XLSX, as Excel and people really make
them), check every row, work out what would change in the lead's partnership, and apply all of
it in one transaction when the lead confirms. The file can only ever touch the partnership it is
imported into: every name in it is looked up there and nowhere else.

Reading refuses a whole file (`Refused`) when it is not a spreadsheet we can read, too big, or
lacks a column; checking finds each row's problems (`Problem`: its row number as the
spreadsheet numbers it, its column, and why, in plain English). A plan (`Plan`) is what would
change; applying it again changes nothing."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import regex
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from accounts.models import User

from .models import (
    Invitation,
    Organisation,
    Partnership,
    PartnershipLead,
    Role,
    Sector,
    Team,
    TeamMembership,
    TeamType,
)
from .people import now_leads

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# An XLSX file is a zip: what it may hold unpacked, so that a small file that unpacks to a huge
# sheet (a "zip bomb") is refused before it is read.
MAX_UNPACKED_BYTES = 16 * 1024 * 1024
NAME_LIMIT = 200
EMAIL_LIMIT = 254
BATCH = 500  # rows written per query

COLUMNS = (
    "organisation",
    "sector",
    "team",
    "team_type",
    "headcount",
    "first_name",
    "last_name",
    "email",
    "role",
)
REQUIRED = ("organisation", "sector", "team", "team_type", "email")
# What people write at the top of a column, for the columns we know.
HEADER_ALIASES = {
    "organization": "organisation",
    "org": "organisation",
    "type": "team_type",
    "type_of_team": "team_type",
    "forename": "first_name",
    "given_name": "first_name",
    "surname": "last_name",
    "family_name": "last_name",
    "e_mail": "email",
    "email_address": "email",
    "e_mail_address": "email",
    "staff": "headcount",
    "number_of_staff": "headcount",
}
ROLE_WORDS = {
    "": Role.MEMBER,
    "member": Role.MEMBER,
    "practitioner": Role.MEMBER,
    "team lead": Role.TEAM_LEAD,
    "team leader": Role.TEAM_LEAD,
    "partnership lead": Role.PARTNERSHIP_LEAD,
}

# Control characters, the byte-order mark and the invisible formatting characters Word and web
# pages leave behind go; line breaks and tabs become spaces (a name is one line).
_INVISIBLE = regex.compile(r"[^\t\n\r\P{Cc}]|\p{Cf}")
_SPACES = regex.compile(r"\s+")
# Text a spreadsheet program would run: a formula ("=A1"), or the tricks that start one ("+",
# "-" or "@" before a name or a bracket, as in "@SUM(" or "-cmd|").
_FORMULA = regex.compile(r"^(=|@|[+\-]\s*[\p{L}(])")


class Refused(Exception):
    """The whole file is refused, for the reason given."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Row:
    """One person's row, cleaned and checked."""

    row: int
    organisation: str
    sector: str
    team: str
    team_type: str
    headcount: int | None
    full_name: str
    email: str
    role: str

    @property
    def team_key(self) -> tuple[str, str]:
        return (_key(self.organisation), _key(self.team))

    @property
    def sector_label(self) -> str:
        return str(Sector(self.sector).label)

    @property
    def team_type_label(self) -> str:
        return str(TeamType(self.team_type).label)

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


def _key(name: str) -> str:
    """Names match whatever their case and spacing: "Riverside  council" is "Riverside Council"."""
    return _SPACES.sub(" ", name).strip().casefold()


def clean(value: object) -> str:
    """A cell as one line of text: numbers as Excel shows them, invisible characters gone,
    runs of spaces made one, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _INVISIBLE.sub("", str(value))
    return _SPACES.sub(" ", text).strip()


# Reading ------------------------------------------------------------------------------------


def read(data: bytes, filename: str = "") -> list[tuple[int, list[object]]]:
    """The file's rows, each with its row number as the spreadsheet shows it, header first."""
    if len(data) > MAX_BYTES:
        raise Refused(
            gettext("The file is bigger than 5 MB. Split it into smaller files and upload each.")
        )
    if not data.strip():
        raise Refused(gettext("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Refused(
            gettext(
                "This is an old Excel file (.xls). In Excel, choose Save As and save it as an "
                "Excel Workbook (.xlsx) or as CSV, then upload that."
            )
        )
    return _read_csv(data)


def _not_a_spreadsheet() -> Refused:
    return Refused(
        gettext(
            "This file is not a spreadsheet we can read. Upload a CSV file or an Excel "
            "workbook (.xlsx), such as the template."
        )
    )


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 with one (Excel's "Unicode text"),
    else Windows-1252 (Excel's "CSV" on Windows in the UK)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _not_a_spreadsheet() from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # bytes Windows-1252 does not have: not text
        raise _not_a_spreadsheet() from None


def _read_csv(data: bytes) -> list[tuple[int, list[object]]]:
    text = _decode(data)
    if "\x00" in text:
        raise _not_a_spreadsheet()
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # The separator is whichever of comma, semicolon (Excel where a comma is the decimal
    # mark) and tab the header line holds most of.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(_numbered(reader, MAX_ROWS + 1))  # the header, and the people
    except csv.Error:
        raise _not_a_spreadsheet() from None


def _numbered(rows: Iterable[list[Any]], limit: int) -> Iterator[tuple[int, list[object]]]:
    """Rows with their numbers; blank rows are skipped but still counted, as Excel numbers
    them. Stops once there are more than `limit` rows with something in them."""
    kept = 0
    for number, row in enumerate(rows, start=1):
        if not any(clean(cell) for cell in row):
            continue
        kept += 1
        if kept > limit:
            _too_many()
        yield number, list(row)


def _too_many() -> None:
    raise Refused(
        gettext(
            "The file has more than %(limit)s people in it. Split it into files of "
            "%(limit)s rows or fewer and upload each."
        )
        % {"limit": f"{MAX_ROWS:,}"}
    )


def _read_xlsx(data: bytes) -> list[tuple[int, list[object]]]:
    """The first sheet that has an e-mail column, streamed (openpyxl's read-only mode, so
    memory stays small whatever the file claims), its first COLUMN_LIMIT columns only, and
    refused as soon as it holds more rows than any real list of people."""
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _not_a_spreadsheet() from None
    if unpacked > MAX_UNPACKED_BYTES:
        _too_many()
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            for sheet in book.worksheets:
                rows = _sheet_rows(sheet)
                if rows and any("mail" in clean(cell).lower() for cell in rows[0][1]):
                    return rows
            raise (
                _not_a_spreadsheet()
                if not book.worksheets
                else Refused(
                    gettext(
                        "No sheet of this workbook has an email column. The first row must name "
                        "the columns: %(all)s."
                    )
                    % {"all": ", ".join(COLUMNS)}
                )
            )
        finally:
            book.close()
    except Refused:
        raise
    except Exception:  # noqa: BLE001 (a broken or hostile file, whatever broke: not readable)
        raise _not_a_spreadsheet() from None


COLUMN_LIMIT = 40  # far more than the nine columns, and a sheet's columns are never all read


def _sheet_rows(sheet: Any) -> list[tuple[int, list[object]]]:
    rows: list[tuple[int, list[object]]] = []
    for number, row in enumerate(sheet.iter_rows(max_col=COLUMN_LIMIT), start=1):
        if number > MAX_ROWS * 2:  # blank rows count too: no real list has this many
            _too_many()
        rows.append((number, [_formula_marked(cell) for cell in row]))
    _fill_merged(sheet, rows)
    return list(_numbered((cells for _, cells in rows), MAX_ROWS + 1))


@dataclass(frozen=True)
class Formula:
    """A cell that holds a formula: refused, with what it says."""

    text: str


def _formula_marked(cell: Any) -> object:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":
        return Formula(str(getattr(value, "text", value)))
    return value


_MERGE = regex.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')


def _fill_merged(sheet: Any, rows: list[tuple[int, list[object]]]) -> None:
    """A merged cell (an organisation's name across its teams' rows) counts in every row it
    covers that has something else in it, as a person reading the sheet takes it. Read-only
    sheets do not read merges, so they are found in the sheet's XML, within the rows read."""
    from openpyxl.utils import column_index_from_string

    try:
        xml = sheet.parent._archive.read(sheet._worksheet_path)
    except (AttributeError, KeyError):
        return
    for found in _MERGE.finditer(xml):
        first_col = column_index_from_string(found.group(1).decode()) - 1
        last_col = min(column_index_from_string(found.group(3).decode()), COLUMN_LIMIT) - 1
        first_row, last_row = int(found.group(2)) - 1, min(int(found.group(4)), len(rows)) - 1
        if first_row >= len(rows) or first_col >= COLUMN_LIMIT:
            continue
        top = rows[first_row][1]
        value = top[first_col] if first_col < len(top) else None
        for index in range(first_row + 1, last_row + 1):
            cells = rows[index][1]
            outside = [c for i, c in enumerate(cells) if not first_col <= i <= last_col]
            if not any(clean(c) for c in outside if not isinstance(c, Formula)):
                continue  # a blank row stays blank, though the merge runs across it
            cells.extend([None] * (last_col + 1 - len(cells)))
            for column in range(first_col, last_col + 1):
                cells[column] = value


# Checking -----------------------------------------------------------------------------------


def _header(cells: list[object]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = regex.sub(r"[\s\-]+", "_", clean(cell).lower()).strip("_")
        name = HEADER_ALIASES.get(name, name)
        if name in COLUMNS and name not in columns:
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise Refused(
            ngettext(
                "The file has no %(columns)s column. The first row must name the columns: %(all)s.",
                "The file has no %(columns)s columns. The first row must name the columns: "
                "%(all)s.",
                len(missing),
            )
            % {"columns": ", ".join(missing), "all": ", ".join(COLUMNS)}
        )
    return columns


def _names_of(choices: type[Sector] | type[TeamType]) -> dict[str, str]:
    """What a cell may call each choice: its label in the page's language or in English, or
    its value. Made once per file, not once per row (5,000 rows, 25 labels)."""
    names: dict[str, str] = {}
    for choice in choices:
        names[_key(str(choice.label))] = names[choice.value.replace("_", " ")] = choice.value
        with translation.override("en"):
            names.setdefault(_key(str(choice.label)), choice.value)
    return names


def check(
    table: list[tuple[int, list[object]]], *, several_teams: bool = False
) -> tuple[list[Row], list[Problem]]:
    """Every row checked on its own and against the others. Rows with problems are left out."""
    if not table:
        raise Refused(gettext("The file is empty."))
    (_, header), *body = table
    columns = _header(header)
    if not body:
        raise Refused(gettext("The file has its column names but nobody in it."))
    rows: list[Row] = []
    problems: list[Problem] = []
    names = {"sector": _names_of(Sector), "team_type": _names_of(TeamType)}
    for number, cells in body:
        row, found = _check_row(number, cells, columns, names)
        problems += found
        if row is not None:
            rows.append(row)
    problems += _check_together(rows, several_teams=several_teams)
    bad = {problem.row for problem in problems}
    return [row for row in rows if row.row not in bad], sorted(
        problems, key=lambda p: (p.row, COLUMNS.index(p.column) if p.column in COLUMNS else 99)
    )


def _check_row(
    number: int, cells: list[object], columns: dict[str, int], names: dict[str, dict[str, str]]
) -> tuple[Row | None, list[Problem]]:
    problems: list[Problem] = []

    def cell(name: str) -> str:
        index = columns.get(name)
        raw = cells[index] if index is not None and index < len(cells) else None
        if isinstance(raw, Formula) or (isinstance(raw, str) and _FORMULA.match(clean(raw))):
            shown = raw.text if isinstance(raw, Formula) else clean(raw)
            problems.append(
                Problem(
                    number,
                    name,
                    gettext(
                        "This cell holds a formula (%(formula)s). Type the value itself, or "
                        "copy the column and paste it as values only."
                    )
                    % {"formula": _short(shown)},
                )
            )
            return ""
        text = clean(raw)
        if len(text) > (EMAIL_LIMIT if name == "email" else NAME_LIMIT):
            limit = EMAIL_LIMIT if name == "email" else NAME_LIMIT
            problems.append(
                Problem(
                    number,
                    name,
                    gettext("This is longer than %(limit)d characters.") % {"limit": limit},
                )
            )
            return ""
        return text

    values = {name: cell(name) for name in COLUMNS}
    for name in REQUIRED:
        if not values[name] and not any(p.column == name for p in problems):
            problems.append(Problem(number, name, _required_message(name)))
    sector = names["sector"].get(_key(values["sector"]).replace("_", " "))
    if values["sector"] and sector is None:
        problems.append(
            Problem(
                number,
                "sector",
                gettext("“%(value)s” is not a sector. Use one of: %(choices)s.")
                % {"value": _short(values["sector"]), "choices": _labels(Sector)},
            )
        )
    team_type = names["team_type"].get(_key(values["team_type"]).replace("_", " "))
    if values["team_type"] and team_type is None:
        problems.append(
            Problem(
                number,
                "team_type",
                gettext("“%(value)s” is not a team type. Use one of: %(choices)s.")
                % {"value": _short(values["team_type"]), "choices": _labels(TeamType)},
            )
        )
    headcount = _headcount(values["headcount"])
    if headcount is False:
        problems.append(
            Problem(
                number,
                "headcount",
                gettext("Enter the number of people in the team as a whole number, like 12."),
            )
        )
    email = values["email"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                Problem(
                    number,
                    "email",
                    gettext("“%(value)s” is not an email address. Write it like name@example.org.")
                    % {"value": _short(values["email"])},
                )
            )
    role = ROLE_WORDS.get(_key(values["role"]).replace("_", " "))
    if role is None:
        problems.append(
            Problem(
                number,
                "role",
                gettext(
                    "“%(value)s” is not a role. Use member, team lead or partnership lead, or "
                    "leave it empty for a member."
                )
                % {"value": _short(values["role"])},
            )
        )
    full_name = " ".join(part for part in (values["first_name"], values["last_name"]) if part)
    if problems or sector is None or team_type is None or role is None or headcount is False:
        return None, problems
    row = Row(
        row=number,
        organisation=values["organisation"],
        sector=sector,
        team=values["team"],
        team_type=team_type,
        headcount=headcount,
        full_name=full_name[:NAME_LIMIT],
        email=email,
        role=str(role),
    )
    return row, []


def _headcount(text: str) -> int | None | bool:
    """The number, None when empty, False when it is not a whole number above nought."""
    if not text:
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return False
    if not number.is_integer() or not 0 < number < 100_000:
        return False
    return int(number)


def _required_message(name: str) -> str:
    return {
        "organisation": gettext("Enter the organisation the team belongs to."),
        "sector": gettext("Enter the organisation’s sector."),
        "team": gettext("Enter the team’s name."),
        "team_type": gettext("Enter the type of team."),
        "email": gettext("Enter the person’s email address."),
    }[name]


def _labels(choices: type[Sector] | type[TeamType]) -> str:
    return ", ".join(str(choice.label) for choice in choices)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_together(rows: list[Row], *, several_teams: bool) -> list[Problem]:
    """What rows must agree on: an organisation's sector, a team's type and headcount, and
    (unless people may be in several teams) each person's team."""
    problems: list[Problem] = []
    sectors: dict[str, Row] = {}
    teams: dict[tuple[str, str], Row] = {}
    people: dict[str, Row] = {}
    placed: dict[tuple[str, tuple[str, str]], Row] = {}
    for row in rows:
        first = sectors.setdefault(_key(row.organisation), row)
        if first.sector != row.sector:
            problems.append(
                Problem(
                    row.row,
                    "sector",
                    gettext(
                        "Row %(first)d gives %(organisation)s another sector. Give an "
                        "organisation the same sector on every row."
                    )
                    % {"first": first.row, "organisation": row.organisation},
                )
            )
        team = teams.setdefault(row.team_key, row)
        if (team.team_type, team.headcount) != (row.team_type, row.headcount):
            column = "team_type" if team.team_type != row.team_type else "headcount"
            problems.append(
                Problem(
                    row.row,
                    column,
                    gettext(
                        "Row %(first)d gives %(team)s another %(what)s. Give a team the same "
                        "type and headcount on every row."
                    )
                    % {
                        "first": team.row,
                        "team": row.team,
                        "what": gettext("type") if column == "team_type" else gettext("headcount"),
                    },
                )
            )
        same = placed.setdefault((row.email, row.team_key), row)
        if same is not row and same.role != row.role:
            problems.append(
                Problem(
                    row.row,
                    "role",
                    gettext("Row %(first)d gives this person another role in the same team.")
                    % {"first": same.row},
                )
            )
        person = people.setdefault(row.email, row)
        if not several_teams and person.team_key != row.team_key:
            problems.append(
                Problem(
                    row.row,
                    "email",
                    gettext(
                        "%(email)s is also in row %(first)d, in another team (%(team)s). Give "
                        "each person one row, or tick “People may be in more than one team”."
                    )
                    % {"email": row.email, "first": person.row, "team": person.team},
                )
            )
    return problems


# Planning and applying ----------------------------------------------------------------------


@dataclass
class TeamChange:
    team: Team
    team_type: str
    headcount: int | None

    @property
    def new_type_label(self) -> str:
        return str(TeamType(self.team_type).label)


@dataclass
class Plan:
    """What confirming would do to the partnership, worked out from the rows and what is
    there now. Each list is of what changes; `unchanged` counts the rows that change nothing."""

    partnership: Partnership
    new_organisations: list[Row] = field(default_factory=list)  # the first row of each
    sector_changes: list[tuple[Organisation, Row]] = field(default_factory=list)
    new_teams: list[Row] = field(default_factory=list)
    team_changes: list[TeamChange] = field(default_factory=list)
    to_invite: list[Row] = field(default_factory=list)
    to_add: list[tuple[User, Row]] = field(default_factory=list)
    role_changes: list[tuple[TeamMembership, Row]] = field(default_factory=list)
    new_leads: list[tuple[User, Row]] = field(default_factory=list)
    not_in_file: list[TeamMembership] = field(default_factory=list)
    invitations_not_in_file: list[Invitation] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ending(self) -> int:
        """How many memberships and invitations the file's teams have that the file leaves out."""
        return len(self.not_in_file) + len(self.invitations_not_in_file)

    @property
    def changes_anything(self) -> bool:
        return any(
            (
                self.new_organisations,
                self.sector_changes,
                self.new_teams,
                self.team_changes,
                self.to_invite,
                self.to_add,
                self.role_changes,
                self.new_leads,
            )
        )

    def fingerprint(self) -> str:
        """The same for the same changes: the preview's, compared with the confirmation's."""
        parts = [
            sorted((r.organisation, r.sector) for r in self.new_organisations),
            sorted((o.pk, r.sector) for o, r in self.sector_changes),
            sorted((r.organisation, r.team) for r in self.new_teams),
            sorted((c.team.pk, c.team_type, c.headcount or 0) for c in self.team_changes),
            sorted((r.email, r.team_key, r.role) for r in self.to_invite),
            sorted((u.pk, r.team_key, r.role) for u, r in self.to_add),
            sorted((m.pk, r.role) for m, r in self.role_changes),
            sorted((u.pk,) for u, _ in self.new_leads),
            sorted(m.pk for m in self.not_in_file),
            sorted(i.pk for i in self.invitations_not_in_file),
        ]
        return hashlib.sha256(repr(parts).encode()).hexdigest()


def plan(partnership: Partnership, rows: list[Row]) -> Plan:
    """What confirming these rows would change, in a fixed number of queries."""
    result = Plan(partnership)
    organisations = {_key(o.name): o for o in Organisation.objects.filter(partnership=partnership)}
    teams = {
        (_key(t.organisation.name), _key(t.name)): t
        for t in Team.objects.filter(organisation__partnership=partnership).select_related(
            "organisation"
        )
    }
    emails = sorted({row.email for row in rows})
    users = {
        user.email: user
        for user in User.objects.annotate(address=Lower("email")).filter(address__in=emails)
    }
    memberships = {
        (m.user.email, (_key(m.team.organisation.name), _key(m.team.name))): m
        for m in TeamMembership.objects.filter(
            team__organisation__partnership=partnership
        ).select_related("user", "team__organisation")
    }
    leads = set(
        PartnershipLead.objects.filter(partnership=partnership).values_list("user_id", flat=True)
    )
    invited = {
        (i.email, (_key(i.team.organisation.name), _key(i.team.name)) if i.team else None): i
        for i in Invitation.objects.open()
        .filter(partnership=partnership)
        .select_related("team__organisation")
    }
    seen_organisations: set[str] = set()
    seen_teams: set[tuple[str, str]] = set()
    seen_people: set[tuple[str, tuple[str, str]]] = set()
    for row in rows:
        organisation = organisations.get(_key(row.organisation))
        if _key(row.organisation) not in seen_organisations:
            seen_organisations.add(_key(row.organisation))
            if organisation is None:
                result.new_organisations.append(row)
            elif organisation.sector != row.sector:
                result.sector_changes.append((organisation, row))
        team = teams.get(row.team_key)
        if row.team_key not in seen_teams:
            seen_teams.add(row.team_key)
            if team is None:
                result.new_teams.append(row)
            elif (team.team_type, team.headcount) != (row.team_type, row.headcount) and (
                row.headcount is not None or team.team_type != row.team_type
            ):
                headcount = row.headcount if row.headcount is not None else team.headcount
                result.team_changes.append(TeamChange(team, row.team_type, headcount))
        if (row.email, row.team_key) in seen_people:
            continue
        seen_people.add((row.email, row.team_key))
        user = users.get(row.email)
        changed = False
        if user is None:
            if (row.email, row.team_key) not in invited:
                result.to_invite.append(row)
                changed = True
        else:
            membership = memberships.get((row.email, row.team_key))
            if membership is None:
                result.to_add.append((user, row))
                changed = True
            elif membership.is_team_lead != (row.role == Role.TEAM_LEAD):
                result.role_changes.append((membership, row))
                changed = True
            if row.role == Role.PARTNERSHIP_LEAD and user.pk not in leads:
                result.new_leads.append((user, row))
                leads.add(user.pk)
                changed = True
        if not changed:
            result.unchanged += 1
    in_file = {(row.email, row.team_key) for row in rows}
    result.not_in_file = [
        membership
        for key, membership in memberships.items()
        if key[1] in seen_teams and key not in in_file
    ]
    result.invitations_not_in_file = [
        invitation
        for (email, team_key), invitation in invited.items()
        if team_key in seen_teams and (email, team_key) not in in_file
    ]
    return result


class Changed(Exception):
    """Something changed in the partnership between the preview and the confirmation."""


@dataclass
class Done:
    organisations: int
    teams: int
    invited: int
    added: int
    ended: int
    changed: int = 0  # sectors, teams' types and headcounts, and roles

    def lines(self) -> list[str]:
        """What the import did, a phrase for each kind of change it made."""
        said = [
            (
                self.organisations,
                ngettext(
                    "%(n)s organisation added", "%(n)s organisations added", self.organisations
                ),
            ),
            (self.teams, ngettext("%(n)s team added", "%(n)s teams added", self.teams)),
            (self.invited, ngettext("%(n)s person invited", "%(n)s people invited", self.invited)),
            (
                self.added,
                ngettext(
                    "%(n)s person with an account added",
                    "%(n)s people with accounts added",
                    self.added,
                ),
            ),
            (
                self.changed,
                ngettext(
                    "%(n)s change to a sector, team or role",
                    "%(n)s changes to sectors, teams or roles",
                    self.changed,
                ),
            ),
            (
                self.ended,
                ngettext(
                    "%(n)s membership or invitation ended",
                    "%(n)s memberships or invitations ended",
                    self.ended,
                ),
            ),
        ]
        return [text % {"n": f"{count:,}"} for count, text in said if count]


@transaction.atomic
def apply(
    partnership: Partnership,
    rows: list[Row],
    *,
    by: User | None,
    end_missing: bool = False,
    expected: str | None = None,
) -> Done:
    """Makes every change the rows call for, in one transaction, in a fixed number of queries
    per batch of rows; queues the e-mails once it commits. With `expected`, refuses (Changed)
    if what would change is no longer what the preview showed."""
    # One import at a time per partnership: the plan is made under this lock.
    Partnership.objects.select_for_update().filter(pk=partnership.pk).first()
    change = plan(partnership, rows)
    if expected is not None and change.fingerprint() != expected:
        raise Changed
    Organisation.objects.bulk_create(
        [
            Organisation(partnership=partnership, name=row.organisation, sector=row.sector)
            for row in change.new_organisations
        ],
        batch_size=BATCH,
    )
    for organisation, row in change.sector_changes:
        organisation.sector = row.sector
    Organisation.objects.bulk_update(
        [o for o, _ in change.sector_changes], ["sector"], batch_size=BATCH
    )
    organisations = {_key(o.name): o for o in Organisation.objects.filter(partnership=partnership)}
    Team.objects.bulk_create(
        [
            Team(
                organisation=organisations[_key(row.organisation)],
                name=row.team,
                team_type=row.team_type,
                headcount=row.headcount,
            )
            for row in change.new_teams
        ],
        batch_size=BATCH,
    )
    for team_change in change.team_changes:
        team_change.team.team_type = team_change.team_type
        team_change.team.headcount = team_change.headcount
    Team.objects.bulk_update(
        [c.team for c in change.team_changes], ["team_type", "headcount"], batch_size=BATCH
    )
    teams = {
        (_key(t.organisation.name), _key(t.name)): t
        for t in Team.objects.filter(organisation__partnership=partnership).select_related(
            "organisation"
        )
    }
    TeamMembership.objects.bulk_create(
        [
            TeamMembership(
                user=user, team=teams[row.team_key], is_team_lead=row.role == Role.TEAM_LEAD
            )
            for user, row in change.to_add
        ],
        batch_size=BATCH,
    )
    for membership, row in change.role_changes:
        membership.is_team_lead = row.role == Role.TEAM_LEAD
    TeamMembership.objects.bulk_update(
        [m for m, _ in change.role_changes], ["is_team_lead"], batch_size=BATCH
    )
    PartnershipLead.objects.bulk_create(
        [PartnershipLead(user=user, partnership=partnership) for user, _ in change.new_leads],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    for user, _ in change.new_leads:  # a few people, if any: leads are not imported by the 100
        now_leads(user)
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                partnership=partnership,
                team=teams[row.team_key],
                email=row.email,
                full_name=row.full_name,
                role=row.role,
                invited_by=by,
            )
            for row in change.to_invite
        ],
        batch_size=BATCH,
    )
    ended = 0
    if end_missing:
        ended = TeamMembership.objects.filter(pk__in=[m.pk for m in change.not_in_file]).delete()[0]
        ended += Invitation.objects.filter(
            pk__in=[i.pk for i in change.invitations_not_in_file]
        ).update(withdrawn_at=timezone.now())
    _queue_emails(partnership, invitations, change, teams, by)
    return Done(
        organisations=len(change.new_organisations),
        teams=len(change.new_teams),
        invited=len(invitations),
        added=len(change.to_add) + len(change.new_leads),
        ended=ended,
        changed=len(change.sector_changes) + len(change.team_changes) + len(change.role_changes),
    )


def _queue_emails(
    partnership: Partnership,
    invitations: list[Invitation],
    change: Plan,
    teams: dict[tuple[str, str], Team],
    by: User | None,
) -> None:
    """Once the import commits: the invitations, and a word to each person with an account
    who was added (partnerships.tasks queues them a hundred to a task)."""
    from .tasks import queue_added, queue_invitations

    added: list[list[Any]] = [
        [user.pk, teams[row.team_key].pk, row.role] for user, row in change.to_add
    ]
    added_users = {user.pk for user, _ in change.to_add}
    added += [
        [user.pk, None, Role.PARTNERSHIP_LEAD]
        for user, _ in change.new_leads
        if user.pk not in added_users
    ]
    queue_invitations([[invitation.pk, 0] for invitation in invitations])
    queue_added(partnership.pk, by.pk if by is not None else None, added)


def summary(change: Plan) -> list[str]:
    """What the plan would do, a line each, as the preview's summary says it."""
    ending = change.ending
    lines = [
        ngettext(
            "%(n)s organisation to add", "%(n)s organisations to add", len(change.new_organisations)
        ),
        ngettext(
            "%(n)s organisation’s sector to change",
            "%(n)s organisations’ sectors to change",
            len(change.sector_changes),
        ),
        ngettext("%(n)s team to add", "%(n)s teams to add", len(change.new_teams)),
        ngettext(
            "%(n)s team’s type or headcount to change",
            "%(n)s teams’ types or headcounts to change",
            len(change.team_changes),
        ),
        ngettext("%(n)s person to invite", "%(n)s people to invite", len(change.to_invite)),
        ngettext(
            "%(n)s person with an account to add",
            "%(n)s people with accounts to add",
            len(change.to_add),
        ),
        ngettext("%(n)s role to change", "%(n)s roles to change", len(change.role_changes)),
        ngettext(
            "%(n)s partnership lead to add", "%(n)s partnership leads to add", len(change.new_leads)
        ),
        ngettext(
            "%(n)s row that changes nothing", "%(n)s rows that change nothing", change.unchanged
        ),
        ngettext(
            "%(n)s person in the file’s teams but not in the file",
            "%(n)s people in the file’s teams but not in the file",
            ending,
        ),
    ]
    counts = [
        len(change.new_organisations),
        len(change.sector_changes),
        len(change.new_teams),
        len(change.team_changes),
        len(change.to_invite),
        len(change.to_add),
        len(change.role_changes),
        len(change.new_leads),
        change.unchanged,
        ending,
    ]
    return [line % {"n": f"{count:,}"} for line, count in zip(lines, counts, strict=True) if count]


# The template ---------------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXAMPLES = [
    [
        "Riverside Community Health NHS Trust",
        "NHS health",
        "Health Visiting North",
        "Health visiting",
        "24",
        "Priya",
        "Shah",
        "priya.shah@example.org",
        "team lead",
    ],
    [
        "Riverside Borough Council",
        "Local authority",
        "Family Hub East",
        "Family hub or children's centre",
        "",
        "Sam",
        "Jones",
        "sam.jones@example.org",
        "member",
    ],
]
ROLE_LABELS = ["member", "team lead", "partnership lead"]


def template_csv() -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens it with every letter right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(EXAMPLES)
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    people = book.active
    assert people is not None
    people.title = gettext("People")
    people.append(list(COLUMNS))
    for cell in people[1]:
        cell.font = Font(bold=True)
    for example in EXAMPLES:
        people.append([int(v) if v.isdigit() else v for v in example])
    for column, width in zip("ABCDEFGHI", (38, 24, 28, 34, 11, 14, 14, 30, 18), strict=True):
        people.column_dimensions[column].width = width
    people.freeze_panes = "A2"
    lists = book.create_sheet(gettext("Allowed values"))
    lists.append(["sector", "team_type", "role"])  # the columns' names, as in the first sheet
    sectors = [str(choice.label) for choice in Sector]
    types = [str(choice.label) for choice in TeamType]
    for index in range(max(len(sectors), len(types), len(ROLE_LABELS))):
        lists.append(
            [
                sectors[index] if index < len(sectors) else None,
                types[index] if index < len(types) else None,
                ROLE_LABELS[index] if index < len(ROLE_LABELS) else None,
            ]
        )
    sheet = f"'{lists.title}'"
    for column, source, count in (
        ("B", "A", len(sectors)),
        ("D", "B", len(types)),
        ("I", "C", len(ROLE_LABELS)),
    ):
        rule = DataValidation(
            type="list",
            formula1=f"{sheet}!${source}$2:${source}${count + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=gettext("Choose from the list"),
            error=gettext("Choose a value from the list, as on the Allowed values sheet."),
        )
        rule.add(f"{column}2:{column}{MAX_ROWS + 1}")
        people.add_data_validation(rule)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
