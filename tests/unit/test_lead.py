"""The support lead's tooling, as pure functions over domain values (routerbot.lead)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from routerbot.config import RoutingConfig, load_config, parse_config
from routerbot.domain import (
    AuthorRole,
    Category,
    Comment,
    Decision,
    InternalNote,
    LocationChange,
    Population,
    PublicReply,
    Reroute,
    Target,
    Ticket,
    TicketHistory,
)
from routerbot.jsm.wire import location_changes
from routerbot.lead.compare import DecisionChange, DecisionSummary, compare_configs, render_changes
from routerbot.lead.export import as_filed, export_row, label_history, who_did
from routerbot.lead.recognise import FaqRecogniser
from routerbot.lead.undo import (
    UNDO_METRIC,
    UndoTracker,
    detect_undos,
    merge_scans,
    render_undo_report,
    undo_counter,
    undo_rates,
)
from routerbot.lead.warnings import config_warnings

#: the entries of the small routing file below (the shipped file's ids)
FAQ_IDS = (
    "role-admin-local",
    "procedure-habilitation",
    "modeles-en-ligne",
    "habiliter-collegue",
    "connexion-impossible",
    "creer-mon-compte",
    "gestion-utilisateurs",
    "telecharger-modele",
    "nous-contacter",
    "agrement-vs-certificat",
)
ANSWERS = {
    "connexion-impossible": (
        "Videz les caches de votre navigateur et essayez Chrome ou Firefox, les navigateurs "
        "recommandés. Si cela ne fonctionne toujours pas, utilisez le formulaire {form_link} "
        "en précisant votre navigateur et sa version."
    ),
    "telecharger-modele": (
        "Cliquez sur le bouton télécharger les documents en haut à droite de l'écran : le "
        "modèle PDF se remplit à mesure que vous complétez le formulaire."
    ),
    "creer-mon-compte": (
        "Créez votre compte personnel sur moncompte.agriculture.gouv.fr, il vous permettra "
        "ensuite de demander vos habilitations."
    ),
}


def routing_toml(*, assistance_example: str = '"mot de passe perdu"', extra: str = "") -> str:
    faq = "\n".join(
        f'[faq.{fid}]\nquestion = "Question {fid} ?"\n'
        f'answer = """{ANSWERS.get(fid, "Réponse détaillée numéro " + fid + " pour vous.")}"""\n'
        + (
            'examples = ["comment telecharger le modele", "ou recuperer le pdf du modele"]\n'
            if fid == "telecharger-modele"
            else ""
        )
        for fid in FAQ_IDS
    )
    return f"""
