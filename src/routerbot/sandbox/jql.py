"""A JQL subset, enough for what routerbot and the ``jira`` client send.

Grammar (case-insensitive keywords)::

    query   := [or_expr] [ORDER BY key [ASC|DESC] {, key [ASC|DESC]}]
    or_expr := and_expr {OR and_expr}
    and_expr:= not_expr {AND not_expr}
    not_expr:= NOT not_expr | "(" or_expr ")" | clause
    clause  := field op value
    op      := = | != | > | >= | < | <= | ~ | IN | NOT IN | IS | IS NOT
    value   := "string" | word | -15m | EMPTY | NULL | (v, v, ...) | currentUser()

Fields: ``project``, ``key``/``issuekey``, ``created``, ``updated``, ``labels``,
``status``, ``statusCategory``, ``resolution`` (``Unresolved``), ``assignee``,
``reporter``, ``summary``/``text`` (``~`` contains), ``"Request Type"``/``cf[10010]``/
``customfield_10010`` (id or name). Absolute dates (``"yyyy/MM/dd HH:mm"``,
``"yyyy-MM-dd"`` …) are read in the caller's time zone, minute precision; relative
dates ``-15m``, ``-2h``, ``-1d``, ``-1w`` count back from now.

:func:`parse` raises :class:`JqlError` (Jira answers 400 with its message).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo


class JqlError(ValueError):
    pass


class Row(Protocol):
    """What a clause can read from an issue (the server adapts model issues to this)."""

    def value(self, field: str) -> Any: ...


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|>=|<=|!~|=|>|<|~|\(|\)|,)
      | (?P<word>[^\s"'(),=!<>~]+(?:\(\))?)
    )""",
    re.VERBOSE,
)

