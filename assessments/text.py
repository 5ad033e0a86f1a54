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


def refuse_control_characters(text: str) -> None:
    """A field error naming where the first hidden character is, in words a person can act on."""
    found = CONTROL_CHARACTERS.search(text)
    if found is None:
        return
    before = text[: found.start()].rstrip()[-30:].split("\n")[-1].strip()
    where = gettext("after “%(text)s”") % {"text": before} if before else gettext("at the start")
    raise ValidationError(
        gettext(
            "This text contains a hidden character that cannot be saved %(where)s, often left "
            "by copying from another program. Delete it, or retype that part, and save again"
        ),
        code="control_character",
        params={"where": where},
    )
