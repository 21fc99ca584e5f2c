"""Duplicate detection keys and the fuzzy title threshold, pinned from both sides."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exodesk.core.matching import TITLE_SIMILARITY, fold, name_key, title_key, titles_match


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
