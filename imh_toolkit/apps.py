from django.contrib.admin.apps import AdminConfig


class SecondFactorAdminConfig(AdminConfig):
    """Django's admin, with our site: it asks for the second step of signing in."""

    default_site = "imh_toolkit.admin.SecondFactorAdminSite"
