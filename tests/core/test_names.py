"""Personal names as reference files write them: ``split_name`` and ``family_given``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exodesk.core.names import family_given, split_name
from exodesk.core.records import Author


@pytest.mark.parametrize(
    ("text", "family", "given"),
    [
        ("Stefańska, Katarzyna", "Stefańska", "Katarzyna"),  # RIS, BibTeX, MEDLINE FAU
        ("Volponi, Ana Angelova", "Volponi", "Ana Angelova"),
        ("Smith, Jr., John", "Smith, Jr.", "John"),  # BibTeX "von Last, Jr, First"
        ("Stefańska K", "Stefańska", "K"),  # MEDLINE AU, PubMed's initials form
        ("Volponi AA", "Volponi", "AA"),
        ("Kowalski Ł", "Kowalski", "Ł"),  # initials beyond A-Z
        ("Golkar-Narenji A", "Golkar-Narenji", "A"),
        ("Rayat Pisheh H", "Rayat Pisheh", "H"),
        ("Katarzyna Stefańska", "Stefańska", "Katarzyna"),  # "Given Family"
        ("Ludwig van Beethoven", "van Beethoven", "Ludwig"),
        ("Jean de la Fontaine", "de la Fontaine", "Jean"),
        ("Plato", "Plato", ""),  # one word: a family name
        ("  Stefańska,\tKatarzyna ; ", "Stefańska", "Katarzyna"),  # white space, stray marks
        ("Stefańska,", "Stefańska", ""),
    ],
)
def test_split_name(text: str, family: str, given: str) -> None:
    assert split_name(text) == Author(family=family, given=given)


@pytest.mark.parametrize("text", ["", "   ", " , ;"])
def test_split_name_of_nothing(text: str) -> None:
    assert split_name(text) == Author()


def test_a_capitalised_word_is_not_taken_for_initials() -> None:
    # "Ab" is a word, not initials: "Given Family" order.
    assert split_name("Kowalski Ab") == Author(family="Ab", given="Kowalski")
    assert split_name("Kowalski ABCDE") == Author(family="ABCDE", given="Kowalski")


@pytest.mark.parametrize(
    ("author", "text"),
    [
        (Author(family="Stefańska", given="Katarzyna"), "Stefańska, Katarzyna"),
        (Author(family="Plato"), "Plato"),
        (Author(name="World Health Organization"), "World Health Organization"),
        (Author(given="Katarzyna"), "Katarzyna"),  # not ", Katarzyna"
        (Author(family="Smith, Jr.", given="John"), "Smith, Jr., John"),
    ],
)
def test_family_given(author: Author, text: str) -> None:
    assert family_given(author) == text


NAME = st.text(
    st.one_of(st.characters(categories=("Lu", "Ll", "Lo")), st.sampled_from("-'.{}\\&%$#_^~")),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(NAME, min_size=1, max_size=3).map(" ".join),
    st.lists(NAME, min_size=1, max_size=3).map(" ".join),
)
def test_family_given_then_split_name_gives_the_person_back(family: str, given: str) -> None:
    person = Author(family=family, given=given)
    assert split_name(family_given(person)) == person
