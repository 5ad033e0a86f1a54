"""The RAG scale and the versioned checklists that teams rate themselves against.

A published checklist never changes, so every rating keeps the wording it was given against.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Rag(models.TextChoices):
    """A rating. Unrated is a state of its own, not a colour."""

    UNRATED = "unrated", _("Not rated")
    RED = "red", _("Red")
    AMBER = "amber", _("Amber")
    GREEN = "green", _("Green")

    @classmethod
    def colours(cls) -> list[Rag]:
        return [cls.RED, cls.AMBER, cls.GREEN]


class ChecklistLockedError(ValidationError):
    """Raised on any attempt to change a published or retired checklist's content."""


# Items of published checklists, by (checklist id, publication time); see Checklist.items_by_id.
_LOCKED_ITEMS: dict[tuple[int, datetime.datetime], dict[int, Item]] = {}


class ChecklistStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Checklist(models.Model):
    Status = ChecklistStatus

    name = models.CharField(max_length=200, verbose_name=_("name"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    introduction = models.TextField(
        blank=True,
        help_text=_("Shown above the items, e.g. the sentence each item completes."),
        verbose_name=_("introduction"),
    )
    source = models.TextField(
        blank=True,
        help_text=_("Where the checklist comes from, shown on every report."),
        verbose_name=_("source"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    published_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("published at")
    )

    # Fields that may still change once published: moving to retired is allowed.
    LIFECYCLE_FIELDS = frozenset({"status", "published_at"})

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="checklist_version_unique"),
            models.CheckConstraint(
                condition=Q(status__in=ChecklistStatus.values),
                name="checklist_status_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="checklist_version_positive"),
        ]

    def __str__(self) -> str:
        return gettext("%(name)s (version %(version)s, %(status)s)") % {
            "name": self.name,
            "version": self.version,
            "status": self.get_status_display().lower(),
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Guard, not behaviour: the stored row decides, so a stale in-memory copy cannot slip by.
        if self.pk is not None:
            stored = Checklist.objects.filter(pk=self.pk).first()
            if stored is not None and stored.is_locked:
                changed = {
                    field.attname
                    for field in self._meta.concrete_fields
                    if getattr(stored, field.attname) != getattr(self, field.attname)
                }
                if changed - self.LIFECYCLE_FIELDS or self.status == self.Status.DRAFT:
                    stored.ensure_editable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self.ensure_editable()
        return super().delete(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.status != self.Status.DRAFT

    def ensure_editable(self) -> None:
        if self.is_locked:
            raise ChecklistLockedError(
                gettext(
                    "%(name)s version %(version)s is %(status)s, so it cannot be changed: "
                    "ratings keep the wording that was rated. Create a new draft version to make "
                    "changes."
                )
                % {
                    "name": self.name,
                    "version": self.version,
                    "status": self.get_status_display().lower(),
                },
                code="checklist_locked",
            )

    def items_by_id(self) -> dict[int, Item]:
        """The items, with their sections, in order. A published checklist never changes, so
        each process loads it once; a draft is read afresh every time."""
        if not self.is_locked or self.published_at is None:
            return self._load_items()
        key = (self.pk, self.published_at)
        if key not in _LOCKED_ITEMS:
            _LOCKED_ITEMS[key] = self._load_items()
        return _LOCKED_ITEMS[key]

    def _load_items(self) -> dict[int, Item]:
        items = self.items.select_related("section").in_order()
        return {item.pk: item for item in items}

    def publication_problems(self) -> list[str]:
        """Why this checklist cannot be published yet, in words an admin can act on."""
        items = list(self.items.all())
        if not items:
            return [gettext("It has no items. Add at least one item before publishing.")]
        problems = []
        codes: dict[str, list[str]] = {}
        for item in items:
            codes.setdefault(item.code.strip().upper(), []).append(item.code)
        for code, spellings in sorted(codes.items()):
            if len(spellings) > 1:
                problems.append(
                    gettext("The code %(code)s is used by %(count)s items.")
                    % {"code": code, "count": len(spellings)}
                )
        for item in items:
            missing = [
                label
                for label, text in (
                    (gettext("statement"), item.statement),
                    (Rag.RED.label, item.red_descriptor),
                    (Rag.AMBER.label, item.amber_descriptor),
                    (Rag.GREEN.label, item.green_descriptor),
                )
                if not text.strip()
            ]
            if missing:
                problems.append(
                    gettext("Item %(code)s has no %(missing)s description.")
                    % {"code": item.code, "missing": ", ".join(str(label) for label in missing)}
                )
        return problems

    def publish(self) -> None:
        if self.status != self.Status.DRAFT:
            raise ValidationError(
                gettext("%(checklist)s is not a draft, so it cannot be published.")
                % {"checklist": self}
            )
        problems = self.publication_problems()
        if problems:
            raise ValidationError(problems, code="not_publishable")
        with transaction.atomic():
            # One published version per checklist: the one before retires (rounds keep it).
            for earlier in Checklist.objects.filter(
                name=self.name, status=self.Status.PUBLISHED
            ).exclude(pk=self.pk):
                earlier.retire()
            self.status = self.Status.PUBLISHED
            self.published_at = timezone.now()
            self.save(update_fields=["status", "published_at"])

    def retire(self) -> None:
        if self.status != self.Status.PUBLISHED:
            raise ValidationError(
                gettext("%(checklist)s is not published, so it cannot be retired.")
                % {"checklist": self}
            )
        self.status = self.Status.RETIRED
        self.save(update_fields=["status"])

    @transaction.atomic
    def new_draft_version(self) -> Checklist:
        """A draft copy of this checklist, sections and items included, as the next version."""
        latest = Checklist.objects.filter(name=self.name).aggregate(v=Max("version"))["v"]
        draft = Checklist.objects.create(
            name=self.name,
            version=(latest or 0) + 1,
            introduction=self.introduction,
            source=self.source,
        )
        section_copies: dict[int, Section] = {}
        for section in self.sections.all():
            section_copies[section.pk] = Section.objects.create(
                checklist=draft, title=section.title, order=section.order
            )
        Item.objects.bulk_create(
            Item(
                checklist=draft,
                section=section_copies.get(item.section_id) if item.section_id else None,
                code=item.code,
                statement=item.statement,
                guidance=item.guidance,
                red_descriptor=item.red_descriptor,
                amber_descriptor=item.amber_descriptor,
                green_descriptor=item.green_descriptor,
                order=item.order,
            )
            for item in self.items.all()
        )
        return draft


class ChecklistContent(models.Model):
    """Sections and items: they change only while their checklist is a draft."""

    checklist: models.ForeignKey[Checklist, Checklist]
    checklist_id: int

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._ensure_checklists_editable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._ensure_checklists_editable()
        return super().delete(*args, **kwargs)

    def _ensure_checklists_editable(self) -> None:
        # Moving an item out of a published checklist is as much an edit as changing its words.
        checklist_ids = {self.checklist_id}
        stored = type(self)._default_manager.filter(pk=self.pk).first() if self.pk else None
        if stored is not None:
            checklist_ids.add(stored.checklist_id)
        for checklist in Checklist.objects.filter(pk__in=checklist_ids):
            checklist.ensure_editable()


class Section(ChecklistContent):
    checklist = models.ForeignKey(
        Checklist, on_delete=models.CASCADE, related_name="sections", verbose_name=_("checklist")
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    order = models.PositiveIntegerField(default=0, verbose_name=_("order"))

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["checklist", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    def sort_key(self) -> tuple[int, int]:
        """For sorting sections already loaded, in their Meta.ordering within a checklist."""
        return (self.order, self.pk)


class ItemQuerySet(models.QuerySet["Item"]):
    def in_order(self) -> ItemQuerySet:
        """Checklist order: the one order items are shown, printed and exported in."""
        return self.order_by(*Item.ORDER)


class Item(ChecklistContent):
    checklist = models.ForeignKey(
        Checklist, on_delete=models.CASCADE, related_name="items", verbose_name=_("checklist")
    )
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("section"),
    )
    code = models.CharField(
        max_length=20,
        help_text=_(
            "A short, stable code such as W01. Items in new versions keep their code, "
            "so ratings can be compared across rounds."
        ),
        verbose_name=_("code"),
    )
    statement = models.TextField(
        help_text=_("Completes the checklist's sentence, e.g. 'Our workforce…'."),
        verbose_name=_("statement"),
    )
    guidance = models.TextField(
        blank=True, help_text=_("Help for the people rating this item."), verbose_name=_("guidance")
    )
    red_descriptor = models.TextField(_("what Red looks like"), blank=True)
    amber_descriptor = models.TextField(_("what Amber looks like"), blank=True)
    green_descriptor = models.TextField(_("what Green looks like"), blank=True)
    order = models.PositiveIntegerField(default=0, verbose_name=_("order"))

    ORDER = ("order", "code")  # ItemQuerySet.in_order and sort_key, which must agree

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["checklist", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "code"], name="item_code_unique_in_checklist"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.statement}"

    def sort_key(self) -> tuple[int, str]:
        """For sorting items already loaded, in ItemQuerySet.in_order's order."""
        return (self.order, self.code)

    def clean(self) -> None:
        super().clean()
        self.code = self.code.strip().upper()
        if (
            self.section_id
            and self.section is not None
            and self.section.checklist_id != self.checklist_id
        ):
            raise ValidationError({"section": gettext("Choose a section of the same checklist.")})
