"""Secrets inside URLs, in every form a URL carries them: found and masked.

A database or service URL may carry a secret as ``user:password@`` (userinfo), as a
query parameter (``?password=…``, libpq's ``sslpassword``, ``token``, ``api_key``…),
or both. :func:`mask_url` hides each one and leaves the rest readable (host, port,
database), for every message that shows a URL. :func:`url_secrets` lists the values,
so the log redactor masks them wherever else they show up (a driver's error text).

Plain string work, no URL parser: a URL too broken to parse is still masked.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"

#: Query parameters whose value is a secret (lower case; compared case-insensitively).
SECRET_PARAMS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "sslpassword",
        "secret",
        "client_secret",
        "token",
        "access_token",
        "api_token",
        "apitoken",
        "api_key",
        "apikey",
        "auth",
        "authorization",
        "sig",
        "signature",
    }
)

# scheme://user:password@host; an unescaped '@' in the password ends at the last '@'.
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/?#@:\s]*:)(?P<secret>[^\s/?#]*)@")
_PARAM = re.compile(
    r"(?P<head>(?:^|[?&;#\s])(?P<name>[A-Za-z_][A-Za-z0-9_\-]*)=)(?P<value>[^&;#\s]*)"
)


def _userinfo_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _USERINFO.finditer(text):
        secret = m.group("secret")  # up to the last '@' before the host: '@' in it is kept
        if secret:
            spans.append((m.start("secret"), m.end("secret")))
    return spans


def _param_spans(text: str) -> list[tuple[int, int]]:
    marks = [i for i in (text.find("?"), text.find("#")) if i >= 0]
    query_start = min(marks) if marks else -1
    spans = []
    for m in _PARAM.finditer(text):
        if m.group("name").lower() not in SECRET_PARAMS or not m.group("value"):
            continue
        # in a URL, only in its query or fragment; in a libpq "key=value" string, anywhere
        if "://" in text and (query_start < 0 or m.start() < query_start):
            continue
        spans.append((m.start("value"), m.end("value")))
    return spans


def url_secrets(url: str) -> list[str]:
    """Every secret value ``url`` carries, raw and percent-decoded."""
    values: list[str] = []
    for start, end in _userinfo_spans(url) + _param_spans(url):
        raw = url[start:end]
        for value in (raw, unquote(raw)):
            if value and value not in values:
                values.append(value)
    return values


def mask_url(url: str) -> str:
    """``url`` with every secret it carries replaced by ``***``."""
    spans = sorted(_userinfo_spans(url) + _param_spans(url), reverse=True)
    for start, end in spans:
        url = url[:start] + MASK + url[end:]
    return url