FIELD_ALIASES = {
    "project": "project",
    "key": "key",
    "issuekey": "key",
    "id": "key",
    "created": "created",
    "createddate": "created",
    "updated": "updated",
    "updateddate": "updated",
    "labels": "labels",
    "status": "status",
    "statuscategory": "statusCategory",
    "resolution": "resolution",
    "assignee": "assignee",
    "reporter": "reporter",
    "summary": "summary",
    "text": "text",
    "description": "description",
    "request type": "requestType",
    "customer request type": "requestType",
    "cf[10010]": "requestType",
    "customfield_10010": "requestType",
    "servicedesk": "project",
}
ORDER_FIELDS = {"created", "updated", "key", "status", "summary", "project"}
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_RELATIVE = re.compile(r"^([-+]?)(\d+)([mhdw])$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Tok:
    kind: str  # str | op | word
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper()


Predicate = Callable[[Row], bool]


@dataclass(frozen=True, slots=True)
class Query:
    where: Predicate | None
    order: tuple[tuple[str, bool], ...]  # (field, descending)

    @property
    def bounded(self) -> bool:
        return self.where is not None

    def matches(self, row: Row) -> bool:
        return self.where is None or self.where(row)


@dataclass(frozen=True, slots=True)
class Context:
    now: datetime
    time_zone: str
    current_user: str  # account id of the caller


def tokenize(text: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise JqlError(
                f"Error in the JQL Query: the character '{text[pos:].strip()[:1]}' "
                f"is a reserved JQL character (char {pos})."
            )
        pos = m.end()
        kind = m.lastgroup or "word"
        raw = m.group(kind)
        if kind == "str":
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        out.append(Tok(kind, raw))
    return out


class _Parser:
    def __init__(self, tokens: list[Tok], ctx: Context) -> None:
        self.toks = tokens
        self.i = 0
        self.ctx = ctx

    def peek(self, offset: int = 0) -> Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> Tok:
        tok = self.peek()
        if tok is None:
            raise JqlError("Error in the JQL Query: Expecting more input at the end of the query.")
        self.i += 1
        return tok

    def at_word(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.upper in words

    def expect_op(self, op: str) -> None:
        tok = self.take()
        if tok.kind != "op" or tok.text != op:
            raise JqlError(f"Error in the JQL Query: Expecting '{op}' but got '{tok.text}'.")

    def query(self) -> Query:
        where = None
        if self.peek() is not None and not self._at_order_by():
            where = self.or_expr()
        order: list[tuple[str, bool]] = []
        if self._at_order_by():
            self.i += 2
            while True:
                name = self.take().text.lower()
                fld = FIELD_ALIASES.get(name, name)
                if fld not in ORDER_FIELDS:
                    raise JqlError(f"Not able to sort using field '{name}'.")
                desc = False
                if self.at_word("ASC", "DESC"):
                    desc = self.take().upper == "DESC"
                order.append((fld, desc))
                tok = self.peek()
                if tok is not None and tok.kind == "op" and tok.text == ",":
                    self.i += 1
                    continue
                break
            if len(order) > 7:
                raise JqlError("The ORDER BY clause can have at most 7 fields.")
        if self.peek() is not None:
            tok = self.peek()
            assert tok is not None
            raise JqlError(
                f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{tok.text}'."
            )
        return Query(where, tuple(order))

    def _at_order_by(self) -> bool:
        a, b = self.peek(), self.peek(1)
        return (
            a is not None
            and b is not None
            and a.kind == "word"
            and b.kind == "word"
            and a.upper == "ORDER"
            and b.upper == "BY"
        )

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.at_word("OR"):
            self.i += 1
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda row: any(p(row) for p in parts)

    def and_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.at_word("AND"):
            self.i += 1
            parts.append(self.not_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda row: all(p(row) for p in parts)

    def not_expr(self) -> Predicate:
        if self.at_word("NOT"):
            self.i += 1
            inner = self.not_expr()
            return lambda row: not inner(row)
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == "(":
            self.i += 1
            inner = self.or_expr()
            self.expect_op(")")
            return inner
        return self.clause()

    def clause(self) -> Predicate:
        tok = self.take()
        name = tok.text.lower()
        fld = FIELD_ALIASES.get(name)
        if fld is None:
            raise JqlError(
                f"Field '{tok.text}' does not exist or you do not have permission to view it."
            )
        op = self._operator()
        if op in ("IS", "IS NOT"):
            if not self.at_word("EMPTY", "NULL"):
                raise JqlError(f"Error in the JQL Query: Expecting 'EMPTY' or 'NULL' after '{op}'.")
            self.i += 1
            empty = op == "IS"
            return lambda row: _is_empty(row.value(fld)) == empty
        if op in ("IN", "NOT IN"):
            values = self._list()
            return self._membership(fld, values, negate=op == "NOT IN")
        value = self._value()
        if fld in ("created", "updated"):
            return self._date(fld, op, value)
        if op in ("~", "!~"):
            needle = str(value).lower().strip("*")
            negate_text = op == "!~"
            return lambda row: (needle in str(row.value(fld) or "").lower()) != negate_text
        if op in ("=", "!="):
            if isinstance(value, str) and value.upper() in ("EMPTY", "NULL"):
                empty = op == "="
                return lambda row: _is_empty(row.value(fld)) == empty
            return self._membership(fld, [value], negate=op == "!=")
        raise JqlError(f"The operator '{op}' is not supported by the '{tok.text}' field.")

    def _operator(self) -> str:
        tok = self.take()
        if tok.kind == "op" and tok.text in ("=", "!=", ">", ">=", "<", "<=", "~", "!~"):
            return tok.text
        if tok.kind == "word" and tok.upper in ("IN", "IS"):
            if tok.upper == "IS" and self.at_word("NOT"):
                self.i += 1
                return "IS NOT"
            return tok.upper
        if tok.kind == "word" and tok.upper == "NOT" and self.at_word("IN"):
            self.i += 1
            return "NOT IN"
        raise JqlError(f"Error in the JQL Query: Expecting operator but got '{tok.text}'.")

    def _value(self) -> str:
        tok = self.take()
        if tok.kind == "op":
            raise JqlError(f"Error in the JQL Query: Expecting a value but got '{tok.text}'.")
        if tok.kind == "word" and tok.text.lower() == "currentuser()":
            return self.ctx.current_user
        return tok.text

    def _list(self) -> list[str]:
        self.expect_op("(")
        values = [self._value()]
        while True:
            tok = self.take()
            if tok.kind == "op" and tok.text == ",":
                values.append(self._value())
                continue
            if tok.kind == "op" and tok.text == ")":
                return values
            raise JqlError(f"Error in the JQL Query: Expecting ',' or ')' but got '{tok.text}'.")

    def _membership(self, fld: str, values: list[str], *, negate: bool) -> Predicate:
        wanted = {v.lower() for v in values}
        empty_wanted = bool(wanted & {"empty", "null", "unresolved"})

        def pred(row: Row) -> bool:
            actual = row.value(fld)
            items = actual if isinstance(actual, (list, tuple, set, frozenset)) else [actual]
            names = {str(x).lower() for x in items if x is not None}
            hit = bool(names & wanted) or (empty_wanted and _is_empty(actual))
            if negate:
                # Jira: "labels not in (x)" / "labels != x" leave out issues with no value.
                return not hit and not _is_empty(actual)
            return hit

        return pred

    def _date(self, fld: str, op: str, text: str) -> Predicate:
        if op not in (">", ">=", "<", "<=", "=", "!="):
            raise JqlError(f"The operator '{op}' is not supported by the '{fld}' field.")
        instant = self._instant(text)
        compare: dict[str, Callable[[datetime], bool]] = {
            ">": lambda v: v > instant,
            ">=": lambda v: v >= instant,
            "<": lambda v: v < instant,
            "<=": lambda v: v <= instant,
            "=": lambda v: v == instant,
            "!=": lambda v: v != instant,
        }
        check = compare[op]
        return lambda row: check(row.value(fld))

    def _instant(self, text: str) -> datetime:
        m = _RELATIVE.match(text.strip())
        if m:
            sign, n, unit = m.groups()
            delta = {
                "m": timedelta(minutes=1),
                "h": timedelta(hours=1),
                "d": timedelta(days=1),
                "w": timedelta(weeks=1),
            }[unit.lower()] * int(n)
            return self.ctx.now + delta if sign == "+" else self.ctx.now - delta
        for fmt in _DATE_FORMATS:
            try:
                naive = datetime.strptime(text.strip(), fmt)
            except ValueError:
                continue
            return naive.replace(tzinfo=ZoneInfo(self.ctx.time_zone))
        raise JqlError(
            f"Date value '{text}' for field 'updated' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        )


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple)) and not value)


def parse(text: str, ctx: Context) -> Query:
    """Parse a JQL string into a predicate and an ordering (raises :class:`JqlError`)."""
    return _Parser(tokenize(text or ""), ctx).query()
