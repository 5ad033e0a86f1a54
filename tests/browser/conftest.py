"""Playwright on Debian's chromium, against Django's live server, with axe-core checks."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

from ..helpers import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# A laptop, and a phone (or a laptop at 400% zoom): every page is checked at both.
WIDE: ViewportSize = {"width": 1280, "height": 900}
NARROW: ViewportSize = {"width": 320, "height": 900}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# The flags this machine's closed network needs; see the README's contributor section.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}. On Debian or Ubuntu: "
            "apt-get install chromium (or set CHROMIUM to its path).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    # bypass_csp lets the tests inject axe-core; the pages' own scripts are unaffected.
    context = browser.new_context(bypass_csp=True, viewport=WIDE, **options)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def assert_accessible(page: Page, what: str) -> None:
    """axe-core finds no WCAG 2.2 A/AA violation on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
    ]
    assert problems == [], f"axe found problems on {what}:\n" + "\n".join(problems)


def assert_fits(page: Page, what: str) -> None:
    """No sideways scrolling of the page (WCAG 1.4.10): only a wide table may scroll, inside
    its own focusable, labelled region (.app-scroll)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
        > window.innerWidth + 1 && !e.closest('.app-scroll')).map(e => e.tagName + '.' +
        e.className).slice(0, 5)"""
    )
    assert overflow <= 0, f"{what} scrolls sideways at {page.viewport_size} because of {wide}"


def assert_accessible_at_any_width(page: Page, what: str) -> None:
    """axe finds nothing on the page at 1280 px and at 320 px (1280 px at 400% zoom), where it
    must not scroll sideways either. The page is left at the width it had."""
    was = page.viewport_size or WIDE
    page.set_viewport_size(WIDE)
    assert_accessible(page, f"{what} at 1280 px")
    page.set_viewport_size(NARROW)
    assert_fits(page, f"{what} at 320 px")
    assert_accessible(page, f"{what} at 320 px")
    page.set_viewport_size(was)


def sign_in_page(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    """Signs in through the sign-in page of the live server at `url`, as a person would."""
    page.goto(f"{url}/sign-in/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("main button.govuk-button")
