"""Small helpers for user-visible text."""

from __future__ import annotations


def counted(count: int, one: str, many: str) -> str:
    """Pick the singular or plural form (both already translated); the count replaces ``{n}``.

    Other ``{...}`` fields are left for the caller to fill.

    Qt's ``%n`` plurals need a compiled translation even for English; until exodesk ships
    translations, the caller passes both forms through ``tr()`` and this picks one.
    """
    return (one if count == 1 else many).replace("{n}", str(count))
