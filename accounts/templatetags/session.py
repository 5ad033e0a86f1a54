"""The warning before a signed-in session ends, on every page of ours."""

from typing import Any

from django import template
from django.conf import settings

from accounts import session_time

register = template.Library()


@register.inclusion_tag("includes/_timeout_warning.html", takes_context=True)
def timeout_warning(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "left": session_time.time_left(request, counting_this_request=True),
        "warn_seconds": session_time.warning_seconds(),
        "max_hours": settings.SESSION_MAX_SECONDS // 3600,
    }
