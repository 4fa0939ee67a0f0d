"""The labelled-ticket format of ROUTING.md (JSON Lines, one ticket a line).

Pure conversions both ways, used by ``routerbot eval``, the sandbox loader and
``routerbot export``::

    {"id": "DEV-001", "service_desk": "3", "request_type": "86",
     "summary": "...", "description": "...",
     "reporter": {"displayName": "...", "email": "..."},
     "comments": [{"author": "customer|agent|bot", "body": "..."}],
     "expected": {"category": ..., "faq": ..., "ask_browser": ..., "browser": ...,
                  "reroute_to": ..., "auto_reply": ...}}
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routerbot.domain import AuthorRole, Comment, Person, Ticket
from routerbot.errors import InputError

EXPECTED_KEYS = ("category", "faq", "ask_browser", "browser", "reroute_to", "auto_reply")


@dataclass(frozen=True, slots=True)
class LabelledTicket:
    ticket: Ticket
    expected: Mapping[str, Any] | None
    line: int = 0


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"field {key!r} must be a string, got {type(value).__name__}")
    return value


def ticket_from_labelled(row: Mapping[str, Any]) -> Ticket:
    """Turn one labelled JSON object into a :class:`Ticket` (raises ``InputError``)."""
    if not isinstance(row, Mapping):
        raise InputError("a ticket must be a JSON object")
    key = _text(row, "id") or _text(row, "key")
    if not key:
        raise InputError("a ticket needs an 'id'")
    reporter = row.get("reporter") or {}
    if not isinstance(reporter, Mapping):
        raise InputError("'reporter' must be an object")
    comments = []
    raw_comments = row.get("comments") or []
    if not isinstance(raw_comments, list):
        raise InputError("'comments' must be a list")
    for i, c in enumerate(raw_comments):
        if not isinstance(c, Mapping):
            raise InputError(f"comments[{i}] must be an object")
        try:
            role = AuthorRole(c.get("author", "customer"))
        except ValueError as exc:
            raise InputError(
                f"comments[{i}].author must be customer, agent or bot, got {c.get('author')!r}"
            ) from exc
        comments.append(
            Comment(
                id=str(c.get("id") or f"{key}-c{i + 1}"),
                author=role,
                body=str(c.get("body") or ""),
                public=bool(c.get("public", True)),
            )
        )
    return Ticket(
        key=key,
        service_desk=str(row.get("service_desk") or ""),
        request_type=str(row.get("request_type") or ""),
        summary=_text(row, "summary"),
        description=_text(row, "description"),
        reporter=Person(
            display_name=str(reporter.get("displayName") or ""),
            email=str(reporter.get("email") or ""),
            account_id=str(reporter.get("accountId") or ""),
        ),
        comments=tuple(comments),
    )


def ticket_to_labelled(ticket: Ticket, expected: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The inverse of :func:`ticket_from_labelled` (used by ``routerbot export``)."""
    row: dict[str, Any] = {
        "id": ticket.key,
        "service_desk": ticket.service_desk,
        "request_type": ticket.request_type,
        "summary": ticket.summary,
        "description": ticket.description,
        "reporter": {"displayName": ticket.reporter.display_name, "email": ticket.reporter.email},
    }
    if ticket.comments:
        row["comments"] = [
            {"author": c.author.value, "body": c.body} | ({} if c.public else {"public": False})
            for c in ticket.comments
        ]
    if expected is not None:
        row["expected"] = dict(expected)
    return row


def read_labelled(path: str | Path) -> Iterator[LabelledTicket]:
    """Read a JSON Lines file of tickets; errors name the file and line."""
    p = Path(path)
    try:
        handle = p.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror}") from exc
    with handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                ticket = ticket_from_labelled(row)
            except json.JSONDecodeError as exc:
                raise InputError(f"{p}:{lineno}: not valid JSON ({exc.msg})") from exc
            except InputError as exc:
                raise InputError(f"{p}:{lineno}: {exc}") from exc
            expected = row.get("expected")
            if expected is not None and not isinstance(expected, Mapping):
                raise InputError(f"{p}:{lineno}: 'expected' must be an object")
            yield LabelledTicket(ticket, expected, lineno)


def read_ticket_file(path: str | Path) -> Ticket:
    """One ticket from a JSON file (one object of the labelled format; ``expected`` is
    ignored). Errors name the file."""
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    try:
        return ticket_from_labelled(data)
    except InputError as exc:
        raise InputError(f"{p}: {exc}") from exc
