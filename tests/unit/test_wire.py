"""Pure decoding of Jira / JSM JSON into routerbot's domain types (routerbot.jsm.wire)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from routerbot.domain import AuthorRole
from routerbot.jsm import wire
from routerbot.ports import BotRecord

PAYLOADS = Path(__file__).resolve().parents[1] / "integration" / "payloads"
BOT = "5b10ac8d82e05b22cc7d4ef5"
FIELD = "customfield_10010"


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def snapshot(issue: dict[str, Any], **kw: Any) -> Any:
    return wire.ticket_from_issue(issue, bot_account_id=BOT, request_type_field=FIELD, **kw)


# --------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-01-17T12:34:00.000+0000", datetime(2021, 1, 17, 12, 34, tzinfo=UTC)),
        (
            "2026-03-02T09:15:00.000+0100",
            datetime(2026, 3, 2, 9, 15, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("2026-03-02T08:15:00+00:00", datetime(2026, 3, 2, 8, 15, tzinfo=UTC)),
        ("2026-03-02T08:15:00.5-0530", datetime(2026, 3, 2, 13, 45, 0, 500000, tzinfo=UTC)),
        ("2026-03-02T08:15:00Z", datetime(2026, 3, 2, 8, 15, tzinfo=UTC)),
        ("2026-03-02T08:15:00", datetime(2026, 3, 2, 8, 15, tzinfo=UTC)),
        (1444290120000, datetime(2015, 10, 8, 7, 42, tzinfo=UTC)),
        (
            {"epochMillis": 1444290120000, "iso8601": "ignored"},
            datetime(2015, 10, 8, 7, 42, tzinfo=UTC),
        ),
        ({"iso8601": "2015-10-08T14:42:00+0700"}, datetime(2015, 10, 8, 7, 42, tzinfo=UTC)),
        (None, None),
        ("", None),
        ("yesterday", None),
        (True, None),
    ],
)
def test_parses_every_jira_timestamp_shape(raw: Any, expected: datetime | None):
    assert wire.parse_jira_datetime(raw) == expected


# --------------------------------------------------------------------------- ADF


def test_flattens_adf_paragraphs_breaks_lists_mentions_and_emoji():
    doc = payload("issue-v3-adf")["fields"]["description"]
    assert wire.adf_to_text(doc) == (
        "Bonjour,\npage blanche après authentification\nEdge 119\n@Agnès Support merci 😄"
    )


def test_adf_table_cells_are_tab_separated_and_unknown_nodes_keep_their_text():
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "table",
                "content": [
                    {
                        "type": "tableRow",
                        "content": [
                            {
                                "type": "tableHeader",
                                "content": [
                                    {
                                        "type": "paragraph",
                                        "content": [{"type": "text", "text": "Navigateur"}],
                                    }
                                ],
                            },
                            {
                                "type": "tableCell",
                                "content": [
                                    {
                                        "type": "paragraph",
                                        "content": [{"type": "text", "text": "Chrome 120"}],
                                    }
                                ],
                            },
                        ],
                    }
                ],
            },
            {"type": "futureNode", "content": [{"type": "text", "text": "encore lisible"}]},
        ],
    }
    text = wire.adf_to_text(doc)
    assert "Navigateur" in text and "Chrome 120" in text
    assert "encore lisible" in text


def test_rich_text_passes_v2_strings_through_untouched():
    assert wire.rich_text("*gras* et [lien|https://x]") == "*gras* et [lien|https://x]"
    assert wire.rich_text(None) == ""


def test_v3_issue_reads_like_a_v2_issue():
    snap = snapshot(payload("issue-v3-adf"))
    assert snap.ticket.description.startswith("Bonjour,\npage blanche")
    assert snap.ticket.comments[0].body == "Voir https://example.org/capture.png"


# --------------------------------------------------------------------------- comments


def _comment(author: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        "id": "1",
        "author": author,
        "body": "x",
        "created": "2026-03-02T09:00:00.000+0000",
        **kw,
    }


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ({"accountId": BOT, "accountType": "atlassian"}, AuthorRole.BOT),
        ({"accountId": "qm:1", "accountType": "customer"}, AuthorRole.CUSTOMER),
        ({"accountId": "reporter-1", "accountType": "atlassian"}, AuthorRole.CUSTOMER),
        ({"accountId": "agent-1", "accountType": "atlassian"}, AuthorRole.AGENT),
        ({"accountId": "auto-1", "accountType": "app"}, AuthorRole.AGENT),
        ({}, AuthorRole.AGENT),
    ],
)
def test_comment_author_role(author: dict[str, Any], expected: AuthorRole):
    c = wire.comment_from_json(
        _comment(author), bot_account_id=BOT, reporter_account_id="reporter-1"
    )
    assert c.author is expected


def test_bot_wins_even_if_the_bot_account_is_the_reporter():
    c = wire.comment_from_json(
        _comment({"accountId": BOT}), bot_account_id=BOT, reporter_account_id=BOT
    )
    assert c.author is AuthorRole.BOT


@pytest.mark.parametrize(
    ("extra", "public"),
    [
        ({}, True),
        ({"jsdPublic": True}, True),
        ({"jsdPublic": False}, False),
        ({"public": False}, False),  # servicedeskapi CommentDTO
        ({"jsdPublic": True, "visibility": {"type": "role", "value": "Administrators"}}, False),
    ],
)
def test_comment_visibility(extra: dict[str, Any], public: bool):
    c = wire.comment_from_json(
        _comment({"accountId": "a"}, **extra), bot_account_id=BOT, reporter_account_id=""
    )
    assert c.public is public


def test_comments_are_sorted_oldest_first():
    later = _comment({"accountId": "a"}, id="2", created="2026-03-02T10:00:00.000+0000")
    earlier = _comment({"accountId": "a"}, id="1", created="2026-03-02T09:00:00.000+0000")
    out = wire.comments_from_json([later, earlier], bot_account_id=BOT, reporter_account_id="")
    assert [c.id for c in out] == ["1", "2"]


def test_embedded_comments_report_the_total_jira_gives():
    items, total = wire.embedded_comments({"comment": {"comments": [{"id": "1"}], "total": 23}})
    assert (len(items), total) == (1, 23)
    assert wire.embedded_comments({}) == ([], 0)
    assert wire.embedded_comments({"comment": [{"id": "1"}]}) == ([{"id": "1"}], 1)


# --------------------------------------------------------------------------- issue


def test_issue_with_request_type_field_gives_desk_and_request_type():
    t = snapshot(payload("issue-ope-101")).ticket
    assert (t.service_desk, t.request_type) == ("3", "86")
    assert t.created == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)


def test_issue_that_is_not_a_request_falls_back_to_the_project_desk():
    issue = payload("issue-ope-101")
    issue["fields"][FIELD] = None
    t = snapshot(issue, desk_by_project={"OPE": "3"}).ticket
    assert (t.service_desk, t.request_type) == ("3", "")


def test_request_type_field_shapes():
    assert wire.request_type_of({"requestType": {"id": "84", "serviceDeskId": "3"}}) == ("3", "84")
    assert wire.request_type_of("87") == ("", "87")
    assert wire.request_type_of(None) == ("", "")


def test_issue_with_missing_fields_still_reads():
    snap = snapshot({"id": "1", "key": "X-1", "fields": {}})
    assert snap.ticket.key == "X-1"
    assert snap.ticket.comments == ()
    assert snap.record == BotRecord()


def test_explicit_comments_replace_the_embedded_ones():
    issue = payload("issue-ope-101")
    only = [_comment({"accountId": "qm:x", "accountType": "customer"}, id="99")]
    assert [c.id for c in snapshot(issue, comments=only).ticket.comments] == ["99"]


# --------------------------------------------------------------------------- record


def test_record_round_trips_through_the_issue_property():
    record = BotRecord(done=("a", "b"), asks=2, state="waiting_browser", extra={"faq": "x"})
    assert wire.record_from_property(wire.record_to_property(record)) == record


def test_record_keeps_only_the_newest_action_ids():
    record = BotRecord(done=tuple(str(i) for i in range(10)))
    assert wire.record_to_property(record, max_done=3)["done"] == ["7", "8", "9"]


@pytest.mark.parametrize(
    "value",
    [None, "garbage", [], {"done": "notalist", "asks": "2", "state": None}, {"asks": True}],
)
def test_malformed_record_reads_as_empty(value: Any):
    record = wire.record_from_property(value)
    assert record.done == () and record.asks == 0 and record.state == ""


def test_unknown_record_keys_are_kept_in_extra():
    assert wire.record_from_property({"state": "x", "legacy": 1}).extra == {"legacy": 1}


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"errorMessages": ["Issue does not exist"], "errors": {}}, "Issue does not exist"),
        ({"errorMessages": [], "errors": {"labels": "bad"}}, "labels: bad"),
        ({"errorMessage": "No permission", "i18nErrorMessage": {}}, "No permission"),
        (
            {"errors": [{"message": "Some of the issues are not valid"}]},
            "Some of the issues are not valid",
        ),
        ({"message": "Rate limit exceeded"}, "Rate limit exceeded"),
        ("<html>", ""),
        (None, ""),
    ],
)
def test_error_text_reads_every_jira_error_body(body: Any, expected: str):
    assert wire.error_text(body) == expected


def test_error_text_is_truncated():
    assert len(wire.error_text({"errorMessages": ["x" * 1000]}, limit=50)) == 50
