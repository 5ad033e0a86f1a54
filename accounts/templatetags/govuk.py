"""GOV.UK Design System helpers for any page's forms."""

from django import forms, template

register = template.Library()


@register.filter
def form_errors(form: forms.BaseForm) -> list[tuple[str, str]]:
    """A form's errors as (anchor, message) pairs for the error summary."""
    fields = list(form.visible_fields())
    first = f"#{fields[0].auto_id}" if fields else "#main-content"
    pairs = [(first, str(error)) for error in form.non_field_errors()]
    for field in fields:
        pairs.extend((f"#{field.auto_id}", str(error)) for error in field.errors)
    return pairs


@register.filter
def language_tag(code: str) -> str:
    """Django's language code as the BCP 47 tag pages and PDFs declare: 'en-gb' -> 'en-GB'."""
    language, _, region = code.partition("-")
    return f"{language}-{region.upper()}" if region else language
