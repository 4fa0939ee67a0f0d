# ruff: noqa: E501 - pytest node ids, one a line
"""Phrasings the example engine still misses (issue 9): known, listed, and failing the
suite the day they pass (strict xfail), so that the list only shrinks.

Keys are ``file::test[parameter values]`` as written (see ``miss_key`` in conftest.py),
not pytest node ids, which change with the pytest version.

Each is a question written for the old phrase rules; the fix is an example a support
lead would write (``routerbot teach``) or a better index, never a rule for one line.
"""

from __future__ import annotations

KNOWN_MISSES: frozenset[str] = frozenset(
    {
        "tests/unit/test_engine_faq_recall.py::test_question_in_new_words_gets_its_answer[Je suis administrateur local de notre entreprise mais je ne vois nulle part le module Certificats, seulement l'écran de gestion. Que faire ?-role-admin-local]",
        "tests/unit/test_engine_faq_recall.py::test_support_in_a_sentence_is_not_an_assistant_colleague",
        "tests/unit/test_engine_faq_scope.py::test_more_new_phrasings_get_their_answer[Qu'est-ce qu'on doit faire pour avoir l'habilitation Certificats ?-procedure-habilitation]",
    }
)
