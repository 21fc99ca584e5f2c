"""Duplicate detection keys and the fuzzy title threshold, pinned from both sides."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from exodesk.core.matching import (
    TITLE_SIMILARITY,
    fold,
    length_window,
    matches,
    name_key,
    title_key,
)


def _keys_match(left_key: str, right_key: str) -> bool:
    """Whether ``matches`` takes the one candidate ``right_key`` for ``left_key``."""
    return matches(left_key, [right_key]) == [0]


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
    assert _keys_match(title_key(left), title_key(right))


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
    assert not _keys_match(title_key(left), title_key(right))


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
        if _keys_match(one, other):
            low, high = length_window(len(one))
            assert low <= len(other) <= high, (one, other)


def test_the_window_is_what_the_similarity_allows() -> None:
    # |a - b| <= 0.07 (a + b): 86.9-115.1 for 100, one more character each side.
    assert length_window(100) == (85, 117)
    assert length_window(1) == (1, 3)
    key = "exosomes in human carcinogenesis and cancer therapy"
    assert _keys_match(key, key + " a")  # 2 characters longer: inside
    high = length_window(len(key))[1]
    assert not _keys_match(key, key + " " + "x" * (high - len(key)))  # one beyond it


@given(_KEY_WORDS, st.lists(st.tuples(_KEY_WORDS, st.text("abcxyz ", max_size=6)), max_size=12))
def test_matches_are_the_candidates_the_rule_accepts(
    words: list[str], others: list[tuple[list[str], str]]
) -> None:
    title = " ".join(words)
    # Near titles and far ones: the title's words with some added, some changed.
    candidates = [" ".join(words + more) + typo for more, typo in others]
    # The rule compares the titles' words in the order written; the keys hold them sorted.
    expected = [
        index for index, other in enumerate(candidates) if _same_work(fold(title), fold(other))
    ]
    assert matches(title_key(title), [title_key(other) for other in candidates]) == expected


def _same_work(left: str, right: str) -> bool:
    """The rule, one pair of folded titles at a time, as the module documentation states."""
    if not left or not right:
        return False
    numbers = [
        sorted(w for w in key.split() if re.fullmatch(r"\d+|[ivxlc]+", w)) for key in (left, right)
    ]
    return fuzz.token_sort_ratio(left, right) >= TITLE_SIMILARITY and numbers[0] == numbers[1]


def test_matches_keep_numbered_parts_apart() -> None:
    key = title_key("Exosomes in cancer, part II")
    candidates = [title_key("Exosomes in cancer, part I"), title_key("Exosomes in cancer part II.")]
    assert matches(key, candidates) == [1]
    assert matches(key, []) == [] and matches("", candidates) == []


def test_matches_list_every_matching_candidate_in_order() -> None:
    key = title_key("Exosomes in human carcinogenesis")
    candidates = [
        title_key("Exosomes in human carcinogenesis."),
        title_key("Exosomes in mouse carcinogenesis"),
        title_key("EXOSOMES IN HUMAN CARCINOGENESIS"),
    ]
    assert matches(key, candidates) == [0, 2]


@given(_FOLD_SAMPLES)
def test_title_keys_are_the_folded_words_sorted(text: str) -> None:
    key = title_key(text)
    assert key.split() == sorted(fold(text).split())
    # Single spaces: sorting keeps the length, which the candidates index relies on.
    assert len(key) == len(fold(text))
    assert title_key(key) == key


def test_word_order_alone_does_not_tell_works_apart() -> None:
    # As rapidfuzz's token-sort ratio of the titles as written would not.
    assert title_key("Cancer exosomes") == title_key("Exosomes, cancer")
