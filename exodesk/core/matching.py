"""Is this imported record a work the library already has? Keys and a fuzzy title test.

Identifiers decide first (DOI, PMID, PMCID). Without a shared identifier, two records are
the same work when they have the same year, the same first-author family name (accents and
case ignored) and titles that agree to at least ``TITLE_SIMILARITY`` on rapidfuzz's
token-sort ratio. The threshold is set so that punctuation, case, accents, a trailing
period, "&" for "and" or a dropped subtitle separator still match, while two titles that
differ by a meaningful word ("in mice" / "in rats") or by a number ("Part I" / "Part II")
do not; tests pin both sides.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import fuzz, process

#: Minimum rapidfuzz token_sort_ratio (0-100) for two titles to count as the same.
TITLE_SIMILARITY = 93.0

_NOT_WORD = re.compile(r"[^0-9a-z]+")
# NFKD does not take these apart into a base letter and a mark.
_FOLD = str.maketrans(
    {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss", "æ": "ae",
     "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i", "&": " and "}
)  # fmt: skip


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits separated by single spaces.

    Accents go (NFKD, then combining marks dropped); every other character that is not a
    letter or digit, dashes of any kind included, separates words; other letters and
    digits outside ASCII are dropped.
    """
    if text.isascii():
        # NFKD leaves ASCII alone and it holds no combining mark: what is not [0-9a-z]
        # after lower-casing separates words, which the substitution below does at once.
        return _NOT_WORD.sub(" ", text.replace("&", " and ").lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    ascii_text = _NON_ASCII.sub(_non_ascii, decomposed)
    return _NOT_WORD.sub(" ", ascii_text.lower()).strip()


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _non_ascii(match: re.Match[str]) -> str:
    return _non_ascii_char(match.group())


@lru_cache(maxsize=4096)
def _non_ascii_char(char: str) -> str:
    """What a character outside ASCII becomes: a combining mark or a letter or digit
    nothing (no ASCII form), anything else a word break."""
    if unicodedata.category(char) == "Mn" or char.isalnum():
        return ""
    return " "


def title_key(title: str) -> str:
    """The folded title's words in sorted order: what title matching compares.

    Sorting them once, when a work is stored, is what rapidfuzz's token-sort ratio would
    otherwise do for both titles of every pair it compares, and most of its cost."""
    return " ".join(sorted(fold(title).split()))


def name_key(family: str) -> str:
    return fold(family).replace(" ", "")


_NUMBERING = re.compile(r"^(?:\d+|[ivxlc]+)$")


def _numbering(key: str) -> list[str]:
    """Numbers and roman numerals: "Part I" and "Part II" are different works."""
    return sorted(word for word in key.split() if _NUMBERING.match(word))


def length_window(length: int) -> tuple[int, int]:
    """The lengths a title key may have to match one of ``length`` characters.

    Rapidfuzz's ratio of two strings of lengths ``a`` and ``b`` is at most
    ``100 * (1 - |a - b| / (a + b))``: a match needs ``|a - b| <= s * (a + b)`` with
    ``s = 1 - TITLE_SIMILARITY / 100``. A library with many works of one year and first
    author (a common family name) compares a title with the few of a near length only.
    One character wider on each side than the bound, against rounding."""
    slack = 1 - TITLE_SIMILARITY / 100
    low = math.floor(length * (1 - slack) / (1 + slack)) - 1
    high = math.ceil(length * (1 + slack) / (1 - slack)) + 1
    return max(low, 1), high


def matches(key: str, candidates: Sequence[str]) -> list[int]:
    """The indexes, ascending, of the ``candidates`` (title keys, ``title_key``) that name
    the same work as ``key``: agreeing to ``TITLE_SIMILARITY`` with the same numbers in it.

    Title keys hold their words sorted, so rapidfuzz's plain ratio of two keys is the
    token-sort ratio of the titles. The ratios are computed in C over the whole list
    (``process.extract``): a library holds many works of one year and first author when
    the name is common, and a Python call per candidate cost more than the comparisons."""
    if not key or not candidates:
        return []
    hits = process.extract(
        key, candidates, scorer=fuzz.ratio, score_cutoff=TITLE_SIMILARITY, limit=None
    )
    numbering = _numbering(key)
    return sorted(index for choice, _score, index in hits if _numbering(choice) == numbering)
