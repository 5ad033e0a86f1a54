"""The accessibility check itself: it must report real problems, or its silence means nothing."""

import pytest
from playwright.sync_api import Page

from .conftest import assert_accessible

pytestmark = pytest.mark.browser


def test_the_axe_check_reports_missing_labels_and_alternative_text(page: Page) -> None:
    page.set_content(
        '<html lang="en"><head><title>Bad</title></head>'
        '<body><main><img src="x.png"><input type="text"></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "a page built to fail")
    assert "image-alt" in str(failure.value)
    assert "label" in str(failure.value)
