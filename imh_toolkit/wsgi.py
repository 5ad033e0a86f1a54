import codecs
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application
from django.utils.http import parse_header_parameters

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imh_toolkit.settings")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def declares_a_non_text_charset(content_type: str) -> bool:
    """Whether a request says its body is in a codec that is not a text encoding at all
    (base64, rot13, zlib: Python knows them, so Django takes them and then fails inside its own
    request object, before any middleware or error page can answer)."""
    charset = parse_header_parameters(content_type)[1].get("charset")
    if not charset:
        return False
    try:
        return not codecs.lookup(charset)._is_text_encoding
    except LookupError:
        return False  # an unknown name: Django ignores it and reads UTF-8


def refuse_non_text_charsets(app: WSGIApp) -> WSGIApp:
    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if declares_a_non_text_charset(environ.get("CONTENT_TYPE", "")):
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Bad request: the declared charset is not a text encoding.\n"]
        return app(environ, start_response)

    return application


application = refuse_non_text_charsets(get_wsgi_application())
