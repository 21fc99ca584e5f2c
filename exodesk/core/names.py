"""Personal names as reference files write them, to and from ``Author``."""

from __future__ import annotations

import re

from exodesk.core.records import Author

# Any upper-case letters, not only A-Z: "Kowalski Ł" is a Polish "Family INITIALS" name.
_INITIALS = re.compile(r"^[^\W\d_]{1,4}$")
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "le", "la", "ten"}


def split_name(text: str) -> Author:
    """Read one author as written in a reference file.

    - "Family, Given" (RIS, BibTeX, MEDLINE FAU) and "Family, Jr., Given" (BibTeX);
    - "Family GI" (MEDLINE AU, PubMed's initials form);
    - "Given Family", with lower-case particles kept with the family ("Ludwig van Beethoven");
    - a single word is a family name.
    """
    text = " ".join(text.split()).strip(" ,;")
    if not text:
        return Author()
    if "," in text:
        parts = [part.strip() for part in text.split(",")]
        family = parts[0]
        given = parts[-1] if len(parts) > 1 else ""
        suffix = parts[1] if len(parts) == 3 else ""
        family = f"{family}, {suffix}" if suffix else family
        return Author(family=family, given=given)
    words = text.split(" ")
    if len(words) == 1:
        return Author(family=words[0])
    if _INITIALS.match(words[-1]) and words[-1].isupper():
        return Author(family=" ".join(words[:-1]), given=words[-1])
    first_family = len(words) - 1
    while first_family > 1 and words[first_family - 1].lower() in _PARTICLES:
        first_family -= 1
    return Author(family=" ".join(words[first_family:]), given=" ".join(words[:first_family]))


def family_given(author: Author) -> str:
    """ "Family, Given" (or the collective name), as RIS and BibTeX write authors."""
    if author.is_collective:
        return author.name
    if not author.family:  # a given name alone: ", Given" would read as an empty family
        return author.given
    return f"{author.family}, {author.given}" if author.given else author.family
