"""The e-mails' HTML, opened as a person's mail program would show it: axe finds nothing at
1280 px and at 320 px, and nothing needs sideways scrolling, even with a long unbroken word."""

from typing import Any

import pytest
from playwright.sync_api import Page

from ..helpers import reminder_email, reopened_email, round_opened_email, submitted_email
from .conftest import assert_accessible_at_any_width

pytestmark = pytest.mark.browser

LINK = "https://toolkit.example.org/assessments/1234/"
LONG = "Evidence" * 40  # one word, no spaces, as pasted


def _messages() -> dict[str, Any]:
    return {
        "submitted": submitted_email(team="Health Visiting North & South", answers_url=LINK),
        "reopened": reopened_email(
            reason=f"Please look again at W06.\n{LONG}", assessment_url=LINK
        ),
        "round opened": round_opened_email(teams=["Health Visiting North", LONG]),
        "reminder": reminder_email(teams=["Family Hubs East", LONG]),
    }


@pytest.mark.parametrize("name", ["submitted", "reopened", "round opened", "reminder"])
def test_each_e_mail_reads_well_at_any_width(page: Page, name: str) -> None:
    message = _messages()[name]
    ((html, _kind),) = message.alternatives
    page.set_content(str(html))
    assert_accessible_at_any_width(page, f"the {name} e-mail")
