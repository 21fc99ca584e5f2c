"""Citation keys: made from a small pattern, folded to ASCII, unique within a set.

A key is made once and then stored with the work, so a second export gives the same keys;
this module only makes keys. Generation is deterministic: the same record and pattern always
give the same base key, and :meth:`CitationKeyGenerator.fill_keys` over the same records in
the same order gives the same keys.

Pattern language
================

A pattern is literal text plus fields in braces; the default, :data:`DEFAULT_PATTERN`, is
``{auth}{year}{shorttitle}`` and gives ``stefanska2023role`` for Stefańska K et al. (2023),
"The Role of Exosomes in Human Carcinogenesis...".

==================  ==========================================================  =============
field               value                                                        example
==================  ==========================================================  =============
``{auth}``          first author's family name, lower-case ASCII letters and     ``stefanska``
                    digits; an organisation gives the initials of its
                    significant words (one word: the word); none: ``anon``
``{Auth}``          the same, first letter upper-case                           ``Stefanska``
``{year}``          the year; empty when unknown                                ``2023``
``{shorttitle}``    first significant title word, lower-case; empty if none     ``role``
``{Shorttitle}``    the same, first letter upper-case                           ``Role``
``{journal}``       journal abbreviation (else the full title), words joined,   ``cells``
                    lower-case
==================  ==========================================================  =============

Significant words are all but English articles, prepositions and conjunctions (so "The"
is skipped, "Role" is kept). Literal text may hold ASCII letters, digits and ``_-:./+``,
the characters every BibTeX and LaTeX tool accepts in a key. Keys therefore never hold
anything else. A pattern whose fields are all empty for a record gives ``ref``.

Pure code: no Qt, no SQL.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import count

from exodesk.core.records import Author, WorkRecord

__all__ = [
    "DEFAULT_PATTERN",
    "FIELDS",
    "CitationKeyGenerator",
    "first_free_key",
    "fold_ascii",
    "is_valid_key",
    "sanitize_key",
    "unique_key",
    "validate_pattern",
]

DEFAULT_PATTERN = "{auth}{year}{shorttitle}"
FIELDS: tuple[str, ...] = ("auth", "Auth", "year", "shorttitle", "Shorttitle", "journal")
#: Keys are cut to this length: a pathological title must not make a pathological key.
MAX_KEY_LENGTH = 100

_KEY_CHARS = re.compile(r"[A-Za-z0-9_:./+\-]+")
_NOT_KEY_CHAR = re.compile(r"[^A-Za-z0-9_:./+\-]+")
_TOKEN = re.compile(r"\{([^{}]*)\}|([^{}]+)|([{}])")
_WORD = re.compile(r"[A-Za-z0-9]+")
_APOSTROPHES = re.compile(r"['\u2019\u02bc]")

# NFKD decomposes accented letters into base letter + combining mark, but these letters
# have no decomposition: without the table "Podhorska-Okołów" would lose its "ł".
_FOLD_TABLE = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "H",
        "ŧ": "t",
        "Ŧ": "T",
        "ŋ": "ng",
        "Ŋ": "Ng",
        "ĸ": "k",
    }
)

# English articles, prepositions and conjunctions: words that say nothing about a work.
_STOP_WORDS = frozenset(
    {
        *("a", "an", "the"),
        *("and", "or", "but", "nor", "so", "yet", "as", "than", "vs", "versus"),
        *("of", "on", "in", "at", "to", "for", "from", "by", "with", "without", "into"),
        *("onto", "over", "under", "via", "about", "between", "through", "upon", "within"),
        *("among", "against", "after", "before", "during", "toward", "towards", "per"),
    }
)


def fold_ascii(text: str) -> str:
    """``text`` with accents removed and other letters spelled in ASCII; the rest dropped.

    "Stefańska" -> "Stefanska", "Podhorska-Okołów" -> "Podhorska-Okolow", "Straße" ->
    "Strasse". Characters with no ASCII spelling (e.g. CJK) are dropped.
    """
    if text.isascii():
        return text  # NFKD and the table change only other characters
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_TABLE))
    # The table runs again: NFKD can produce table letters from compatibility forms.
    return decomposed.translate(_FOLD_TABLE).encode("ascii", "ignore").decode("ascii")


def is_valid_key(key: str) -> bool:
    """Whether ``key`` holds only characters every BibTeX/LaTeX tool accepts in a key."""
    return bool(_KEY_CHARS.fullmatch(key))


def sanitize_key(key: str) -> str:
    """``key`` folded to ASCII with characters not allowed in keys dropped ("" if none left)."""
    if len(key) <= MAX_KEY_LENGTH and _KEY_CHARS.fullmatch(key):
        return key  # stored keys are already clean: folding would give them back as they are
    return _NOT_KEY_CHAR.sub("", fold_ascii(key))[:MAX_KEY_LENGTH]


def validate_pattern(pattern: str) -> None:
    """Check a key pattern.

    Raises:
        ValueError: an unknown field, an unbalanced brace, or a literal character that is
            not allowed in keys; the message names it.
    """
    _parse_pattern(pattern)


def _parse_pattern(pattern: str) -> list[tuple[bool, str]]:
    """``(is_field, text)`` parts of a pattern; raises ValueError as :func:`validate_pattern`."""
    parts: list[tuple[bool, str]] = []
    for match in _TOKEN.finditer(pattern):
        field, literal, stray = match.groups()
        if stray is not None:
            raise ValueError(f"unbalanced {stray!r} at position {match.start()} in {pattern!r}")
        if field is not None:
            if field not in FIELDS:
                known = ", ".join("{" + name + "}" for name in FIELDS)
                raise ValueError(f"unknown field {{{field}}} in {pattern!r}; known: {known}")
            parts.append((True, field))
        else:
            if not is_valid_key(literal):
                raise ValueError(
                    f"{literal!r} in {pattern!r}: literal text may only hold "
                    "ASCII letters, digits and _-:./+"
                )
            parts.append((False, literal))
    if not any(is_field for is_field, _ in parts):
        raise ValueError(f"pattern {pattern!r} has no field")
    return parts


def _words(text: str) -> list[str]:
    """ASCII words of ``text``, lower-case; apostrophes join ("Alzheimer's" -> "alzheimers")."""
    return _WORD.findall(fold_ascii(_APOSTROPHES.sub("", text)).lower())


def _significant(words: list[str]) -> list[str]:
    return [word for word in words if word not in _STOP_WORDS]


#: How much of a title ``_first_significant_word`` reads first: nearly every title has
#: its first significant word that early, and folding and splitting a whole title (often
#: 100 characters and more) made most of the time of keying a first export.
_TITLE_HEAD = 48


def _first_significant_word(title: str) -> str:
    """The first word of ``_words(title)`` that is no stop word ("" if none)."""
    if len(title) > _TITLE_HEAD:
        # The head's last word may be cut short; any word before it ends inside the head,
        # at the same place in the whole title (folding works character by character).
        words = _words(title[:_TITLE_HEAD])[:-1]
        found = next((word for word in words if word not in _STOP_WORDS), None)
        if found is not None:
            return found
    return next((word for word in _words(title) if word not in _STOP_WORDS), "")


def _author_part(author: Author) -> str:
    if author.is_collective:
        words = _significant(_words(author.name)) or _words(author.name)
        return words[0] if len(words) == 1 else "".join(word[0] for word in words)
    # split_name writes a suffix as "Family, Jr": the suffix is not part of the name.
    return _name_part(author.family.split(",")[0] or author.given)


@lru_cache(maxsize=8192)
def _name_part(name: str) -> str:
    """A family name's words joined: names repeat across a library's works, and folding
    one to ASCII was a third of making a key."""
    return "".join(_words(name))


def _field_value(field: str, record: WorkRecord) -> str:
    if field in ("auth", "Auth"):
        value = _author_part(record.authors[0]) if record.authors else ""
        value = value or "anon"
    elif field == "year":
        value = str(record.year) if record.year is not None and record.year > 0 else ""
    elif field in ("shorttitle", "Shorttitle"):
        value = _first_significant_word(record.title)
    else:  # journal
        value = "".join(_words(record.container_abbrev or record.container_title))
    return value.capitalize() if field[0].isupper() else value


class CitationKeyGenerator:
    """Makes citation keys from a pattern (see the module documentation for the language)."""

    def __init__(self, pattern: str = DEFAULT_PATTERN) -> None:
        self._parts = _parse_pattern(pattern)
        self._pattern = pattern

    @property
    def pattern(self) -> str:
        return self._pattern

    def make_key(self, record: WorkRecord) -> str:
        """The base key of ``record`` (not yet made unique); never empty."""
        key = "".join(
            _field_value(text, record) if is_field else text for is_field, text in self._parts
        )
        return key[:MAX_KEY_LENGTH] or "ref"

    def fill_keys(
        self,
        keys: Sequence[str],
        records: Sequence[WorkRecord],
        taken: Iterable[str] = (),
    ) -> list[str]:
        """One unique key per record: its existing key if usable, else a new one.

        ``keys[i]`` is the stored key of ``records[i]`` ("" if none). Existing keys are
        kept, cleaned with :func:`sanitize_key`, the first of equal ones winning; records
        without a usable key then get a key from the pattern, made unique with
        :func:`unique_key` against all the others and ``taken``. Existing keys are
        reserved first, so a stored key never changes because a record before it lacked
        one. Keys compare ignoring case, as BibTeX compares them.
        """
        if len(keys) != len(records):
            raise ValueError(f"{len(keys)} keys for {len(records)} records")
        used = {key.lower() for key in taken}
        result = []
        for key in keys:
            clean = sanitize_key(key)
            if clean and clean.lower() not in used:
                used.add(clean.lower())
                result.append(clean)
            else:
                result.append("")
        next_suffix: dict[str, int] = {}  # many equal bases must not cost n**2 probes
        for index, record in enumerate(records):
            if not result[index]:
                base = self.make_key(record)
                key, next_suffix[base.lower()] = first_free_key(
                    base, used, next_suffix.get(base.lower(), 1)
                )
                used.add(key.lower())
                result[index] = key
        return result


def _suffix(number: int) -> str:
    """1 -> "a", 26 -> "z", 27 -> "aa", 28 -> "ab": bijective base 26."""
    letters = []
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters.append(chr(ord("a") + rest))
    return "".join(reversed(letters))


def first_free_key(base: str, used_lower: set[str], first_suffix: int = 1) -> tuple[str, int]:
    """The first free key of ``base``, ``base`` + suffix..., and the suffix to try next.

    ``used_lower`` holds lower-cased keys. Suffixes before ``first_suffix`` are taken to be
    used: keys are only ever added, so a caller giving many keys of one base passes back
    the suffix it got and never probes the same ones twice."""
    if base.lower() not in used_lower:
        return base, first_suffix
    for number in count(first_suffix):
        candidate = base + _suffix(number)
        if candidate.lower() not in used_lower:
            return candidate, number + 1
    raise AssertionError("unreachable")  # count() never ends


def unique_key(base: str, taken: Iterable[str]) -> str:
    """``base``, or ``base`` plus "a", "b", ... "z", "aa", "ab"... if it is taken.

    Keys compare ignoring case (BibTeX treats "Smith2023" and "smith2023" as one key).
    """
    return first_free_key(base, {key.lower() for key in taken})[0]
