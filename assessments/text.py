"""What happens to invisible control characters in text people give us, decided once.

Text pasted from Word and other programs can carry C0 control characters: a manual line break
arrives as a vertical tab, a page break as a form feed, and stray bytes from old systems as
anything else. Spreadsheets refuse them (openpyxl raises on write) and PDFs draw them as boxes.

- On the way in (forms): line breaks of every kind become "\\n"; any other control character is
  refused with a message that says where it is, so the person can delete it.
- On the way out (exports, PDFs): stored text is cleaned the same way, with the other control
  characters dropped, so no row saved before this rule, or by another route, breaks a file.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

# Line breaks that Word, Mac and Windows programs produce; all become a plain "\n".
_LINE_BREAKS = re.compile("\r\n|[\r\v\f\u2028\u2029]")
# C0 controls except tab and line feed (carriage returns are gone by the time this runs), DEL,
# and what XML (so Excel's files) cannot hold at all: U+FFFE, U+FFFF and lone surrogates.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


# Characters that show nothing: zero-width space, non-joiner and joiner, word joiner, the byte
# order mark. Inside text they do a job (emoji, some scripts); on their own they are blank.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def is_blank(text: str) -> bool:
    """Whether the text shows nothing at all: only spaces, line breaks and invisible marks."""
    return all(character.isspace() or character in INVISIBLE for character in text)


def normalise_line_breaks(text: str) -> str:
    return _LINE_BREAKS.sub("\n", text)


def clean(text: str) -> str:
    """Stored text made safe for any file: line breaks normalised, other controls dropped."""
    return CONTROL_CHARACTERS.sub("", normalise_line_breaks(text))


# Marks that change the direction of the text after them until closed: embeddings and
# overrides (closed by U+202C), isolates (closed by U+2069). Right-to-left writing needs none of
# them; left open, they make text show as something other than what it is ("exe.txt").
_DIRECTION_OPENS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c"}
_DIRECTION_OPENS |= {"\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}
_DIRECTION_CLOSES = {"\u202c", "\u2069"}


def unbalanced_direction_mark(text: str) -> int | None:
    """Where the first direction mark is that is never closed, or closes nothing; None if all
    are paired (line by line, as a line break ends them all)."""
    for line_start, line in _lines_with_offsets(text):
        open_marks: list[tuple[int, str]] = []
        for offset, character in enumerate(line):
            if character in _DIRECTION_OPENS:
                open_marks.append((line_start + offset, _DIRECTION_OPENS[character]))
            elif character in _DIRECTION_CLOSES:
                if not open_marks or open_marks[-1][1] != character:
                    return line_start + offset
                open_marks.pop()
        if open_marks:
            return open_marks[0][0]
    return None


def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    lines, start = [], 0
    for line in text.split("\n"):
        lines.append((start, line))
        start += len(line) + 1
    return lines


def refuse_control_characters(text: str) -> None:
    """A field error naming where the first hidden character is, in words a person can act on:
    a control character, or a direction mark left open."""
    found = CONTROL_CHARACTERS.search(text)
    at = found.start() if found else unbalanced_direction_mark(text)
    if at is None:
        return
    before = text[:at].rstrip()[-30:].split("\n")[-1].strip()
    where = gettext("after “%(text)s”") % {"text": before} if before else gettext("at the start")
    raise ValidationError(
        gettext(
            "This text contains a hidden character that cannot be saved %(where)s, often left "
            "by copying from another program. Delete it, or retype that part, and save again"
        ),
        code="control_character",
        params={"where": where},
    )
