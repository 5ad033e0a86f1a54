"""The e-mails' HTML, opened as a person's mail program would show it: axe finds nothing at
1280 px and at 320 px, and nothing needs sideways scrolling, even with a long unbroken word."""

import datetime

import pytest
from playwright.sync_api import Page

from accounts import emails

from .conftest import assert_accessible_at_any_width

pytestmark = pytest.mark.browser

LINK = "https://toolkit.example.org/assessments/1234/"
LONG = "Evidence" * 40  # one word, no spaces, as pasted


def _messages() -> dict[str, emails.EmailMultiAlternatives]:
    return {
        "submitted": emails.assessment_submitted(
            to="pat@example.org",
            team="Health Visiting North & South",
            round_name="2026 workforce self-assessment",
            submitted_by="Priya Practitioner",
            submitted_at=datetime.datetime(2026, 11, 30, 10, tzinfo=datetime.UTC),
            answers_url=LINK,
        ),
        "reopened": emails.assessment_reopened(
            to="pat@example.org",
            team="Family Hubs East",
            round_name="2026 workforce self-assessment",
            reopened_by="Lee Partnership-Lead",
            reason=f"Please look again at W06.\n{LONG}",
            closes_on=datetime.date(2027, 1, 15),
            assessment_url=LINK,
        ),
    }


@pytest.mark.parametrize("name", ["submitted", "reopened"])
def test_each_e_mail_reads_well_at_any_width(page: Page, name: str) -> None:
    message = _messages()[name]
    ((html, _kind),) = message.alternatives
    page.set_content(str(html))
    assert_accessible_at_any_width(page, f"the {name} e-mail")
