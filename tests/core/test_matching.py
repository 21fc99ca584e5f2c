"""Duplicate detection keys and the fuzzy title threshold, pinned from both sides."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from exodesk.core.matching import (
    TITLE_SIMILARITY,
    first_match,
    fold,
    length_window,
    name_key,
    title_key,
    titles_match,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (
            "Exosomes as promising frontier approaches in future cancer therapy.",
            "EXOSOMES AS PROMISING FRONTIER APPROACHES IN FUTURE CANCER THERAPY",
        ),
        (
            "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy-Recent Findings",
            "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy\u2014Recent Findings",
        ),
        ("Exosomes & cancer: a review", "Exosomes and cancer: a review"),
        ("Exosomes in tumour progression", "Exosomes in tumor progression"),
        ("Exosomes in Stefańska's model", "Exosomes in Stefanska's model"),
    ],
)
def test_same_work_despite_case_punctuation_accents_spelling(left: str, right: str) -> None:
    assert titles_match(title_key(left), title_key(right))


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (
            "Exosomal lncRNAs in multiple myeloma in mice",
            "Exosomal lncRNAs in multiple myeloma in rats",
        ),
        ("Exosomal microRNA-21 in colorectal cancer", "Exosomal microRNA-21 in gastric cancer"),
        ("Exosomes in cancer, part I", "Exosomes in cancer, part II"),
        ("Exosome markers 2023 update", "Exosome markers 2024 update"),
        ("", "Anything"),
    ],
)
def test_different_works_stay_apart(left: str, right: str) -> None:
    assert not titles_match(title_key(left), title_key(right))


def test_threshold_is_a_percentage() -> None:
    assert 80 < TITLE_SIMILARITY < 100


def test_name_keys_fold_polish_letters() -> None:
    assert name_key("Stefańska") == "stefanska"
    assert name_key("Dzięgiel") == name_key("Dziegiel") == "dziegiel"
    assert name_key("Podhorska-Okołów") == "podhorskaokolow"


@given(st.text(max_size=200))
def test_fold_is_ascii_and_idempotent(text: str) -> None:
    folded = fold(text)
    assert folded.isascii()
    assert fold(folded) == folded


def _reference_fold(text: str) -> str:
    """``fold`` as it was first written, a character at a time: the faster one must agree."""
    import unicodedata

    from exodesk.core.matching import _FOLD, _NOT_WORD

    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    letters = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if unicodedata.category(ch) != "Mn"
    )
    ascii_text = letters.encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_WORD.sub(" ", ascii_text).strip()


_FOLD_SAMPLES = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from("&-\u2013\u2014 .,'ÅåłŁøØßæœıİé\u0301\u0327ﬁ²½Ⅳ中文Ωω\u00a0\t\n"),
    ),
    max_size=120,
)


@given(_FOLD_SAMPLES)
def test_fold_agrees_with_the_character_by_character_fold(text: str) -> None:
    assert fold(text) == _reference_fold(text)


@pytest.mark.parametrize(
    "text",
    ["", "Plain ASCII title: 2nd part", "A&B", "Café-au-lait ﬁbres ½ Ⅳ", "İstanbul ıi", "中文 ab"],
)
def test_fold_examples_agree_with_the_character_by_character_fold(text: str) -> None:
    assert fold(text) == _reference_fold(text)


_KEY_WORDS = st.lists(
    st.sampled_from(["exosome", "cancer", "in", "mice", "rats", "ii", "a", "the"])
)


@given(_KEY_WORDS, _KEY_WORDS, st.text("abcxyz ", max_size=12))
def test_titles_that_match_have_lengths_within_the_window(
    words: list[str], more: list[str], typo: str
) -> None:
    # Near titles on purpose: the words of one, some added, a few characters changed.
    left = title_key(" ".join(words))
    right = title_key(" ".join(words + more) + typo)
    for one, other in ((left, right), (right, left)):
        if titles_match(one, other):
            low, high = length_window(len(one))
            assert low <= len(other) <= high, (one, other)


def test_the_window_is_what_the_similarity_allows() -> None:
    # |a - b| <= 0.07 (a + b): 86.9-115.1 for 100, one more character each side.
    assert length_window(100) == (85, 117)
    assert length_window(1) == (1, 3)
    key = "exosomes in human carcinogenesis and cancer therapy"
    assert titles_match(key, key + " a")  # 2 characters longer: inside
    high = length_window(len(key))[1]
    assert not titles_match(key, key + " " + "x" * (high - len(key)))  # one beyond it


@given(_KEY_WORDS, st.lists(st.tuples(_KEY_WORDS, st.text("abcxyz ", max_size=6)), max_size=12))
def test_first_match_is_the_first_candidate_the_rule_accepts(
    words: list[str], others: list[tuple[list[str], str]]
) -> None:
    key = title_key(" ".join(words))
    # Near titles and far ones: the key's words with some added, some changed.
    candidates = [title_key(" ".join(words + more) + typo) for more, typo in others]
    expected = next(
        (index for index, other in enumerate(candidates) if _same_work(key, other)), None
    )
    assert first_match(key, candidates) == expected


def _same_work(left: str, right: str) -> bool:
    """The rule, one pair at a time, as the module documentation states it."""
    if not left or not right:
        return False
    if left == right:
        return True
    numbers = [
        sorted(w for w in key.split() if re.fullmatch(r"\d+|[ivxlc]+", w)) for key in (left, right)
    ]
    return fuzz.token_sort_ratio(left, right) >= TITLE_SIMILARITY and numbers[0] == numbers[1]


def test_first_match_keeps_numbered_parts_apart() -> None:
    key = title_key("Exosomes in cancer, part II")
    candidates = [title_key("Exosomes in cancer, part I"), title_key("Exosomes in cancer part II.")]
    assert first_match(key, candidates) == 1
    assert first_match(key, []) is None and first_match("", candidates) is None
