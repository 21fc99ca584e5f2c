"""The rule for what a web service may change in a stored work: fill, refresh, never overrule.

``plan_merge`` compares a stored work with what a service says about it and decides, field by
field, using where each stored value came from:

- the stored field is empty: take the service's value (fill);
- it came from an earlier sync: take the new value (refresh);
- the user set it: keep it; when the service disagrees, keep the service's value aside as a
  suggestion ("upstream says ...") that the user can accept;
- it came from the seed or an import: keep it (the user chose that source).

Authors are the one compound field: when the service names the same people in the same
order, their missing given names, ORCIDs and affiliations are filled in, person by person.
Tags, notes, read state and star are not bibliographic fields and are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from exodesk.core.matching import name_key
from exodesk.core.records import BIBLIOGRAPHIC_FIELDS, Author, Source, Work, WorkRecord


@dataclass(frozen=True, slots=True)
class MergePlan:
    updates: dict[str, Any] = field(default_factory=dict)  # field -> new value
    suggestions: dict[str, Any] = field(default_factory=dict)  # user field -> upstream value

    @property
    def changes_anything(self) -> bool:
        return bool(self.updates or self.suggestions)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == ()


def plan_merge(stored: Work, upstream: WorkRecord) -> MergePlan:
    updates: dict[str, Any] = {}
    suggestions: dict[str, Any] = {}
    for name in BIBLIOGRAPHIC_FIELDS:
        new = getattr(upstream, name)
        old = getattr(stored.record, name)
        if _empty(new) or _same(name, old, new):
            continue
        origin = stored.provenance.get(name)
        if _empty(old) or origin is Source.SYNC:
            updates[name] = new
        elif origin is Source.USER:
            suggestions[name] = new
        elif name == "authors":
            enriched = enrich_authors(old, new)
            if enriched is not None:
                updates[name] = enriched
    return MergePlan(updates, suggestions)


def _same(name: str, old: Any, new: Any) -> bool:
    if name == "doi":
        return str(old).lower() == str(new).lower()
    return bool(old == new)


def enrich_authors(
    stored: tuple[Author, ...], upstream: tuple[Author, ...]
) -> tuple[Author, ...] | None:
    """The stored authors with missing details taken from upstream, or None.

    Only when both lists name the same people in the same order (family names compared
    without accents and case); a given name is replaced only by a longer one that starts
    like it ("K" -> "Katarzyna"), so nothing anyone typed is lost.
    """
    if len(stored) != len(upstream):
        return None
    enriched = []
    for mine, theirs in zip(stored, upstream, strict=True):
        if name_key(mine.family or mine.name) != name_key(theirs.family or theirs.name):
            return None
        enriched.append(_enrich_person(mine, theirs))
    result = tuple(enriched)
    return None if result == stored else result


def _enrich_person(mine: Author, theirs: Author) -> Author:
    given = mine.given
    initials = mine.given.replace(" ", "").replace(".", "")
    if theirs.given and len(theirs.given) > len(given) and theirs.given.startswith(initials[:1]):
        given = theirs.given
    return replace(
        mine,
        given=given,
        orcid=mine.orcid or theirs.orcid,
        affiliations=mine.affiliations or theirs.affiliations,
    )


def accept_suggestion(record: WorkRecord, name: str, value: Any) -> WorkRecord:
    """The record with one suggested value taken (what the Accept button does)."""
    return replace(record, **{name: value})
