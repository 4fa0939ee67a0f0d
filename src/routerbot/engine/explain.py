"""A decision, explained: a checklist for people and a JSON object for machines.

``render_checklist`` prints the signals the engine looked at (``[x]`` fired, ``[ ]``
missing, with their weights), the actions and the reason, in the style of a pull
request's merge conditions. ``render_note`` is the short internal note the bot leaves
for agents. ``decision_to_json`` is the stable JSON form (``triage --json``, logs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from routerbot.domain import (
    Action,
    AddLabel,
    Decision,
    Explanation,
    FaqCandidate,
    InternalNote,
    PublicReply,
    Reroute,
    Transition,
)


def describe_action(action: Action) -> str:
    if isinstance(action, PublicReply):
        what = f"FAQ {action.faq_id}" if action.faq_id else "message"
        return f"public reply ({action.purpose}): {what}"
    if isinstance(action, InternalNote):
        return f"internal note ({action.purpose})"
    if isinstance(action, Reroute):
        how = "move to service desk" if action.moves_desk else "change request type"
        return f"reroute {action.source} → {action.target} ({how})"
    if isinstance(action, Transition):
        return f"transition to {action.to}"
    if isinstance(action, AddLabel):
        return f"add label {action.label}"
    raise TypeError(f"unknown action {action!r}")  # pragma: no cover - closed set


def render_checklist(decision: Decision) -> str:
    d = decision
    lines = [f"# {d.key}"]
    cat = d.category.value if d.category else "?"
    pop = d.population.value if d.population else "?"
    lines.append(f"category: {cat} ({d.category_confidence:.2f}) → {d.target or '?'}")
    lines.append(f"population: {pop}")
    if d.browser is not None:
        lines.append(f"browser: {d.browser}")
    if d.login_failure:
        lines.append("login failure: yes" + (" — asking for the browser" if d.ask_browser else ""))
    if d.candidates:
        cands = ", ".join(f"{fid} {score:.2f}" for fid, score in d.candidates[:5])
        lines.append(f"FAQ candidates: {cands}")
    lines.extend(_explanation_lines(d.explanation))
    lines.append("")
    lines.append("signals:")
    for s in d.signals:
        mark = "x" if s.fired else " "
        weight = f" ({s.weight:+.2f})" if s.weight else ""
        detail = f": {s.detail}" if s.detail else ""
        lines.append(f"- [{mark}] {s.name}{detail}{weight}")
    lines.append("")
    if d.skipped:
        lines.append(f"skipped: {d.skip_reason}")
    else:
        lines.append("actions:")
        lines.extend(f"- {describe_action(a)}" for a in d.actions)
        if not d.actions:
            lines.append("- (none)")
    lines.append(f"reason: {d.reason}")
    return "\n".join(lines) + "\n"


def _explanation_lines(e: Explanation) -> list[str]:
    lines: list[str] = []
    if e.faq_candidates:
        lines.append("closest examples:")
        for rank, c in enumerate(e.faq_candidates[:3]):
            tag = " (runner-up)" if rank == 1 else ""
            why = f", {c.blocked}" if c.blocked else ""
            why += "" if c.eligible else ", not for this population"
            lines.append(f"- {c.faq_id} {c.confidence:.2f}{tag}{why}")
            lines.extend(f"    {n.score:.2f}  {n.text}" for n in c.nearest_examples)
    if e.unanswered is not None:
        lines.append("held back by a question the FAQ does not answer:")
        lines.append(f"    {e.unanswered.score:.2f}  {e.unanswered.text}")
    if e.category_examples:
        lines.append("closest category examples:")
        lines.extend(f"- {n.entry_id} {n.score:.2f}  {n.text}" for n in e.category_examples)
    return lines


#: How the bot's note gives its reason, and says it moved the ticket ("- Raison : reroute
#: 3/84 → 3/86 …", "- Raison : a new question after the bot's answer: reroute …"): what
#: :func:`moved_by_the_bot` looks for.
_REASON_LINE = "- Raison : "
_MOVED = re.compile("^" + re.escape(_REASON_LINE) + r".*\breroute \S+ → ", re.MULTILINE)


def moved_by_the_bot(note: str) -> bool:
    """This internal note of the bot's says it moved the ticket."""
    return _MOVED.search(note) is not None


