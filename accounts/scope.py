"""Reaching objects through the signed-in person's scope, in every app's views: an object outside
it is a 404 like any other, never a 403 that would tell someone it exists."""

import logging
from typing import NoReturn

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from .models import User

security = logging.getLogger("imh.security")


class SignedInRequest(HttpRequest):
    """A request behind @login_required: its user is a real account."""

    user: User


def one[M: Model](queryset: QuerySet[M], pk: int) -> M | None:
    # One row by its key, with no ORDER BY: first() would join the default ordering's tables.
    return next(iter(queryset.filter(pk=pk).order_by()[:1]), None)


def not_found(model: type[Model], pk: int) -> NoReturn:
    """A 404 like any other. When the object exists but is someone else's, the security log
    says so (identifiers only), so that probing other partnerships' ids shows up."""
    if model._base_manager.filter(pk=pk).exists():
        security.warning("out of scope: %s %s", model._meta.label, pk)
    raise Http404


def scoped_or_404[M: Model](queryset: QuerySet[M], pk: int) -> M:
    """The object, if it is in the person's scope."""
    return one(queryset, pk) or not_found(queryset.model, pk)
