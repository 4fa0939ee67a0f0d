"""JiraServiceDesk against the JSM sandbox over real HTTP (fixture ``sandbox`` in conftest).

The sandbox is the main fake: if the adapter and the sandbox disagree on a shape, one of
them is wrong about Jira and these tests say which call.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.fakes import FakeClock

from routerbot.domain import AuthorRole, Target
from routerbot.errors import AuthenticationError, NotFound
from routerbot.jsm.adapter import JiraServiceDesk
from routerbot.ports import BotRecord, TicketSnapshot


class Calls:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int]] = []

    def __call__(self, method: str, template: str, status: int, _seconds: float) -> None:
        self.seen.append((method, template, status))

    def count(self) -> int:
        return len(self.seen)


def make_desk(sandbox: Any, calls: Calls | None = None, **kw: Any) -> JiraServiceDesk:
    return JiraServiceDesk(
        sandbox.url,
        sandbox.email,
        sandbox.token,
        clock=FakeClock(datetime.now(UTC)),
        on_response=calls,
        timeout=(2.0, 10.0),
        move_poll_interval=0.01,
        **kw,
    )


def open_tickets(desk: JiraServiceDesk) -> list[TicketSnapshot]:
    return list(desk.poll(None))


def pick(snaps: list[TicketSnapshot], desk_id: str) -> TicketSnapshot:
    for s in snaps:
        if s.ticket.service_desk == desk_id and s.ticket.assignee is None:
            return s
    pytest.fail(f"the sandbox has no open unassigned ticket in desk {desk_id}")


def test_discovers_bot_account_time_zone_and_request_type_field(sandbox: Any):
    desk = make_desk(sandbox)
    assert desk.whoami()
    assert desk.request_type_field().startswith("customfield_")
    assert desk.projects()  # desks 3 and 4 map to projects
    assert str(desk.time_zone())


def test_poll_reads_seeded_requests_of_both_portals(sandbox: Any):
    snaps = open_tickets(make_desk(sandbox))
    assert snaps
    assert {s.ticket.service_desk for s in snaps} <= {"3", "4"}
    assert all(s.ticket.request_type in {"84", "86", "87"} for s in snaps)
    keys = [s.ticket.key for s in snaps]
    assert len(keys) == len(set(keys))
    updated = [s.ticket.updated for s in snaps if s.ticket.updated]
    assert updated == sorted(updated)


def test_poll_pages_with_small_pages_and_returns_the_same_tickets(sandbox: Any):
    full = [s.ticket.key for s in open_tickets(make_desk(sandbox))]
    calls = Calls()
    paged = [s.ticket.key for s in make_desk(sandbox, calls, page_size=2).poll(None)]
    assert paged == full
    searches = [c for c in calls.seen if c[1] == "/rest/api/2/search/jql"]
    assert len(searches) >= (len(full) + 1) // 2


def test_idle_poll_is_one_request(sandbox: Any):
    calls = Calls()
    desk = make_desk(sandbox, calls)
    list(desk.poll(None))  # warms the discovery caches
    before = calls.count()
    assert list(desk.poll(datetime.now(UTC) + timedelta(days=1))) == []
    assert calls.count() - before == 1


def test_public_reply_and_internal_note_come_back_with_author_and_visibility(sandbox: Any):
    desk = make_desk(sandbox)
    snap = pick(open_tickets(desk), "3")
    key = snap.ticket.key
    public_id = desk.post_comment(key, "Réponse publique du bot", public=True)
    note_id = desk.post_comment(key, "Note interne du bot", public=False)
    again = desk.get(key)
    by_id = {c.id: c for c in again.ticket.comments}
    assert by_id[public_id].public is True
    assert by_id[note_id].public is False
    assert by_id[public_id].author is AuthorRole.BOT
    assert by_id[note_id].body == "Note interne du bot"
    assert again.ticket.comments[-1].id == note_id


def test_set_request_type_within_the_desk(sandbox: Any):
    desk = make_desk(sandbox)
    snap = pick(open_tickets(desk), "3")
    target = "84" if snap.ticket.request_type != "84" else "86"
    desk.set_request_type(snap.ticket.key, target)
    desk.set_request_type(snap.ticket.key, target)  # idempotent
    assert desk.get(snap.ticket.key).ticket.request_type == target


def test_transition_to_waiting_for_customer_then_not_again(sandbox: Any):
    desk = make_desk(sandbox)
    snap = pick(open_tickets(desk), "3")
    key = snap.ticket.key
    if snap.ticket.status.casefold() == "waiting for customer":
        assert desk.transition(key, "waiting_for_support") is True
    assert desk.transition(key, "waiting_for_customer") is True
    assert desk.get(key).ticket.status.casefold() == "waiting for customer"
    assert desk.transition(key, "waiting_for_customer") is False


def test_save_record_writes_the_property_and_labels_in_one_request(sandbox: Any):
    calls = Calls()
    desk = make_desk(sandbox, calls)
    snap = pick(open_tickets(desk), "4")
    record = BotRecord(done=("act-1", "act-2"), asks=1, state="waiting_browser", extra={"n": 1})
    before = calls.count()
    desk.save_record(snap.ticket.key, record, add_labels=["routerbot", "routerbot-asked"])
    assert calls.count() - before == 1
    again = desk.get(snap.ticket.key)
    assert again.record == record
    assert {"routerbot", "routerbot-asked"} <= set(again.ticket.labels)


def test_move_to_the_other_desk_gives_a_new_key_with_the_target_request_type(sandbox: Any):
    desk = make_desk(sandbox)
    snap = pick(open_tickets(desk), "3")
    new_key = desk.move(snap.ticket.key, Target("4", "87"))
    assert new_key != snap.ticket.key
    moved = desk.get(new_key)
    assert (moved.ticket.service_desk, moved.ticket.request_type) == ("4", "87")
    assert moved.ticket.summary == snap.ticket.summary


def test_triaging_a_ticket_stays_within_the_request_budget(sandbox: Any):
    """Search share + reply + record (+ a transition): what one triage costs."""
    calls = Calls()
    desk = make_desk(sandbox, calls)
    list(desk.poll(None))
    start = calls.count()
    snaps = list(desk.poll(None))
    per_ticket_search = (calls.count() - start) / max(1, len(snaps))
    snap = pick(snaps, "3")
    before = calls.count()
    desk.post_comment(snap.ticket.key, "Bonjour", public=True)
    desk.save_record(snap.ticket.key, BotRecord(done=("a",)), add_labels=["routerbot"])
    writes = calls.count() - before
    assert writes == 2
    # a transition costs one request once its id is known for the project
    other = next(
        s
        for s in snaps
        if s.ticket.service_desk == "3"
        and s.ticket.key != snap.ticket.key
        and s.ticket.status.casefold() == "waiting for support"
    )
    assert desk.transition(snap.ticket.key, "waiting_for_customer") is True
    before = calls.count()
    assert desk.transition(other.ticket.key, "waiting_for_customer") is True
    assert calls.count() - before == 1
    assert per_ticket_search + writes <= 4
    assert Counter(status for _, _, status in calls.seen if status >= 400) == Counter()


def test_unknown_ticket_is_not_found(sandbox: Any):
    with pytest.raises(NotFound):
        make_desk(sandbox).get("OPE-999999")


def test_wrong_token_is_an_authentication_error_without_the_token(sandbox: Any):
    desk = JiraServiceDesk(
        sandbox.url, sandbox.email, "wrong-token-witness", clock=FakeClock(datetime.now(UTC))
    )
    with pytest.raises(AuthenticationError) as info:
        desk.whoami()
    assert "wrong-token-witness" not in str(info.value)
