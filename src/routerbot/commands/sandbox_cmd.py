"""Placeholder: the owner of this command replaces it."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    """Register nothing yet."""
