"""An invitation's state as a GOV.UK tag, one colour per state."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..models import InvitationState

register = template.Library()

STATE_COLOURS = {
    InvitationState.QUEUED: "light-blue",
    InvitationState.SENT: "blue",
    InvitationState.ACCEPTED: "green",
    InvitationState.EXPIRED: "orange",
    InvitationState.WITHDRAWN: "grey",
}


@register.filter
def invitation_state(state: str) -> SafeString:
    shown = InvitationState(state)
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>', STATE_COLOURS[shown], shown.label
    )
