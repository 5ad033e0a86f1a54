"""The RAG scale on pages and in PDFs: a coloured tag that always carries its word."""

import functools
import html

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from checklists.models import Item, Rag

register = template.Library()

TAG_CLASSES = {
    Rag.RED: "govuk-tag--red",
    Rag.AMBER: "govuk-tag--orange",
    Rag.GREEN: "govuk-tag--green",
    Rag.UNRATED: "govuk-tag--grey",
}


@register.filter
def rag_tag(value: str) -> SafeString:
    """A RAG value as a coloured tag that always carries its word."""
    return mark_safe(tag_html(value))  # noqa: S308 (fixed markup around the escaped RAG word)


def descriptors(item: Item) -> list[tuple[str, str]]:
    """(value, what it looks like) for Red, Amber and Green."""
    texts = {
        Rag.RED: item.red_descriptor,
        Rag.AMBER: item.amber_descriptor,
        Rag.GREEN: item.green_descriptor,
    }
    return [(rag.value, texts[rag]) for rag in Rag.colours()]


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def tag_html(value: str) -> str:
    """The tag's markup, for tags built in Python."""
    return _tags(get_language())[Rag(value or Rag.UNRATED)]


@functools.cache
def _tags(language: str | None) -> dict[str, str]:
    """Each tag's markup in a language, made once: pages and reports show hundreds."""
    return {
        rag: f'<strong class="govuk-tag {TAG_CLASSES[rag]} app-rag app-rag--{rag.value}">'
        f"{e(rag.label)}</strong>"
        for rag in Rag
    }


@register.filter
def rag_label(value: str) -> str:
    """A stored RAG value as people read it ("Red", "Not rated"), in the current language."""
    return str(Rag(value or Rag.UNRATED).label)
