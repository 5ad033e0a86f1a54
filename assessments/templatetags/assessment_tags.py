from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from assessments.models import Item, Rag

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
    rag = Rag(value or Rag.UNRATED)
    return format_html(
        '<strong class="govuk-tag {} app-rag app-rag--{}">{}</strong>',
        TAG_CLASSES[rag],
        rag.value,
        rag.label,
    )


@register.filter
def descriptors(item: Item) -> list[tuple[str, str, str]]:
    """(value, word, what it looks like) for Red, Amber and Green."""
    texts = {
        Rag.RED: item.red_descriptor,
        Rag.AMBER: item.amber_descriptor,
        Rag.GREEN: item.green_descriptor,
    }
    return [(rag.value, str(rag.label), texts[rag]) for rag in Rag.colours()]


@register.filter
def form_errors(form: forms.BaseForm) -> list[tuple[str, str]]:
    """A form's errors as (anchor, message) pairs for the error summary."""
    fields = list(form.visible_fields())
    first = f"#{fields[0].auto_id}" if fields else "#main-content"
    pairs = [(first, str(error)) for error in form.non_field_errors()]
    for field in fields:
        pairs.extend((f"#{field.auto_id}", str(error)) for error in field.errors)
    return pairs
