"""Pure translation between Jira Cloud / JSM JSON and routerbot's domain types.

No I/O here: the adapter (``routerbot.jsm.adapter``) fetches JSON and hands it to these
functions; tests feed them recorded payload shapes (``tests/integration/payloads``).

Shapes handled:

* platform issue beans from ``/rest/api/{2,3}/search/jql`` and ``/rest/api/{2,3}/issue/{key}``
  (``fields`` + ``properties``), with v2 string or v3 ADF rich text;
* platform comments (``PageOfComments``: ``comments``, ``startAt``, ``maxResults``, ``total``),
  with ``jsdPublic`` and ``author.accountType``;
* the Customer Request Type field read shape ``{"requestType": {"id", "serviceDeskId", ...}}``;
* the ``routerbot`` issue property, which becomes :class:`routerbot.ports.BotRecord`;
* platform timestamps ``2021-01-17T12:34:00.000+0000`` and servicedeskapi ``DateDTO``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from routerbot.domain import AuthorRole, Comment, LocationChange, Person, Ticket, aware
from routerbot.ports import BotRecord, TicketSnapshot

#: Issue property key under which routerbot keeps its record.
RECORD_PROPERTY = "routerbot"
#: How many action ids the record keeps (newest last); the property is capped at 32 KB.
MAX_DONE = 200

_BLOCK_NODES = frozenset(
    {
        "paragraph",
        "heading",
        "blockquote",
        "codeBlock",
        "listItem",
        "bulletList",
        "orderedList",
        "panel",
        "rule",
        "table",
        "tableRow",
        "expand",
        "nestedExpand",
        "decisionItem",
        "taskItem",
    }
)


# --------------------------------------------------------------------------- small readers


def as_map(value: object) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty mapping (tolerant reading)."""
    return value if isinstance(value, Mapping) else {}


_map = as_map


