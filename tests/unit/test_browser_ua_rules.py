"""ua-parser loaded with its user-agent matchers only gives the very answers of its full
default parser, on every user agent of the browser tests."""

from __future__ import annotations

import pytest
import ua_parser
from tests.unit.test_browser import USER_AGENTS
from ua_parser import CachingResolver
from ua_parser.basic import Resolver as BasicResolver

from routerbot.engine.browser import _ua_parser


@pytest.mark.parametrize("ua", [ua for ua, _ in USER_AGENTS])
def test_user_agent_rules_alone_parse_like_the_full_rule_set(ua: str) -> None:
    assert _ua_parser().parse_user_agent(ua) == ua_parser.parse_user_agent(ua)


def test_the_os_and_device_rules_are_not_loaded() -> None:
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/122.0"
    full_os = ua_parser.parse_os(ua)
    assert full_os is not None and full_os.family == "Windows"
    assert _ua_parser().parse_os(ua) is None
    assert _ua_parser().parse_device(ua) is None


def test_the_user_agent_rules_run_on_the_pure_python_resolver() -> None:
    # the Rust regex set that ua-parser picks by default costs about 8 MiB once built:
    # the reference resolver gives the same answers (above) for less than 1 MiB
    caching = _ua_parser().resolver
    assert isinstance(caching, CachingResolver)
    assert isinstance(caching.parser, BasicResolver)
