"""What `manage.py check --deploy` says about this installation's own settings."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def operator_details(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """The help, accessibility and privacy pages name who runs the service and how to reach
    them: a public service must say so."""
    missing = [name for name in ("OPERATOR_NAME", "OPERATOR_EMAIL") if not getattr(settings, name)]
    if not missing:
        return []
    return [
        checks.Warning(
            f"{' and '.join(missing)} not set: the help, accessibility and privacy pages cannot "
            "say who runs this service or how to contact them.",
            hint="Set them in the environment (README, Environment settings).",
            id="imh_toolkit.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def site_url(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """E-mails link back to the service, written out in full from SITE_URL."""
    if settings.SITE_URL:
        return []
    return [
        checks.Warning(
            "SITE_URL not set: e-mails cannot link back to the service.",
            hint="Set it to the address people reach the service at, such as "
            "https://toolkit.example.org (README, Environment settings).",
            id="imh_toolkit.W002",
        )
    ]