def _str(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def parse_jira_datetime(value: object) -> datetime | None:
    """Parse a Jira timestamp: ``2021-01-17T12:34:00.000+0000``, ISO 8601 with ``+00:00``
    or ``Z``, a ``DateDTO`` object or epoch milliseconds. ``None`` when absent or unreadable."""
    if isinstance(value, Mapping):
        value = (
            value["epochMillis"]
            if "epochMillis" in value
            else (value.get("iso8601") or value.get("jira"))
        )
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return _parse_text_datetime(_str(value).strip())


def _parse_text_datetime(text: str) -> datetime | None:
    # fromisoformat reads Jira's own form (``…T12:34:00.000+0000``) too, at a fraction of
    # strptime's cost (0.4 µs against 90: a few per ticket); strptime for what it refuses
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                pass
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def adf_to_text(node: object) -> str:
    """Flatten an Atlassian Document Format tree to plain text: one line per paragraph,
    ``hardBreak`` as a newline, mentions/emoji/links as their text. Strings pass through."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    parts: list[str] = []
    _walk_adf(node, parts)
    text = "".join(parts)
    lines = [line.rstrip() for line in text.split("\n")]
    # collapse runs of blank lines produced by nested blocks
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def _inline_adf(kind: object, node: Mapping[str, Any]) -> str | None:
    """The text of a leaf node, or None when ``node`` is not a leaf we know."""
    attrs = _map(node.get("attrs"))
    if kind == "text":
        return _str(node.get("text"))
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return _str(attrs.get("text")) or "@" + _str(attrs.get("id"))
    if kind in {"emoji", "status", "date"}:
        return _str(attrs.get("text") or attrs.get("shortName") or attrs.get("timestamp"))
    if kind in {"inlineCard", "blockCard", "embedCard"}:
        return _str(attrs.get("url"))
    return None


def _walk_adf(node: object, parts: list[str]) -> None:
    if isinstance(node, list):
        for child in node:
            _walk_adf(child, parts)
        return
    if not isinstance(node, Mapping):
        return
    kind = node.get("type")
    leaf = _inline_adf(kind, node)
    if leaf is not None:
        parts.append(leaf)
        return
    _walk_adf(node.get("content"), parts)
    if kind in {"tableCell", "tableHeader"}:
        parts.append("\t")
    elif kind in _BLOCK_NODES and parts and not parts[-1].endswith("\n"):
        parts.append("\n")  # one line break however deeply blocks nest


def rich_text(value: object) -> str:
    """A v2 string (wiki markup, returned as is) or a v3 ADF document, as plain text."""
    if isinstance(value, str):
        return value
    return adf_to_text(value)


def person_from_user(user: object) -> Person:
    u = _map(user)
    return Person(
        display_name=_str(u.get("displayName")),
        email=_str(u.get("emailAddress")),
        account_id=_str(u.get("accountId")),
    )


# --------------------------------------------------------------------------- comments


def comment_from_json(
    raw: Mapping[str, Any], *, bot_account_id: str, reporter_account_id: str
) -> Comment:
    """One platform comment (``/rest/api/{2,3}/issue/{key}/comment`` or embedded in the issue).

    Author role: the bot account → BOT; a ``customer`` account or the reporter → CUSTOMER;
    anyone else (agents, apps, automation) → AGENT. Visibility: ``jsdPublic`` (Jira's default
    is public) unless a role/group ``visibility`` restriction hides it from the customer.
    """
    author = _map(raw.get("author"))
    author_id = _str(author.get("accountId"))
    if bot_account_id and author_id == bot_account_id:
        role = AuthorRole.BOT
    elif author.get("accountType") == "customer" or (
        reporter_account_id and author_id == reporter_account_id
    ):
        role = AuthorRole.CUSTOMER
    else:
        role = AuthorRole.AGENT
    public_flag = raw.get("jsdPublic", raw.get("public", True))
    public = bool(public_flag) and not raw.get("visibility")
    return Comment(
        id=_str(raw.get("id")),
        author=role,
        body=rich_text(raw.get("body")),
        public=public,
        created=parse_jira_datetime(raw.get("created")),
        author_id=author_id,
    )


def comments_from_json(
    raws: Iterable[object], *, bot_account_id: str, reporter_account_id: str
) -> tuple[Comment, ...]:
    """Comments oldest first (Jira orders by ``created``; we keep a stable sort)."""
    comments = [
        comment_from_json(r, bot_account_id=bot_account_id, reporter_account_id=reporter_account_id)
        for r in raws
        if isinstance(r, Mapping)
    ]
    epoch = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(comments, key=lambda c: c.created or epoch))


def embedded_comments(fields: Mapping[str, Any]) -> tuple[list[Any], int]:
    """The comments embedded in an issue's ``comment`` field and the total Jira reports.

    A total larger than the list means the rest must be fetched (search embeds at most 20).
    """
    block = fields.get("comment")
    if isinstance(block, list):  # some payloads give the bare list
        return list(block), len(block)
    page = _map(block)
    raws = page.get("comments")
    items = list(raws) if isinstance(raws, list) else []
    total = page.get("total")
    return items, total if isinstance(total, int) and total >= len(items) else len(items)


# --------------------------------------------------------------------------- record


def record_from_property(value: object) -> BotRecord:
    """The ``routerbot`` issue property value as a :class:`BotRecord` (empty when absent).

    Tolerant: unknown keys are kept in ``extra``; a malformed value reads as empty.
    """
    v = _map(value)
    if not v:
        return BotRecord()
    done_raw = v.get("done")
    done = tuple(_str(x) for x in done_raw) if isinstance(done_raw, list) else ()
    asks_raw = v.get("asks", 0)
    asks = asks_raw if isinstance(asks_raw, int) and not isinstance(asks_raw, bool) else 0
    extra_raw = v.get("extra")
    extra: dict[str, Any] = dict(extra_raw) if isinstance(extra_raw, Mapping) else {}
    for k, val in v.items():
        if k not in ("done", "asks", "state", "extra", "v"):
            extra.setdefault(k, val)
    return BotRecord(done=done, asks=asks, state=_str(v.get("state")), extra=extra)


def record_to_property(record: BotRecord, *, max_done: int = MAX_DONE) -> dict[str, Any]:
    """The JSON value stored in the ``routerbot`` issue property (``done`` bounded, newest
    last)."""
    done = list(record.done)[-max_done:] if max_done > 0 else []
    return {
        "v": 1,
        "done": done,
        "asks": record.asks,
        "state": record.state,
        "extra": dict(record.extra),
    }


# --------------------------------------------------------------------------- issue


def request_type_of(value: object) -> tuple[str, str]:
    """``(service_desk_id, request_type_id)`` from the Customer Request Type field's read
    shape ``{"requestType": {"id": "86", "serviceDeskId": "3", ...}, ...}``; empty strings when
    the issue is not a request. A bare string id (write shape) reads as ``("", id)``."""
    if isinstance(value, str):
        return "", value
    rt = _map(_map(value).get("requestType"))
    return _str(rt.get("serviceDeskId")), _str(rt.get("id"))


def ticket_from_issue(
    issue: Mapping[str, Any],
    *,
    bot_account_id: str,
    request_type_field: str,
    comments: Sequence[Any] | None = None,
    desk_by_project: Mapping[str, str] | None = None,
) -> TicketSnapshot:
    """A platform issue bean (search result or GET issue) as a :class:`TicketSnapshot`.

    ``comments`` replaces the embedded comments when the caller fetched them all (the
    search embeds only the first 20). ``desk_by_project`` (project key → service desk id)
    fills the desk when the request-type field is empty.
    """
    fields = _map(issue.get("fields"))
    reporter = person_from_user(fields.get("reporter"))
    if comments is None:
        comments, _total = embedded_comments(fields)
    desk, rtype = ("", "")
    if request_type_field:
        desk, rtype = request_type_of(fields.get(request_type_field))
    if not desk and desk_by_project:
        desk = desk_by_project.get(_str(_map(fields.get("project")).get("key")), "")
    assignee_raw = _map(fields.get("assignee"))
    assignee = _str(assignee_raw.get("displayName") or assignee_raw.get("accountId")) or None
    labels_raw = fields.get("labels")
    labels = tuple(_str(x) for x in labels_raw) if isinstance(labels_raw, list) else ()
    ticket = Ticket(
        key=_str(issue.get("key")),
        service_desk=desk,
        request_type=rtype,
        summary=_str(fields.get("summary")),
        description=rich_text(fields.get("description")),
        reporter=reporter,
        comments=comments_from_json(
            comments, bot_account_id=bot_account_id, reporter_account_id=reporter.account_id
        ),
        status=_str(_map(fields.get("status")).get("name")),
        assignee=assignee,
        labels=labels,
        created=parse_jira_datetime(fields.get("created")),
        updated=parse_jira_datetime(fields.get("updated")),
        issue_id=_str(issue.get("id")),
    )
    props = _map(issue.get("properties"))
    return TicketSnapshot(ticket=ticket, record=record_from_property(props.get(RECORD_PROPERTY)))


def status_category(issue: Mapping[str, Any]) -> str:
    """The issue's status category key (``new``, ``indeterminate``, ``done``) or ``""``."""
    status = _map(_map(issue.get("fields")).get("status"))
    return _str(_map(status.get("statusCategory")).get("key"))


def error_text(body: object, *, limit: int = 300) -> str:
    """The human part of a Jira error body: platform ``ErrorCollection``
    (``errorMessages``/``errors``), servicedeskapi ``ErrorResponse`` (``errorMessage``),
    bulk ``{"errors": [{"message"}]}`` or ``message``. Never headers; truncated."""
    b = _map(body)
    texts: list[str] = []
    msgs = b.get("errorMessages")
    if isinstance(msgs, list):
        texts.extend(_str(m) for m in msgs if m)
    errors = b.get("errors")
    if isinstance(errors, Mapping):
        texts.extend(f"{k}: {_str(v)}" for k, v in errors.items())
    elif isinstance(errors, list):
        texts.extend(_str(_map(e).get("message") or e) for e in errors)
    for key in ("errorMessage", "message"):
        if b.get(key):
            texts.append(_str(b[key]))
    text = "; ".join(t for t in texts if t)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def location_changes(
    histories: Iterable[Mapping[str, Any]],
    *,
    request_type_field: str,
    desk_by_project_id: Mapping[str, str],
) -> tuple[LocationChange, ...]:
    """Location changes from Jira changelog entries (``/issue/{key}/changelog`` values),
    oldest first. Request type: the item whose ``fieldId`` is the Customer Request Type
    field (``from``/``to`` are request type ids). Desk: the ``project`` item (``from``/``to``
    are project ids, mapped to service desk ids)."""
    out = []
    for entry in histories:
        if not isinstance(entry, Mapping):
            continue
        change = LocationChange(
            at=parse_jira_datetime(entry.get("created")),
            author_id=_str((entry.get("author") or {}).get("accountId")),
        )
        touched = False
        for item in entry.get("items") or []:
            if not isinstance(item, Mapping):
                continue
            fid = _str(item.get("fieldId"))
            name = _str(item.get("field")).casefold()
            if fid == request_type_field or (
                not fid and name in ("customer request type", "request type")
            ):
                change = replace(
                    change,
                    old_request_type=_str(item.get("from")),
                    new_request_type=_str(item.get("to")),
                )
                touched = True
            elif fid == "project" or name == "project":
                old_p, new_p = _str(item.get("from")), _str(item.get("to"))
                change = replace(
                    change,
                    old_desk=desk_by_project_id.get(old_p, old_p),
                    new_desk=desk_by_project_id.get(new_p, new_p),
                )
                touched = True
        if touched:
            out.append(change)
    epoch = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(out, key=lambda c: aware(c.at) if c.at else epoch))
