"""Error pages for the whole site.

Django's own handlers are wrapped in requires_csrf_token, which re-runs the CSRF check and so
reads the request body again. When the body is what went wrong (a form post declaring a
charset other than UTF-8), that second read raises inside the error handler and a 400 becomes a
500. CsrfViewMiddleware has already given every request its token by the time any of these
run, so the templates' {% csrf_token %} works without the decorator.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Without the request's context, as Django does: the error may be in what it would load.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