version = 1
[categories.habilitation]
target = "3/84"
examples = ["demande habilitation", "voici le formulaire habilitation rempli"]
[categories.assistance_operateur]
target = "3/86"
examples = [{assistance_example}, "certificat bloque en brouillon"]
[categories.assistance_sd]
target = "4/87"
[links.operateur]
form_link = "https://example.org/portal/3/create/86"
contact_link = "https://example.org/portal/3"
habilitation_link = "https://example.org/portal/3/create/84"
[links.services_deconcentres]
form_link = "https://example.org/portal/4/create/87"
contact_link = "https://example.org/portal/4"
habilitation_link = "https://example.org/portal/3/create/84"
[conversation]
ask_message = "Quel navigateur et quelle version utilisez-vous ? (réf. routerbot/navigateur)"
ask_again_message = "Il nous manque la version du navigateur (réf. routerbot/navigateur)"
reminder_message = "Avez-vous pu retrouver votre navigateur ?"
{faq}
{extra}
"""


@pytest.fixture(scope="module")
def config() -> RoutingConfig:
    return parse_config(routing_toml(), source="test.toml")


NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def ticket(
    key: str = "SUP-1", location: str = "3/86", comments: tuple[Comment, ...] = ()
) -> Ticket:
    target = Target.parse(location)
    return Ticket(
        key=key,
        service_desk=target.service_desk,
        request_type=target.request_type,
        summary="Modèle de certificat",
        description="Bonjour, comment télécharger le modèle du certificat ?",
        comments=comments,
    )


def comment(n: int, role: AuthorRole, body: str, *, public: bool = True) -> Comment:
    return Comment(id=str(n), author=role, body=body, public=public, created=at(n))


BOT = "bot-account"
AGENT = "agent-account"


# --------------------------------------------------------------------------- comparison


def fake_decide(ticket: Ticket, config: RoutingConfig) -> Decision:
    """A stand-in engine: reroutes to habilitation when the config's habilitation
    examples mention "formulaire" and the ticket says it; answers FAQ otherwise."""
    wants_hab = any("formulaire" in p for p in config.categories[Category.HABILITATION].examples)
    if wants_hab and "formulaire" in ticket.description:
        target = config.target_for(Category.HABILITATION)
        return Decision(
            key=ticket.key,
            category=Category.HABILITATION,
            category_confidence=0.9,
            population=None,
            target=target,
            actions=(Reroute(ticket.location, target), InternalNote("moved")),
        )
    return Decision(
        key=ticket.key,
        category=Category.ASSISTANCE_OPERATEUR,
        category_confidence=0.8,
        population=None,
        target=ticket.location,
        actions=(PublicReply("…", faq_id="telecharger-modele"),),
        faq_id="telecharger-modele",
    )


def test_compare_configs_lists_only_tickets_whose_decision_changes(config: RoutingConfig) -> None:
    old = config.model_copy(
        update={
            "categories": {
                **config.categories,
                Category.HABILITATION: config.categories[Category.HABILITATION].model_copy(
                    update={"examples": ("demande habilitation",)}
                ),
            }
        }
    )
    moved = Ticket("SUP-7", "3", "86", "Envoi", "Voici le formulaire rempli")
    same = Ticket("SUP-8", "3", "86", "Modèle", "comment télécharger le modèle ?")
    changes = compare_configs([moved, same], old, config, decide=fake_decide)
    assert [c.key for c in changes] == ["SUP-7"]
    change = changes[0]
    assert change.old == DecisionSummary(
        "assistance_operateur", None, "telecharger-modele", False, True
    )
    assert change.new == DecisionSummary("habilitation", "3/84", None, False, False)
    assert change.changed == ("category", "reroute", "faq", "auto_reply")


def test_render_changes_shows_both_decisions_side_by_side_and_marks_changes() -> None:
    old = DecisionSummary("assistance_operateur", None, "telecharger-modele", False, True)
    new = DecisionSummary("habilitation", "3/84", None, False, False)
    text = render_changes([DecisionChange("SUP-7", old, new)], total=12)
    assert text.startswith("1 of 12 tickets change decision (old → new)")
    lines = text.splitlines()
    category_line = next(line for line in lines if "category" in line and "*" in line)
    assert "assistance_operateur" in category_line and "habilitation" in category_line
    ask_line = next(line for line in lines if "ask_browser" in line)
    assert "*" not in ask_line
    assert "changed fields: auto_reply 1, category 1, faq 1, reroute 1" in text


def test_render_changes_says_when_nothing_changes() -> None:
    assert render_changes([], total=5) == "0 of 5 tickets change decision (old → new)\n"


# --------------------------------------------------------------------------- config warnings


def test_config_warnings_flag_an_example_closer_to_the_other_category() -> None:
    cfg = parse_config(routing_toml(assistance_example='"voici le formulaire habilitation"'))
    conflicts = [w for w in config_warnings(cfg) if w.startswith("conflict:")]
    assert any(
        "categories → assistance_operateur → examples[0] 'voici le formulaire habilitation' "
        "is closer to habilitation" in w
        for w in conflicts
    )


def test_config_warnings_have_no_conflict_for_distinct_categories(config: RoutingConfig) -> None:
    assert not [w for w in config_warnings(config) if w.startswith("conflict:")]


def test_config_warnings_ask_for_more_examples(config: RoutingConfig) -> None:
    warnings = config_warnings(config)
    assert "faq → telecharger-modele → examples: 2 example(s), teach it with at least 15" in (
        warnings
    )


def test_config_warnings_list_entries_closest_to_no_ticket(config: RoutingConfig) -> None:
    tickets = [
        Ticket("T-1", "3", "86", "Modèle", "Où récupérer le PDF du modèle ?"),
        Ticket("T-2", "3", "84", "Habilitation", "Voici ma demande d'habilitation"),
    ]
    silent = [w for w in config_warnings(config, tickets) if w.startswith("never closest")]
    assert not any("telecharger-modele" in w for w in silent)
    assert any(
        "faq → nous-contacter is the closest entry for none of 2 tickets" in w for w in silent
    )


# --------------------------------------------------------------------------- changelog


def test_location_changes_read_request_type_and_desk_from_the_changelog() -> None:
    log = [
        {
            "created": "2026-01-05T09:10:00.000+0000",
            "author": {"accountId": AGENT},
            "items": [{"field": "status", "fieldId": "status", "from": "1", "to": "2"}],
        },
        {
            "created": "2026-01-05T09:05:00.000+0000",
            "author": {"accountId": BOT},
            "items": [
                {"field": "project", "fieldId": "project", "from": "10003", "to": "10004"},
                {"field": "Key", "fieldId": "issuekey", "fromString": "A-1", "toString": "B-1"},
                {
                    "field": "Customer Request Type",
                    "fieldId": "customfield_10010",
                    "from": "86",
                    "to": None,
                },
            ],
        },
        {
            "created": "2026-01-05T09:06:00.000+0000",
            "author": {"accountId": BOT},
            "items": [
                {
                    "field": "Customer Request Type",
                    "fieldId": "customfield_10010",
                    "from": None,
                    "to": "87",
                }
            ],
        },
    ]
    changes = location_changes(
        log, request_type_field="customfield_10010", desk_by_project_id={"10003": "3", "10004": "4"}
    )
    assert changes == (
        LocationChange(at(5), BOT, "3", "4", "86", ""),
        LocationChange(at(6), BOT, None, None, "", "87"),
    )
    history = TicketHistory(ticket("B-1", "4/87"), changes, BOT)
    assert history.original == Target("3", "86")
    assert history.location_at(at(5) + timedelta(seconds=30)) == Target("4", "")


# --------------------------------------------------------------------------- labelling


def test_label_history_takes_the_final_request_type_and_the_last_faq_answered(
    config: RoutingConfig,
) -> None:
    reply = config.render(config.faq["telecharger-modele"].answer, None)
    history = TicketHistory(
        ticket(
            "SUP-2",
            "3/86",
            comments=(
                comment(1, AuthorRole.CUSTOMER, "Alors ?"),
                comment(2, AuthorRole.AGENT, "Bonjour, " + reply + " Cordialement"),
                comment(3, AuthorRole.AGENT, "note interne", public=False),
            ),
        ),
        (LocationChange(at(0), AGENT, None, None, "84", "86"),),
        BOT,
    )
    expected = label_history(history, config)
    assert expected == {
        "category": "assistance_operateur",
        "faq": "telecharger-modele",
        "ask_browser": False,
        "browser": None,
        "reroute_to": "3/86",
        "auto_reply": True,
    }


def test_label_history_has_no_reroute_nor_faq_when_agents_kept_and_wrote_freely(
    config: RoutingConfig,
) -> None:
    history = TicketHistory(
        ticket(
            "SUP-3", "3/84", comments=(comment(2, AuthorRole.AGENT, "Dossier transmis à la DD."),)
        ),
    )
    expected = label_history(history, config)
    assert expected["category"] == "habilitation"
    assert expected["reroute_to"] is None
    assert expected["faq"] is None
    assert expected["auto_reply"] is False


def test_label_history_credits_no_faq_when_an_agent_corrected_it(config: RoutingConfig) -> None:
    reply = config.render(config.faq["telecharger-modele"].answer, None)
    corrected = (
        comment(1, AuthorRole.BOT, reply),
        comment(2, AuthorRole.AGENT, "Pardon, ce modèle n'est pas en ligne."),
    )
    thanked = (
        comment(1, AuthorRole.BOT, reply),
        comment(2, AuthorRole.CUSTOMER, "Merci !"),
        comment(3, AuthorRole.AGENT, "Avec plaisir."),
    )
    assert label_history(TicketHistory(ticket(comments=corrected)), config)["faq"] is None
    assert (
        label_history(TicketHistory(ticket(comments=thanked)), config)["faq"]
        == "telecharger-modele"
    )


def test_label_history_reads_the_browser_the_customer_states_in_the_exported_text(
    config: RoutingConfig,
) -> None:
    history = TicketHistory(
        ticket(
            comments=(
                comment(1, AuthorRole.CUSTOMER, "J'utilise Firefox 115."),
                comment(2, AuthorRole.BOT, config.conversation.ask_message),
                comment(3, AuthorRole.CUSTOMER, "Finalement c'est Chrome 120"),
            )
        )
    )
    assert label_history(history, config)["browser"] == {"name": "firefox", "version": "115"}
    assert label_history(TicketHistory(ticket()), config)["browser"] is None


def test_label_history_sees_a_browser_question(config: RoutingConfig) -> None:
    ask = config.conversation.ask_message
    history = TicketHistory(ticket("SUP-4", comments=(comment(1, AuthorRole.BOT, ask),)))
    expected = label_history(history, config)
    assert expected["ask_browser"] is True
    assert expected["faq"] == "connexion-impossible"
    assert expected["auto_reply"] is True


def test_label_history_reads_the_bots_earlier_question_without_its_marker(
    config: RoutingConfig,
) -> None:
    # an older bot version's question: no marker, no question mark
    older = (
        "Bonjour,\n\nVidez le cache de votre navigateur et essayez avec un autre navigateur.\n"
        "Si le problème persiste, indiquez-nous le navigateur que vous utilisez et sa version."
    )
    history = TicketHistory(ticket("SUP-6", comments=(comment(1, AuthorRole.BOT, older),)))
    expected = label_history(history, config)
    assert (expected["ask_browser"], expected["faq"]) == (True, "connexion-impossible")


def test_label_history_does_not_read_a_faq_answer_mentioning_the_browser_as_a_question(
    config: RoutingConfig,
) -> None:
    answer = config.render(config.faq["connexion-impossible"].answer, None)
    history = TicketHistory(ticket("SUP-7", comments=(comment(1, AuthorRole.BOT, answer),)))
    expected = label_history(history, config)
    assert (expected["ask_browser"], expected["faq"]) == (False, "connexion-impossible")


def test_who_did_tells_the_bots_moves_from_the_agents(config: RoutingConfig) -> None:
    history = TicketHistory(
        ticket(
            "SUP-8",
            "3/84",
            comments=(
                comment(1, AuthorRole.BOT, "Votre demande a été transférée"),
                comment(2, AuthorRole.AGENT, "note", public=False),
            ),
        ),
        (
            LocationChange(at(1), BOT, None, None, "86", "87"),
            LocationChange(at(2), AGENT, None, None, "87", "84"),
        ),
        BOT,
    )
    assert who_did(history) == {"moved_by": ["bot", "agent"], "answered_by": ["bot"]}
    assert export_row(history, config)["history"] == who_did(history)
    assert who_did(TicketHistory(ticket("SUP-9"), bot_account_id=BOT)) == {
        "moved_by": [],
        "answered_by": [],
    }


def test_export_row_is_the_ticket_as_filed_with_its_label(config: RoutingConfig) -> None:
    history = TicketHistory(
        ticket(
            "SUP-5",
            "4/87",
            comments=(
                comment(1, AuthorRole.CUSTOMER, "Je précise : je suis agent DDPP"),
                comment(2, AuthorRole.BOT, "Votre demande a été transférée"),
                comment(3, AuthorRole.CUSTOMER, "merci"),
            ),
        ),
        (LocationChange(at(1), BOT, "3", "4", "86", "87"),),
        BOT,
    )
    row = export_row(history, config)
    assert (row["service_desk"], row["request_type"]) == ("3", "86")
    assert row["comments"] == [{"author": "customer", "body": "Je précise : je suis agent DDPP"}]
    assert row["expected"]["category"] == "assistance_sd"
    assert row["expected"]["reroute_to"] == "4/87"
    assert as_filed(history).location == Target("3", "86")


def test_faq_recogniser_needs_most_of_the_answer_words(config: RoutingConfig) -> None:
    rec = FaqRecogniser(config)
    full = config.render(config.faq["creer-mon-compte"].answer, None)
    assert rec.faq_of(full) == "creer-mon-compte"
    assert rec.faq_of("Créez votre compte.") is None


# --------------------------------------------------------------------------- undo detection


def test_detects_an_agent_moving_a_bot_reroute_elsewhere(config: RoutingConfig) -> None:
    history = TicketHistory(
        ticket("SUP-9", "3/84"),
        (
            LocationChange(at(1), BOT, None, None, "84", "86"),
            LocationChange(at(30), AGENT, None, None, "86", "84"),
        ),
        BOT,
    )
    scan = detect_undos(history, config)
    assert [(a.kind, a.category) for a in scan.actions] == [("reroute", "assistance_operateur")]
    assert [(u.kind, u.category, u.at) for u in scan.undos] == [
        ("reroute_reverted", "assistance_operateur", at(30))
    ]


def test_a_bot_move_across_desks_counts_once_and_stands_when_agents_leave_it(
    config: RoutingConfig,
) -> None:
    history = TicketHistory(
        ticket("SUP-10", "4/87"),
        (
            LocationChange(at(1), BOT, "3", "4", "86", ""),
            LocationChange(at(1), BOT, None, None, "", "87"),
        ),
        BOT,
    )
    scan = detect_undos(history, config)
    assert [(a.kind, a.category) for a in scan.actions] == [("reroute", "assistance_sd")]
    assert scan.undos == ()


def test_an_agent_reroute_without_a_bot_reroute_is_not_an_undo(config: RoutingConfig) -> None:
    history = TicketHistory(
        ticket("SUP-11", "3/84"), (LocationChange(at(1), AGENT, None, None, "86", "84"),), BOT
    )
    assert detect_undos(history, config).actions == ()
    assert detect_undos(history, config).undos == ()


def test_detects_an_agent_public_correction_after_a_bot_reply(config: RoutingConfig) -> None:
    reply = config.render(config.faq["telecharger-modele"].answer, None)
    history = TicketHistory(
        ticket(
            "SUP-12",
            "3/86",
            comments=(
                comment(1, AuthorRole.BOT, reply),
                comment(2, AuthorRole.AGENT, "à vérifier", public=False),
                comment(3, AuthorRole.AGENT, "Pardon, ce modèle n'est pas encore en ligne."),
            ),
        ),
        bot_account_id=BOT,
    )
    scan = detect_undos(history, config)
    assert [(u.kind, u.category, u.faq, u.at) for u in scan.undos] == [
        ("reply_corrected", "assistance_operateur", "telecharger-modele", at(3))
    ]


def test_an_agent_public_reply_after_the_bots_own_triage_note_is_a_correction(
    config: RoutingConfig,
) -> None:
    reply = config.render(config.faq["telecharger-modele"].answer, None)
    history = TicketHistory(
        ticket(
            "SUP-14",
            "3/86",
            comments=(
                comment(1, AuthorRole.BOT, reply),
                comment(
                    2, AuthorRole.BOT, "routerbot: FAQ telecharger-modele (0.92)", public=False
                ),
                comment(3, AuthorRole.AGENT, "vu", public=False),
                comment(4, AuthorRole.AGENT, "Pardon, ce modèle n'est pas encore en ligne."),
            ),
        ),
        bot_account_id=BOT,
    )
    scan = detect_undos(history, config)
    assert [(u.kind, u.faq, u.at) for u in scan.undos] == [
        ("reply_corrected", "telecharger-modele", at(4))
    ]


def test_a_second_bot_reply_closes_the_first_replys_correction_window(
    config: RoutingConfig,
) -> None:
    reply = config.render(config.faq["telecharger-modele"].answer, None)
    history = TicketHistory(
        ticket(
            "SUP-15",
            "3/86",
            comments=(
                comment(1, AuthorRole.BOT, config.conversation.ask_message),
                comment(2, AuthorRole.BOT, reply),
                comment(3, AuthorRole.AGENT, "Pardon, ce modèle n'est pas encore en ligne."),
            ),
        ),
        bot_account_id=BOT,
    )
    scan = detect_undos(history, config)
    assert len(scan.actions) == 2
    assert [(u.faq, u.at) for u in scan.undos] == [("telecharger-modele", at(3))]


def test_an_agent_answering_the_customer_after_a_bot_reply_is_not_a_correction(
    config: RoutingConfig,
) -> None:
    history = TicketHistory(
        ticket(
            "SUP-13",
            comments=(
                comment(1, AuthorRole.BOT, config.conversation.ask_message),
                comment(2, AuthorRole.CUSTOMER, "Firefox 115"),
                comment(3, AuthorRole.AGENT, "Merci, nous regardons."),
            ),
        ),
        bot_account_id=BOT,
    )
    scan = detect_undos(history, config)
    assert len(scan.actions) == 1
    assert scan.undos == ()


def test_undo_rates_are_per_kind_category_and_faq(config: RoutingConfig) -> None:
    reply = config.render(config.faq["telecharger-modele"].answer, None)
    corrected = TicketHistory(
        ticket(
            "A-1",
            comments=(comment(1, AuthorRole.BOT, reply), comment(2, AuthorRole.AGENT, "Non.")),
        ),
        bot_account_id=BOT,
    )
    kept = TicketHistory(
        ticket("A-2", comments=(comment(1, AuthorRole.BOT, reply),)), bot_account_id=BOT
    )
    scan = merge_scans(detect_undos(h, config) for h in (corrected, kept, kept))
    rates = undo_rates(scan)
    assert [(r.kind, r.category, r.faq, r.undone, r.actions) for r in rates] == [
        ("reply_corrected", "assistance_operateur", "telecharger-modele", 1, 3)
    ]
    assert rates[0].rate == pytest.approx(1 / 3)
    report = render_undo_report(scan, tickets=3)
    assert report.startswith("3 tickets read, 3 bot actions, 1 undone by agents (33.3%)")
    assert "A-1  reply_corrected" in report


def test_undo_tracker_counts_each_undo_once_and_ignores_older_ones(config: RoutingConfig) -> None:
    registry = CollectorRegistry()
    counter = undo_counter(registry)
    tracker = UndoTracker(counter, config, since=at(10))
    old_undo = TicketHistory(
        ticket("U-1", "3/84"),
        (
            LocationChange(at(1), BOT, None, None, "84", "86"),
            LocationChange(at(5), AGENT, None, None, "86", "84"),
        ),
        BOT,
    )
    new_undo = TicketHistory(
        ticket("U-2", "3/84"),
        (
            LocationChange(at(11), BOT, None, None, "84", "86"),
            LocationChange(at(20), AGENT, None, None, "86", "84"),
        ),
        BOT,
    )
    assert tracker.observe(old_undo) == []
    assert len(tracker.observe(new_undo)) == 1
    assert tracker.observe(new_undo) == []
    labels = {"kind": "reroute_reverted", "category": "assistance_operateur", "faq": "-"}
    assert registry.get_sample_value(UNDO_METRIC, labels) == 1.0


def test_every_shipped_faq_answer_is_recognised_as_itself() -> None:
    shipped = Path(__file__).resolve().parents[2] / "config" / "routing.toml"
    cfg = load_config(shipped)
    rec = FaqRecogniser(cfg)
    found = {
        (fid, pop): rec.faq_of(cfg.render(entry.answer, pop))
        for fid, entry in cfg.faq.items()
        for pop in Population
    }
    assert {k: v for k, v in found.items() if v != k[0]} == {}
    assert rec.faq_of(cfg.conversation.ask_message) is None
