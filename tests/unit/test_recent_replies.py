"""The loop signature's memory (routerbot.planning.RecentReplies): counted over one
window, bounded by the replies of that window however long the daemon runs."""

from __future__ import annotations

from routerbot.planning import RecentReplies


def test_other_tickets_within_the_window_count_and_the_ticket_itself_does_not() -> None:
    recent = RecentReplies(window=3600)
    recent.add("sig", "T-1", at=0)
    recent.add("sig", "T-2", at=10)
    recent.add("other", "T-3", at=20)
    assert recent.others("sig", "T-3", now=30) == 2
    assert recent.others("sig", "T-1", now=30) == 1
    assert recent.others("sig", "T-2", now=3605) == 0  # T-1 left the window, T-2 is itself


def test_memory_holds_one_window_of_replies_only() -> None:
    recent = RecentReplies(window=60)
    for i in range(10_000):  # a long run of unique tickets, one reply a second
        recent.add(f"sig-{i}", f"T-{i}", at=float(i))
    assert len(recent) <= 61
    assert recent.others("sig-0", "X", now=10_000.0) == 0


def test_a_ticket_answered_again_stays_counted_from_its_last_reply() -> None:
    recent = RecentReplies(window=100)
    recent.add("sig", "T-1", at=0)
    recent.add("sig", "T-1", at=90)
    assert recent.others("sig", "T-2", now=150) == 1  # the first entry expired, not the second
