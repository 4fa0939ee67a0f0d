"""The StateStore contract, against real databases: a SQLite file and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.fakes import FakeClock

from routerbot.errors import LeaseLost, StateStoreError
from routerbot.ports import ActionState, Lease, StateStore, TicketState
from routerbot.store import SCHEMA_VERSION, SqlStateStore, open_store

# The PostgreSQL fixtures (pg_url); harmless if tests/conftest.py also lists them.
pytest_plugins = ["tests.pg_fixtures"]

T0 = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    pg_url: str = request.getfixturevalue("pg_url")
    return pg_url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def make_store(url: str, clock: FakeClock) -> Iterator[Callable[[], SqlStateStore]]:
    opened: list[SqlStateStore] = []

    def make() -> SqlStateStore:
        store = open_store(url, clock=clock)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: Callable[[], SqlStateStore]) -> SqlStateStore:
    return make_store()


def _lease(store: SqlStateStore, key: str, owner: str = "replica-a", ttl: float = 60) -> Lease:
    lease = store.claim(key, owner, ttl)
    assert lease is not None
    return lease


def test_store_satisfies_the_state_store_port(store: SqlStateStore) -> None:
    port: StateStore = store
    assert port.get_cursor("poll") is None


# ----------------------------------------------------------------------------- schema


def test_create_schema_is_idempotent_and_records_the_version(store: SqlStateStore) -> None:
    assert store.create_schema() == SCHEMA_VERSION
    assert store.create_schema() == SCHEMA_VERSION
    assert store.schema_version() == SCHEMA_VERSION


def test_closed_store_refuses_to_work(store: SqlStateStore) -> None:
    store.close()
    store.close()  # idempotent
    with pytest.raises(StateStoreError, match="closed"):
        store.get_cursor("poll")


# ----------------------------------------------------------------------------- cursor


def test_cursor_round_trips_as_an_aware_utc_instant(store: SqlStateStore) -> None:
    paris = datetime(2025, 3, 4, 10, 30, 15, 123456, tzinfo=UTC).astimezone(
        ZoneInfo("Europe/Paris")
    )
    store.set_cursor("poll", paris)
    got = store.get_cursor("poll")
    assert got == paris
    assert got is not None and got.utcoffset() == timedelta(0)


def test_cursor_never_moves_backwards(store: SqlStateStore) -> None:
    store.set_cursor("poll", T0 + timedelta(minutes=5))
    store.set_cursor("poll", T0)
    assert store.get_cursor("poll") == T0 + timedelta(minutes=5)
    store.set_cursor("poll", T0 + timedelta(minutes=6))
    assert store.get_cursor("poll") == T0 + timedelta(minutes=6)


def test_cursors_are_independent_by_name(store: SqlStateStore) -> None:
    store.set_cursor("poll", T0)
    assert store.get_cursor("other") is None


def test_reset_cursor_lets_an_operator_move_it_back_or_forget_it(store: SqlStateStore) -> None:
    store.set_cursor("poll", T0 + timedelta(days=1))
    store.reset_cursor("poll", T0)
    assert store.get_cursor("poll") == T0
    store.reset_cursor("poll")
    assert store.get_cursor("poll") is None


# ----------------------------------------------------------------------------- tickets


def test_ticket_state_round_trips_every_field(store: SqlStateStore) -> None:
    state = TicketState(
        key="OPE-101",
        last_updated=T0,
        last_trigger="10042",
        asks=2,
        status="waiting_browser",
        waiting_since=T0 - timedelta(days=3),
        category="connexion",
    )
    store.put_ticket(state)
    assert store.get_ticket("OPE-101") == state
    assert store.get_ticket("OPE-999") is None


def test_put_ticket_overwrites_the_previous_state(store: SqlStateStore) -> None:
    store.put_ticket(TicketState(key="SD-7", asks=1, status="waiting_browser", waiting_since=T0))
    store.put_ticket(TicketState(key="SD-7", asks=1, status="handed_over"))
    got = store.get_ticket("SD-7")
    assert got is not None
    assert got.status == "handed_over"
    assert got.waiting_since is None


def test_waiting_tickets_lists_only_tickets_waiting_for_the_customer(
    store: SqlStateStore,
) -> None:
    store.put_ticket(TicketState(key="OPE-2", status="reminded", waiting_since=T0))
    store.put_ticket(
        TicketState(key="OPE-1", status="waiting_browser", waiting_since=T0 - timedelta(days=1))
    )
    store.put_ticket(TicketState(key="OPE-3", status="handed_over", waiting_since=T0))
    store.put_ticket(TicketState(key="OPE-4", status="done"))
    store.put_ticket(TicketState(key="OPE-5"))
    assert [t.key for t in store.waiting_tickets()] == ["OPE-1", "OPE-2"]


def test_put_ticket_with_a_live_lease_is_accepted(store: SqlStateStore) -> None:
    lease = _lease(store, "OPE-8")
    store.put_ticket(TicketState(key="OPE-8", asks=1), lease)
    got = store.get_ticket("OPE-8")
    assert got is not None and got.asks == 1


# ----------------------------------------------------------------------------- leases


def test_claim_refuses_a_ticket_another_owner_holds(store: SqlStateStore) -> None:
    first = _lease(store, "OPE-1", "replica-a")
    assert first.epoch == 1
    assert first.until == T0 + timedelta(seconds=60)
    assert store.claim("OPE-1", "replica-b", 60) is None
    holder = store.lease_holder("OPE-1")
    assert holder == first


def test_claim_takes_an_expired_lease_and_bumps_the_epoch(
    store: SqlStateStore, clock: FakeClock
) -> None:
    first = _lease(store, "OPE-1", "replica-a", ttl=30)
    clock.advance(31)
    second = _lease(store, "OPE-1", "replica-b", ttl=30)
    assert second.owner == "replica-b"
    assert second.epoch == first.epoch + 1


def test_claims_on_different_tickets_do_not_interfere(store: SqlStateStore) -> None:
    _lease(store, "OPE-1", "replica-a")
    assert store.claim("OPE-2", "replica-b", 60) is not None


def test_reclaim_by_the_same_owner_fences_its_older_lease(store: SqlStateStore) -> None:
    old = _lease(store, "OPE-1", "replica-a")
    new = _lease(store, "OPE-1", "replica-a")
    assert new.epoch == old.epoch + 1
    with pytest.raises(LeaseLost):
        store.put_ticket(TicketState(key="OPE-1"), old)
    store.put_ticket(TicketState(key="OPE-1"), new)


def test_stale_lease_cannot_write_after_another_owner_claimed_the_expired_lease(
    store: SqlStateStore, clock: FakeClock
) -> None:
    stale = _lease(store, "OPE-1", "replica-a", ttl=30)
    store.record_intent("act-1", "OPE-1", "public_reply", {"faq": "f1"}, stale)
    clock.advance(31)
    fresh = _lease(store, "OPE-1", "replica-b", ttl=30)

    with pytest.raises(LeaseLost):
        store.put_ticket(TicketState(key="OPE-1", asks=9), stale)
    with pytest.raises(LeaseLost):
        store.record_intent("act-2", "OPE-1", "internal_note", {}, stale)
    with pytest.raises(LeaseLost):
        store.mark_in_flight("act-1", stale)
    with pytest.raises(LeaseLost):
        store.mark_done("act-1", stale, "c-1")
    with pytest.raises(LeaseLost):
        store.mark_failed("act-1", stale, "boom")
    with pytest.raises(LeaseLost):
        store.renew(stale, 30)

    # Nothing the stale owner tried is visible, and the new owner proceeds.
    assert store.get_ticket("OPE-1") is None
    assert [a.action_id for a in store.actions_for("OPE-1")] == ["act-1"]
    record = store.mark_in_flight("act-1", fresh)
    assert record.state is ActionState.IN_FLIGHT
    assert record.attempts == 1


def test_expired_lease_cannot_write_even_when_nobody_claimed_it(
    store: SqlStateStore, clock: FakeClock
) -> None:
    lease = _lease(store, "OPE-1", ttl=10)
    clock.advance(10)
    with pytest.raises(LeaseLost, match="expired"):
        store.record_intent("act-1", "OPE-1", "label", {}, lease)
    assert store.actions_for("OPE-1") == []


def test_lease_for_another_ticket_is_refused(store: SqlStateStore) -> None:
    lease = _lease(store, "OPE-1")
    with pytest.raises(LeaseLost):
        store.record_intent("act-1", "OPE-2", "label", {}, lease)
    with pytest.raises(LeaseLost):
        store.put_ticket(TicketState(key="OPE-2"), lease)


def test_release_lets_another_owner_claim_at_once_and_epochs_keep_growing(
    store: SqlStateStore,
) -> None:
    first = _lease(store, "OPE-1", "replica-a")
    store.release(first)
    assert store.lease_holder("OPE-1") is None
    second = _lease(store, "OPE-1", "replica-b")
    assert second.epoch == first.epoch + 1
    with pytest.raises(LeaseLost):
        store.put_ticket(TicketState(key="OPE-1"), first)


def test_release_of_a_lost_lease_leaves_the_new_owner_alone(
    store: SqlStateStore, clock: FakeClock
) -> None:
    stale = _lease(store, "OPE-1", "replica-a", ttl=5)
    clock.advance(6)
    fresh = _lease(store, "OPE-1", "replica-b", ttl=60)
    store.release(stale)
    assert store.lease_holder("OPE-1") == fresh


def test_renew_extends_a_live_lease_without_changing_its_epoch(
    store: SqlStateStore, clock: FakeClock
) -> None:
    lease = _lease(store, "OPE-1", ttl=10)
    clock.advance(8)
    renewed = store.renew(lease, 10)
    assert renewed.epoch == lease.epoch
    assert renewed.until == T0 + timedelta(seconds=18)
    clock.advance(5)  # past the first expiry, within the renewed one
    store.put_ticket(TicketState(key="OPE-1"), renewed)
    assert store.claim("OPE-1", "replica-b", 10) is None


def test_claim_rejects_a_non_positive_ttl(store: SqlStateStore) -> None:
    with pytest.raises(ValueError, match="ttl"):
        store.claim("OPE-1", "replica-a", 0)


def test_only_one_leader_at_a_time_and_takeover_after_expiry(
    store: SqlStateStore, clock: FakeClock
) -> None:
    assert store.try_lead("poller", "replica-a", 30)
    assert not store.try_lead("poller", "replica-b", 30)
    clock.advance(20)
    assert store.try_lead("poller", "replica-a", 30)  # renewal
    clock.advance(20)
    assert not store.try_lead("poller", "replica-b", 30)  # still renewed
    clock.advance(11)
    assert store.try_lead("poller", "replica-b", 30)
    assert not store.try_lead("poller", "replica-a", 30)


def test_resigned_leader_is_replaced_at_once(store: SqlStateStore) -> None:
    assert store.try_lead("poller", "replica-a", 300)
    store.resign("poller", "replica-b")  # not the holder: no effect
    assert not store.try_lead("poller", "replica-b", 300)
    store.resign("poller", "replica-a")
    assert store.try_lead("poller", "replica-b", 300)


# ----------------------------------------------------------------------------- ledger


def test_record_intent_is_idempotent_and_returns_the_first_intent(store: SqlStateStore) -> None:
    lease = _lease(store, "OPE-1")
    first = store.record_intent("act-1", "OPE-1", "public_reply", {"faq": "f1"}, lease)
    again = store.record_intent("act-1", "OPE-1", "public_reply", {"faq": "other"}, lease)
    assert first.state is ActionState.PLANNED
    assert first.attempts == 0
    assert first.created == T0
    assert again == first
    assert again.payload == {"faq": "f1"}
    assert len(store.actions_for("OPE-1")) == 1


def test_record_intent_after_a_restart_sees_the_earlier_progress(
    make_store: Callable[[], SqlStateStore],
) -> None:
    before = make_store()
    lease = _lease(before, "OPE-1")
    before.record_intent("act-1", "OPE-1", "public_reply", {}, lease)
    before.mark_in_flight("act-1", lease)
    before.close()

    after = make_store()
    lease = _lease(after, "OPE-1")
    record = after.record_intent("act-1", "OPE-1", "public_reply", {}, lease)
    assert record.state is ActionState.IN_FLIGHT
    assert record.attempts == 1


def test_action_goes_planned_in_flight_done_counting_attempts(
    store: SqlStateStore, clock: FakeClock
) -> None:
    lease = _lease(store, "OPE-1")
    store.record_intent("act-1", "OPE-1", "public_reply", {"faq": "f1"}, lease)
    clock.advance(1)
    assert store.mark_in_flight("act-1", lease).attempts == 1
    clock.advance(1)
    second = store.mark_in_flight("act-1", lease)  # retry after an ambiguous write
    assert second.state is ActionState.IN_FLIGHT
    assert second.attempts == 2
    assert second.updated == T0 + timedelta(seconds=2)
    clock.advance(1)
    store.mark_done("act-1", lease, external_ref="10077")
    (done,) = store.actions_for("OPE-1")
    assert done.state is ActionState.DONE
    assert done.external_ref == "10077"
    assert done.attempts == 2
    assert done.created == T0
    assert done.updated == T0 + timedelta(seconds=3)


def test_mark_in_flight_leaves_a_finished_action_unchanged(store: SqlStateStore) -> None:
    lease = _lease(store, "OPE-1")
    store.record_intent("act-1", "OPE-1", "label", {}, lease)
    store.mark_done("act-1", lease)
    record = store.mark_in_flight("act-1", lease)
    assert record.state is ActionState.DONE
    assert record.attempts == 0


def test_failed_action_keeps_its_error(store: SqlStateStore) -> None:
    lease = _lease(store, "OPE-1")
    store.record_intent("act-1", "OPE-1", "reroute", {"to": "SD"}, lease)
    store.mark_in_flight("act-1", lease)
    store.mark_failed("act-1", lease, "403 Forbidden (POST /request/OPE-1/move)")
    (failed,) = store.actions_for("OPE-1")
    assert failed.state is ActionState.FAILED
    assert failed.error == "403 Forbidden (POST /request/OPE-1/move)"
    assert store.unfinished_actions() == []


def test_late_failure_does_not_undo_a_done_action(store: SqlStateStore) -> None:
    lease = _lease(store, "OPE-1")
    store.record_intent("act-1", "OPE-1", "public_reply", {}, lease)
    store.mark_done("act-1", lease, "c-1")
    store.mark_failed("act-1", lease, "timeout")
    (record,) = store.actions_for("OPE-1")
    assert record.state is ActionState.DONE
    assert record.external_ref == "c-1"


def test_reconciliation_marks_done_without_a_lease(store: SqlStateStore, clock: FakeClock) -> None:
    lease = _lease(store, "OPE-1", ttl=5)
    store.record_intent("act-1", "OPE-1", "public_reply", {}, lease)
    store.mark_in_flight("act-1", lease)
    clock.advance(3600)  # the process died; its lease is long gone
    store.mark_done("act-1", None, external_ref="c-9")
    (record,) = store.actions_for("OPE-1")
    assert record.state is ActionState.DONE
    assert record.external_ref == "c-9"


def test_unknown_action_is_a_state_store_error(store: SqlStateStore) -> None:
    lease = _lease(store, "OPE-1")
    with pytest.raises(StateStoreError, match="unknown action"):
        store.mark_in_flight("nope", lease)
    with pytest.raises(StateStoreError, match="unknown action"):
        store.mark_done("nope", None)
    assert store.get_action("nope") is None


def test_unfinished_actions_lists_planned_and_in_flight_older_than_a_moment(
    store: SqlStateStore, clock: FakeClock
) -> None:
    lease = _lease(store, "OPE-1", ttl=3600)
    store.record_intent("planned-old", "OPE-1", "public_reply", {}, lease)
    store.record_intent("flight-old", "OPE-1", "internal_note", {}, lease)
    store.mark_in_flight("flight-old", lease)
    store.record_intent("done-old", "OPE-1", "label", {}, lease)
    store.mark_done("done-old", lease)
    clock.advance(600)
    store.record_intent("planned-new", "OPE-1", "transition", {}, lease)

    settle = T0 + timedelta(seconds=300)
    old = store.unfinished_actions(older_than=settle)
    assert [a.action_id for a in old] == ["flight-old", "planned-old"]
    assert {a.action_id for a in store.unfinished_actions()} == {
        "planned-old",
        "flight-old",
        "planned-new",
    }


def test_count_public_replies_since_counts_only_done_public_replies_in_the_window(
    store: SqlStateStore, clock: FakeClock
) -> None:
    lease = _lease(store, "OPE-1", ttl=7200)
    store.record_intent("reply-early", "OPE-1", "public_reply", {}, lease)
    store.mark_done("reply-early", lease)
    clock.advance(3600)
    for action_id, kind in [
        ("reply-1", "public_reply"),
        ("reply-2", "public_reply"),
        ("note-1", "internal_note"),
    ]:
        store.record_intent(action_id, "OPE-1", kind, {}, lease)
        store.mark_done(action_id, lease)
    store.record_intent("reply-pending", "OPE-1", "public_reply", {}, lease)
    store.mark_in_flight("reply-pending", lease)

    assert store.count_public_replies_since(T0 + timedelta(minutes=30)) == 2
    assert store.count_public_replies_since(T0) == 3


def test_stats_counts_actions_by_state(store: SqlStateStore) -> None:
    assert store.stats() == {"planned": 0, "in_flight": 0, "done": 0, "failed": 0}
    lease = _lease(store, "OPE-1")
    for n in range(3):
        store.record_intent(f"a{n}", "OPE-1", "label", {}, lease)
    store.mark_in_flight("a1", lease)
    store.mark_done("a2", lease)
    store.record_intent("a3", "OPE-1", "label", {}, lease)
    store.mark_failed("a3", lease, "no")
    assert store.stats() == {"planned": 1, "in_flight": 1, "done": 1, "failed": 1}


def test_payload_round_trips_nested_json_and_french_text(store: SqlStateStore) -> None:
    lease = _lease(store, "OPE-1")
    payload = {
        "faq": "certificat-expiré",
        "body": "Bonjour,\nvoici la procédure « pas à pas ».",
        "target": {"desk": "4", "request_type": 87},
        "labels": ["routerbot", "habilitation"],
        "confidence": 0.82,
        "ask": None,
    }
    store.record_intent("act-1", "OPE-1", "public_reply", payload, lease)
    record = store.get_action("act-1")
    assert record is not None
    assert record.payload == payload
    assert record.kind == "public_reply"
    assert record.key == "OPE-1"
