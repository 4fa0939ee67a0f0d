"""The daemon's allocator settings (routerbot.malloc)."""

from __future__ import annotations

import subprocess
import sys

from routerbot import malloc


def test_both_settings_are_applied_unless_the_environment_sets_one() -> None:
    calls: list[tuple[int, int]] = []

    def mallopt(param: int, value: int) -> int:
        calls.append((param, value))
        return 1

    done = malloc.tune({}, mallopt)
    assert calls == [(malloc.M_ARENA_MAX, 2), (malloc.M_MMAP_THRESHOLD, 128 * 1024)]
    assert done == {"MALLOC_ARENA_MAX": 2, "MALLOC_MMAP_THRESHOLD_": 131072}
    calls.clear()
    assert malloc.tune({"MALLOC_ARENA_MAX": "4"}, mallopt) == {"MALLOC_MMAP_THRESHOLD_": 131072}
    assert calls == [(malloc.M_MMAP_THRESHOLD, 128 * 1024)]


def test_a_refused_setting_is_not_reported() -> None:
    assert malloc.tune({}, lambda param, value: 0) == {}


def test_on_this_machine_glibc_takes_them_and_the_process_still_allocates() -> None:
    code = (
        "from routerbot import malloc\n"
        "print(sorted(malloc.tune({})))\n"
        "blocks = [bytearray(300_000) for _ in range(50)]\n"
        "print(len(blocks))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split("\n")
    if malloc._glibc_mallopt() is not None:  # glibc: both applied
        assert out[0] == "['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']"
    else:
        assert out[0] == "[]"
    assert out[1] == "50"


def test_trim_gives_free_pages_back_and_is_harmless_anywhere() -> None:
    code = (
        "import re\n"
        "from routerbot import malloc\n"
        "malloc.tune({})\n"
        "def rss():\n"
        "    text = open('/proc/self/status').read()\n"
        "    return int(re.search(r'VmRSS:\\s+(\\d+)', text).group(1))\n"
        "keep, scrap = [], []\n"
        "for i in range(20000):\n"
        "    (keep if i % 50 == 0 else scrap).append(bytearray(2048))\n"
        "del scrap\n"
        "before = rss()\n"
        "malloc.trim(); malloc.trim()\n"
        "print(before, rss(), len(keep))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    before, after, kept = (int(x) for x in out)
    assert kept == 400
    if malloc._glibc_mallopt() is not None:  # glibc: the freed middle of the heap goes back
        assert after < before - 10_000  # KiB: most of the 40 MB freed around the kept blocks
    else:
        assert after <= before + 1_000
