"""Indented JSON text, as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it.

The standard encoder's C code writes compact JSON only; asked for indentation, ``json``
falls back to its pure-Python encoder, which spends several generator steps on every
value (seconds for a 100,000-item CSL-JSON export). Here the layout is written in Python
with one step per value, and strings are encoded by the C function the standard encoder
uses: the same text, byte for byte (a test compares the two).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C function when _json is there
from typing import Any

__all__ = ["dumps_indented"]


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``.

    Raises what ``json.dumps`` raises for a value it cannot encode (a set, a key that is
    not a string or a number...); a container that holds itself recurses until Python's
    recursion limit, where ``json.dumps`` reports the circular reference."""
    parts: list[str] = []
    try:
        _write(value, "\n", parts)
    except _NotPlain:
        return json.dumps(value, ensure_ascii=False, indent=2)
    # One join at the end: text outside Latin-1 is wider, and joining at every level would
    # widen and copy the same characters again and again.
    return "".join(parts)


class _NotPlain(Exception):
    """A dict key that is not a string: left to ``json.dumps``, which converts keys."""


def _write(value: Any, newline: str, parts: list[str]) -> None:
    """Append the JSON of ``value`` to ``parts``; ``newline`` is a line break and the
    indentation of the line ``value`` starts on. Tests in the order of ``json.encoder``."""
    if isinstance(value, str):
        parts.append(encode_basestring(value))
    elif value is None or value is True or value is False or isinstance(value, int | float):
        parts.append(json.dumps(value))  # null, true, false, int.__repr__, float rules
    elif isinstance(value, list | tuple):
        _write_list(value, newline, parts)
    elif isinstance(value, dict):
        _write_dict(value, newline, parts)
    else:
        parts.append(json.dumps(value))  # raises TypeError as json.dumps does for it


# Inside containers, values of the common exact types are written without going through
# ``_write``'s tests: strings and integers in place, lists and dicts by a direct call.


def _write_list(items: list[Any] | tuple[Any, ...], newline: str, parts: list[str]) -> None:
    if not items:
        parts.append("[]")
        return
    append = parts.append
    inner = newline + "  "
    comma = "," + inner
    separator = "[" + inner
    for item in items:
        kind = type(item)
        if kind is str:
            append(separator + encode_basestring(item))
        elif kind is int:
            append(separator + int.__repr__(item))
        else:
            append(separator)
            if kind is dict:
                _write_dict(item, inner, parts)
            elif kind is list:
                _write_list(item, inner, parts)
            else:
                _write(item, inner, parts)
        separator = comma
    append(newline + "]")


def _write_dict(members: dict[Any, Any], newline: str, parts: list[str]) -> None:
    if not members:
        parts.append("{}")
        return
    append = parts.append
    inner = newline + "  "
    comma = "," + inner
    separator = "{" + inner
    for key, item in members.items():
        if not isinstance(key, str):
            raise _NotPlain
        kind = type(item)
        if kind is str:
            append(f"{separator}{encode_basestring(key)}: {encode_basestring(item)}")
        elif kind is int:
            append(f"{separator}{encode_basestring(key)}: {int.__repr__(item)}")
        else:
            append(f"{separator}{encode_basestring(key)}: ")
            if kind is list:
                _write_list(item, inner, parts)
            elif kind is dict:
                _write_dict(item, inner, parts)
            else:
                _write(item, inner, parts)
        separator = comma
    append(newline + "}")
