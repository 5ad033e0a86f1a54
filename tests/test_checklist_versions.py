"""Published checklists keep the wording that was rated: changes go into a new draft version."""

import pytest
from django.core.exceptions import ValidationError

from checklists.models import Checklist, ChecklistLockedError, Item, Section

from .helpers import make_checklist


@pytest.fixture
def published(db: None) -> Checklist:
    return make_checklist(items=3)


def test_editing_an_item_of_a_published_checklist_is_refused(published: Checklist) -> None:
    item = published.items.get(code="W01")
    item.statement = "Something else"
    with pytest.raises(ChecklistLockedError, match="new draft version"):
        item.save()
    assert Item.objects.get(pk=item.pk).statement == "Statement 1"


def test_adding_or_deleting_items_of_a_published_checklist_is_refused(published: Checklist) -> None:
    with pytest.raises(ChecklistLockedError):
        Item.objects.create(checklist=published, code="W99", statement="New")
    with pytest.raises(ChecklistLockedError):
        published.items.get(code="W02").delete()
    with pytest.raises(ChecklistLockedError):
        Section.objects.create(checklist=published, title="Another")
    assert published.items.count() == 3


def test_moving_an_item_out_of_a_published_checklist_is_refused(published: Checklist) -> None:
    draft = make_checklist(items=0, name="Draft", publish=False)
    item = published.items.get(code="W03")
    item.checklist = draft
    with pytest.raises(ChecklistLockedError):
        item.save()


def test_renaming_a_published_checklist_is_refused_but_retiring_it_is_allowed(
    published: Checklist,
) -> None:
    published.name = "Renamed"
    with pytest.raises(ChecklistLockedError):
        published.save()
    published.refresh_from_db()
    published.retire()
    published.refresh_from_db()
    assert published.status == Checklist.Status.RETIRED
    published.status = Checklist.Status.DRAFT
    with pytest.raises(ChecklistLockedError):
        published.save()


def test_a_new_version_is_an_editable_copy_with_sections_and_items(published: Checklist) -> None:
    extra_section = Section.objects.create(
        checklist=make_checklist(items=0, name="Other", publish=False), title="Unrelated"
    )
    draft = published.new_draft_version()

    assert (draft.name, draft.version, draft.status) == (published.name, 2, Checklist.Status.DRAFT)
    assert draft.source == published.source
    copied = list(draft.items.order_by("order").values_list("code", "statement", "section__title"))
    assert copied == [(f"W0{n}", f"Statement {n}", "Understanding") for n in (1, 2, 3)]
    assert set(draft.items.values_list("section__checklist", flat=True)) == {draft.pk}
    assert extra_section.items.count() == 0

    item = draft.items.get(code="W01")
    item.statement = "Clearer wording"
    item.save()
    assert published.items.get(code="W01").statement == "Statement 1"
    assert published.new_draft_version().version == 3


def test_publishing_refuses_an_empty_checklist(db: None) -> None:
    draft = make_checklist(items=0, publish=False)
    with pytest.raises(ValidationError, match="no items"):
        draft.publish()
    draft.refresh_from_db()
    assert draft.status == Checklist.Status.DRAFT


def test_publishing_refuses_codes_that_differ_only_in_case_or_spaces(db: None) -> None:
    draft = make_checklist(items=2, publish=False)
    Item.objects.filter(checklist=draft, code="W02").update(code="w01 ")
    with pytest.raises(ValidationError, match="W01 is used by 2 items"):
        draft.publish()


def test_publishing_refuses_items_without_descriptors(db: None) -> None:
    draft = make_checklist(items=2, publish=False)
    Item.objects.filter(code="W02").update(amber_descriptor="  ", green_descriptor="")
    with pytest.raises(ValidationError, match="Item W02 has no Amber, Green description"):
        draft.publish()


def test_publishing_a_complete_draft_sets_status_and_time(db: None) -> None:
    draft = make_checklist(items=2, publish=False)
    draft.publish()
    draft.refresh_from_db()
    assert draft.status == Checklist.Status.PUBLISHED
    assert draft.published_at is not None
