"""Add one string to an array of a TOML file, editing the text as little as possible.

``routerbot teach --write`` uses it to append a customer's question to an entry's
``examples``. A TOML library would rewrite the whole file (comments, layout, quoting):
a support lead's file must come back as they wrote it, plus one line. So this module
reads just enough TOML to find the table (``[faq.telecharger-modele]``), the array
(``examples = [ … ]``) and the end of its last item — strings, multi-line strings,
comments and nested brackets are skipped properly — and inserts the new item there,
in the array's own layout:

* a multi-line array whose ``]`` sits on its own line gets a new line before it, with
  the indentation of the items above;
* a one-line array gets ``, "new"`` after its last item;
* a table without the array gets ``examples = [ "new", ]`` after its last key.

Whatever the layout, :func:`append_to_array` then parses both texts and checks that
the only difference is the one new item at the end of that array; anything else raises
:class:`EditError` and nothing is written. :func:`replace_file` writes atomically (a
temporary file in the same folder, then a rename), and refuses when the file changed
on disk since it was read.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routerbot.errors import RouterbotError


class EditError(RouterbotError):
    """The file cannot be edited safely as asked (nothing was changed)."""


@dataclass(frozen=True, slots=True)
class _KeyValue:
    table: tuple[str, ...]  # the [table] it belongs to
    key: tuple[str, ...]  # its (dotted) key
    line_start: int  # offset of the line's first character
    value_start: int  # offset of the value's first character
    value_end: int  # offset just after the value
    line_end: int  # offset of the "\n" ending the statement (or len(text))


@dataclass(frozen=True, slots=True)
class _Header:
    table: tuple[str, ...]
    line_end: int
    array_of_tables: bool


_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _skip_string(text: str, i: int) -> int:
    """``text[i]`` opens a string: the offset just after its closing quote."""
    q = text[i]
    if text.startswith(q * 3, i):
        end = text.find(q * 3, i + 3)
        while end != -1 and q == '"' and _escaped(text, end):
            end = text.find(q * 3, end + 1)
        if end == -1:
            raise EditError("unterminated multi-line string")
        end += 3
        while end < len(text) and text[end] == q:  # up to two quotes may end the content
            end += 1
        return end
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\" and q == '"':
            j += 2
            continue
        if c == q:
            return j + 1
        if c == "\n":
            break
        j += 1
    raise EditError(f"unterminated string at offset {i}")


def _escaped(text: str, i: int) -> bool:
    n = 0
    while i - 1 - n >= 0 and text[i - 1 - n] == "\\":
        n += 1
    return n % 2 == 1


def _skip_comment(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end == -1 else end


def _parse_key(raw: str) -> tuple[str, ...]:
    """``faq."a.b" . c`` → ("faq", "a.b", "c")."""
    parts: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c in " \t.":
            i += 1
        elif c in "\"'":
            j = _skip_string(raw, i)
            literal = raw[i:j]
            parts.append(tomllib.loads(f"k = {literal}")["k"])
            i = j
        else:
            j = i
            while j < n and raw[j] in _BARE:
                j += 1
            if j == i:
                raise EditError(f"cannot read the key {raw!r}")
            parts.append(raw[i:j])
            i = j
    return tuple(parts)


def _skip_value(text: str, i: int) -> int:
    """``text[i]`` starts a value: the offset just after it (arrays and inline tables
    included, whatever their strings and comments hold)."""
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            i = _skip_string(text, i)
            continue
        if c == "#":
            if depth == 0:
                return i
            i = _skip_comment(text, i)
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        elif c == "\n" and depth == 0:
            return i
        i += 1
    return i


def _statements(text: str) -> tuple[list[_Header], list[_KeyValue]]:
    """Every table header and key/value statement of a TOML text, in order."""
    headers: list[_Header] = []
    pairs: list[_KeyValue] = []
    table: tuple[str, ...] = ()
    i, n = 0, len(text)
    while i < n:
        line_start = i
        while i < n and text[i] in " \t\r":
            i += 1
        if i >= n:
            break
        c = text[i]
        if c == "\n":
            i += 1
            continue
        if c == "#":
            i = _skip_comment(text, i)
            continue
        if c == "[":
            double = text.startswith("[[", i)
            start = i + (2 if double else 1)
            j = start
            while j < n and text[j] not in "]\n":
                j = _skip_string(text, j) if text[j] in "\"'" else j + 1
            if j >= n or text[j] != "]":
                raise EditError(f"cannot read the table header at offset {i}")
            table = _parse_key(text[start:j])
            i = _skip_comment(text, j)
            headers.append(_Header(table, i, double))
            continue
        eq = i
        while eq < n and text[eq] not in "=\n":
            eq = _skip_string(text, eq) if text[eq] in "\"'" else eq + 1
        if eq >= n or text[eq] != "=":
            raise EditError(f"cannot read the line at offset {line_start}")
        key = _parse_key(text[i:eq])
        v = eq + 1
        while v < n and text[v] in " \t":
            v += 1
        end = _skip_value(text, v)
        value_end = end
        while value_end > v and text[value_end - 1] in " \t\r":
            value_end -= 1
        line_end = _skip_comment(text, end) if end < n and text[end] != "\n" else end
        pairs.append(_KeyValue(table, key, line_start, v, value_end, line_end))
        i = line_end
    return headers, pairs


def _last_item_end(text: str, open_at: int, close_at: int) -> tuple[int, bool]:
    """Inside the array ``text[open_at] == "["`` … ``text[close_at] == "]"``: the offset
    just after the last item (``open_at + 1`` when empty) and whether a comma follows it."""
    i = open_at + 1
    last_end = open_at + 1
    comma = False
    empty = True
    while i < close_at:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "#":
            i = _skip_comment(text, i)
        elif c == ",":
            comma = True
            i += 1
        else:
            i = _skip_value_in_array(text, i)
            last_end = i
            comma = False
            empty = False
    return last_end, comma and not empty


def _skip_value_in_array(text: str, i: int) -> int:
    c = text[i]
    if c in "\"'":
        return _skip_string(text, i)
    if c in "[{":
        return _skip_value(text, i)
    j = i
    while j < len(text) and text[j] not in ",]\n#":
        j += 1
    return j


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (JSON's escapes are all valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def _lookup(data: Any, path: Sequence[str]) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def append_to_array(text: str, table: Sequence[str], key: str, value: str) -> str:
    """``text`` with ``value`` appended to the array ``key`` of ``[table]``.

    Raises :class:`EditError` when the table is missing, the key holds something else
    than an array of strings, or the edit would change anything but that one item.
    """
    if "\r\n" in text and "\n" not in text.replace("\r\n", ""):  # a Windows file stays one
        return append_to_array(text.replace("\r\n", "\n"), table, key, value).replace("\n", "\r\n")
    table = tuple(table)
    name = ".".join(table)
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EditError(f"not valid TOML: {exc}") from exc
    if not isinstance(_lookup(before, table), dict):
        raise EditError(f"no [{name}] table in the file")
    current = _lookup(before, (*table, key))
    if current is not None and not (
        isinstance(current, list) and all(isinstance(x, str) for x in current)
    ):
        raise EditError(f"[{name}] {key} is not a list of strings")
    headers, pairs = _statements(text)
    if not any(h.table == table and not h.array_of_tables for h in headers):
        raise EditError(f"[{name}] is not written as its own table header; add the line by hand")
    item = toml_string(value)
    found = [p for p in pairs if p.table == table and p.key == (key,)]
    if found:
        new_text = _insert_item(text, found[0], item)
    else:
        new_text = _insert_key(text, headers=headers, pairs=pairs, table=table, key=key, item=item)
    try:
        after = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - a bug of this module
        raise EditError(f"the edit would break the file ({exc}); nothing written") from exc
    expected = _with_item(before, table, key, value)
    if after != expected:  # pragma: no cover - a bug of this module
        raise EditError("the edit would change more than one line; nothing written")
    return new_text


def _with_item(data: dict[str, Any], table: Sequence[str], key: str, value: str) -> Any:
    import copy  # noqa: PLC0415

    out = copy.deepcopy(data)
    node = out
    for part in table:
        node = node[part]
    node[key] = [*node.get(key, []), value]
    return out


def _insert_item(text: str, kv: _KeyValue, item: str) -> str:
    open_at, close_at = kv.value_start, kv.value_end - 1
    if text[open_at] != "[" or text[close_at] != "]":
        raise EditError(f"{'.'.join(kv.key)} is not an array")
    last_end, has_comma = _last_item_end(text, open_at, close_at)
    empty = last_end == open_at + 1
    close_line = text.rfind("\n", open_at, close_at)
    own_line = close_line != -1 and not text[close_line + 1 : close_at].strip()
    if own_line:
        indent = _item_indent(text, open_at, close_at, kv)
        comma = "" if has_comma or empty else ","
        head = text[:last_end] + comma + text[last_end : close_line + 1]
        return head + f"{indent}{item},\n" + text[close_line + 1 :]
    if empty:
        indent = _line_indent(text, kv.line_start)
        return text[: open_at + 1] + f"\n{indent}  {item},\n{indent}" + text[close_at:]
    if has_comma:
        after_comma = text.index(",", last_end) + 1
        return text[:after_comma] + f" {item}," + text[after_comma:]
    return text[:last_end] + f", {item}" + text[last_end:]


def _line_indent(text: str, line_start: int) -> str:
    j = line_start
    while j < len(text) and text[j] in " \t":
        j += 1
    return text[line_start:j]


def _item_indent(text: str, open_at: int, close_at: int, kv: _KeyValue) -> str:
    """The indentation of the array's last item line (or two spaces more than the key)."""
    i = text.rfind("\n", open_at, close_at)
    while i != -1 and i > open_at:
        prev = text.rfind("\n", open_at, i)
        start = (prev if prev != -1 else open_at) + 1
        line = text[start:i]
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and prev != -1:
            return line[: len(line) - len(line.lstrip())]
        i = prev
    return _line_indent(text, kv.line_start) + "  "


def _insert_key(
    text: str,
    *,
    headers: list[_Header],
    pairs: list[_KeyValue],
    table: tuple[str, ...],
    key: str,
    item: str,
) -> str:
    own = [p for p in pairs if p.table == table]
    at = own[-1].line_end if own else next(h.line_end for h in headers if h.table == table)
    block = f"\n{key} = [\n  {item},\n]"
    return text[:at] + block + text[at:]


def replace_file(path: Path, original: str, new_text: str) -> None:
    """Write ``new_text`` to ``path`` atomically, keeping its permissions; refuse when
    the file no longer holds ``original`` (someone saved it meanwhile). A symbolic link
    stays a link: the file it points to is replaced."""
    path = path.resolve()
    try:
        on_disk = path.read_text(encoding="utf-8")
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        raise EditError(f"cannot read {path}: {exc.strerror}") from exc
    if on_disk != original:
        raise EditError(f"{path} changed on disk since it was read; nothing written, try again")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(new_text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise EditError(f"cannot write {path}: {exc.strerror}") from exc