def render_note(
    decision: Decision, candidates: Sequence[tuple[str, float]], *, reason: str | None = None
) -> str:
    """The internal note for agents: the bot's reading in a few lines (with ``reason``
    instead of the decision's own, when given)."""
    d = decision
    reason = d.reason if reason is None else reason
    cat = d.category.value if d.category else "?"
    lines = [
        "[routerbot] Analyse automatique",
        f"- Catégorie : {cat} (confiance {d.category_confidence:.2f}) → {d.target or '?'}",
        f"- Population : {d.population.value if d.population else '?'}",
    ]
    if d.browser is not None:
        lines.append(f"- Navigateur : {d.browser}")
    if candidates:
        cands = ", ".join(f"{fid} ({score:.2f})" for fid, score in candidates)
        lines.append(f"- FAQ possibles : {cands}")
        closest = {c.faq_id: c for c in d.explanation.faq_candidates}
        for fid, _score in candidates:
            c = closest.get(fid)
            if c is not None and c.nearest_examples:
                n = c.nearest_examples[0]
                lines.append(f"  - {fid} : exemple le plus proche « {n.text} » ({n.score:.2f})")
    if d.explanation.unanswered is not None:
        n = d.explanation.unanswered
        lines.append(f"- Question hors FAQ la plus proche : « {n.text} » ({n.score:.2f})")
    if reason:
        lines.append(f"{_REASON_LINE}{reason}")
    return "\n".join(lines)


def _action_json(action: Action) -> dict[str, Any]:
    if isinstance(action, PublicReply):
        return {
            "type": "public_reply",
            "faq_id": action.faq_id,
            "purpose": action.purpose,
            "body": action.body,
        }
    if isinstance(action, InternalNote):
        return {"type": "internal_note", "purpose": action.purpose, "body": action.body}
    if isinstance(action, Reroute):
        return {
            "type": "reroute",
            "source": str(action.source),
            "target": str(action.target),
            "moves_desk": action.moves_desk,
        }
    if isinstance(action, Transition):
        return {"type": "transition", "to": action.to}
    if isinstance(action, AddLabel):
        return {"type": "add_label", "label": action.label}
    raise TypeError(f"unknown action {action!r}")  # pragma: no cover - closed set


def _explanation_json(e: Explanation) -> dict[str, Any]:
    def cand(c: FaqCandidate) -> dict[str, Any]:
        return {
            "faq_id": c.faq_id,
            "confidence": round(c.confidence, 3),
            "eligible": c.eligible,
            "blocked": c.blocked,
            "nearest_examples": [
                {"entry_id": n.entry_id, "text": n.text, "score": round(n.score, 3)}
                for n in c.nearest_examples
            ],
        }

    return {
        "faq_candidates": [cand(c) for c in e.faq_candidates],
        "runner_up": cand(e.runner_up) if e.runner_up else None,
        "category_examples": [
            {"entry_id": n.entry_id, "text": n.text, "score": round(n.score, 3)}
            for n in e.category_examples
        ],
        "unanswered": (
            {"text": e.unanswered.text, "score": round(e.unanswered.score, 3)}
            if e.unanswered
            else None
        ),
    }


def decision_to_json(decision: Decision) -> dict[str, Any]:
    d = decision
    return {
        "key": d.key,
        "category": d.category.value if d.category else None,
        "category_confidence": d.category_confidence,
        "population": d.population.value if d.population else None,
        "target": str(d.target) if d.target else None,
        "reroute_to": str(d.reroute.target) if d.reroute else None,
        "faq_id": d.faq_id,
        "faq_confidence": d.faq_confidence,
        "reply_faq": d.reply_faq,
        "browser": ({"name": d.browser.name, "version": d.browser.version} if d.browser else None),
        "ask_browser": d.ask_browser,
        "login_failure": d.login_failure,
        "skip_reason": d.skip_reason,
        "reason": d.reason,
        "trigger_id": d.trigger_id,
        "candidates": [{"faq_id": f, "confidence": c} for f, c in d.candidates],
        "explanation": _explanation_json(d.explanation),
        "actions": [_action_json(a) for a in d.actions],
        "signals": [
            {"name": s.name, "fired": s.fired, "detail": s.detail, "weight": s.weight}
            for s in d.signals
        ],
    }
