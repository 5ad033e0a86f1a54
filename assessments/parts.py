"""The assessment as its pages show it: items with their saved ratings (and posted forms), in
parts, one per section, each with its progress. No request here: the views build pages from
these, and the template tags draw them."""

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext

from checklists.models import Item, Rag, Section

from .forms import ConflictChoiceForm, RatingForm
from .models import Answer, Assessment, PreviousAnswer, Rating


@dataclass
class Entry:
    """One item on the assessment page: its saved rating, and the posted form if there is one."""

    item: Item
    rating: Rating
    form: RatingForm | None = None
    previous: PreviousAnswer | None = None
    conflict: ConflictChoiceForm | None = None
    saved: Answer | None = None

    @property
    def prefix(self) -> str:
        return f"item-{self.item.pk}"

    def value(self, field: str) -> str:
        """What the page should show: what was posted, else what is saved."""
        if self.form is not None:
            return str(self.form[field].value() or "")
        value = str(getattr(self.rating, field))
        return "" if value == Rag.UNRATED else value

    def errors(self, field: str) -> list[str]:
        if self.form is None:
            return []
        return [str(error) for error in self.form.errors.get(field, [])]

    def answer(self) -> Answer:
        assert self.form is not None
        return self.form.answer()


def entries_of(
    assessment: Assessment,
    data: QueryDict | None = None,
    *,
    previous: bool = True,
    section: int | None = None,
) -> list[Entry]:
    """The items in order, or one section's (Part.key). Forms are built only for a post:
    showing needs none. A rating whose item is not in the round's checklist is left out."""
    items = assessment.round.checklist.items_by_id()
    ratings = assessment.ratings.all()
    if data is not None:  # a post may end on the conflict page, which names who saved
        ratings = ratings.select_related("updated_by")
    earlier = assessment.previous_answers() if previous else {}
    entries = []
    for rating in ratings:
        item = items.get(rating.item_id)
        if item is None or (section is not None and key_of(item) != section):
            continue
        rating.item = item
        entries.append(
            Entry(
                item=item,
                rating=rating,
                form=RatingForm(data, instance=rating, item=item) if data is not None else None,
                previous=earlier.get(item.code),
            )
        )
    position = {item_id: index for index, item_id in enumerate(items)}
    return sorted(entries, key=lambda entry: position[entry.item.pk])


def part_key(section: Section | None) -> int:
    """A section's key in its page's address: its id, or 0 for the items in no section."""
    return section.pk if section is not None else 0


def key_of(item: Item) -> int:
    """The key (part_key) of the item's section, without loading the section."""
    return item.section_id or 0


class PartStatus:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    CARRIED = "carried"
    COMPLETED = "completed"


@dataclass
class Part:
    """One section of the assessment with its items: one page of the journey, one task on
    the task list. Items in no section make a part of their own, last, with key 0."""

    section: Section | None
    entries: list[Entry]
    number: int = 0
    change_url: str = ""  # on check your answers: the section, coming back there

    @property
    def key(self) -> int:
        return part_key(self.section)

    @property
    def title(self) -> str:
        return self.section.title if self.section is not None else gettext("Other items")

    @property
    def rated(self) -> int:
        return sum(1 for entry in self.entries if entry.rating.is_rated)

    @property
    def carried(self) -> int:
        return sum(1 for entry in self.entries if entry.rating.carried_forward)

    @property
    def status(self) -> str:
        if self.carried:
            return PartStatus.CARRIED
        if self.rated == len(self.entries):
            return PartStatus.COMPLETED
        touched = any(entry.rating.answer != Answer() for entry in self.entries)
        return PartStatus.IN_PROGRESS if touched else PartStatus.NOT_STARTED


def sections_of(assessment: Assessment) -> list[Section | None]:
    """The checklist's sections that hold items, in order; None (items in no section) last.
    From the process's copy of the checklist: no query."""
    found: dict[int, Section | None] = {}
    for item in assessment.round.checklist.items_by_id().values():
        found.setdefault(key_of(item), item.section)
    return sorted(
        found.values(),
        key=lambda section: (section is None, section.sort_key() if section else (0, 0)),
    )


def by_section(assessment: Assessment, entries: list[Entry]) -> list[Part]:
    """Each section once, in the checklist's section order, with its items in checklist order.
    (Grouping runs of item order showed a section twice wherever sections' items interleave,
    as the toolkit's do.)"""
    groups: dict[int, list[Entry]] = {}
    for entry in sorted(entries, key=lambda entry: entry.item.sort_key()):
        groups.setdefault(key_of(entry.item), []).append(entry)
    parts = [Part(section, []) for section in sections_of(assessment)]
    for number, part in enumerate(parts, start=1):
        part.number, part.entries = number, groups.get(part.key, [])
    return [part for part in parts if part.entries]
