"""Opening libraries: migrations from empty, schema drift, backups, refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from older_library import keyless_at_0010

from exodesk.core.citekeys import CitationKeyGenerator
from exodesk.core.entries import BibEntry
from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import Author, WorkRecord
from exodesk.storage.errors import NewerSchemaError, NotALibraryError
from exodesk.storage.importing import ImportOptions, ImportOutcome
from exodesk.storage.library import Library
from exodesk.storage.migrate import HEAD_REVISION, alembic_config, backup_file, head_revision
from exodesk.storage.schema import Base


def test_migrations_from_empty_create_every_table(library_path: Path) -> None:
    library = Library.open(library_path)
    library.close()
    connection = sqlite3.connect(library_path)
    names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    version = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    connection.close()
    expected = {table.name for table in Base.metadata.sorted_tables} | {"works_fts"}
    assert expected <= names
    assert version == head_revision()


def _not_fts(name: str | None, type_: str, *_args: object) -> bool:
    # The FTS5 table and its shadow tables are made by raw DDL, outside the models.
    return not (type_ == "table" and name is not None and name.startswith("works_fts"))


# Expression indexes cannot be reflected on SQLite; the next test checks that one directly.
@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning")
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrated_schema_matches_the_models(empty_library: Library) -> None:
    with empty_library.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": _not_fts, "compare_type": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_numeric_pmid_index_exists(empty_library: Library) -> None:
    with empty_library.engine.connect() as connection:
        sql = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_works_pmid_number'"
        ).scalar()
    assert sql is not None and "CAST(pmid AS INTEGER)" in sql


def test_pragmas_on_every_connection(empty_library: Library) -> None:
    with empty_library.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_reopening_is_a_no_op_and_makes_no_backup(library: Library, library_path: Path) -> None:
    library.close()
    again = Library.open(library_path)
    assert again.backup_path is None
    assert again.sidebar_counts().citing == 5
    assert len(list(library_path.parent.glob("*.bak"))) == 0
    again.close()


def test_file_of_a_newer_schema_is_refused_untouched(library: Library, library_path: Path) -> None:
    library.close()
    connection = sqlite3.connect(library_path)
    connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.commit()
    connection.close()
    before = library_path.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer version of exodesk"):
        Library.open(library_path)
    assert library_path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n")
    with pytest.raises(NotALibraryError, match="not an SQLite database"):
        Library.open(path)
    assert path.read_text() == "these are my notes, not a database\n"


def test_a_damaged_sqlite_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite"
    good = Library.open(path)
    good.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the first page after the header
    path.write_bytes(bytes(data))
    with pytest.raises(NotALibraryError):
        Library.open(path)


def test_a_populated_file_behind_head_is_backed_up_before_migrating(tmp_path: Path) -> None:
    path = tmp_path / "older.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE legacy (value TEXT)")
    connection.execute("INSERT INTO legacy VALUES ('keep me')")
    connection.commit()
    connection.close()

    library = Library.open(path)
    assert library.backup_path is not None and library.backup_path.exists()
    library.close()
    backup = sqlite3.connect(library.backup_path)
    assert backup.execute("SELECT value FROM legacy").fetchall() == [("keep me",)]
    assert backup.execute("SELECT count(*) FROM sqlite_master WHERE name = 'works'").fetchone() == (
        0,
    )
    backup.close()


def test_backup_file_is_a_consistent_copy(library: Library, library_path: Path) -> None:
    copy = backup_file(library_path, "0001")
    connection = sqlite3.connect(copy)
    assert connection.execute("SELECT count(*) FROM works").fetchone() == (6,)
    connection.close()


def test_upgrading_from_0001_keeps_every_row_and_fills_new_keys(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from exodesk.storage.migrate import alembic_config

    path = tmp_path / "v1.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        connection.exec_driver_sql(
            "INSERT INTO works (id, type, title, abstract, container_title, container_abbrev,"
            " date, volume, issue, pages, article_number, publisher, language, authors_display,"
            " needs_metadata, is_read, starred, created_at, updated_at) VALUES (1,"
            " 'article-journal', 'Exosomes in Ageing', '', '', '', '', '', '', '', '', '', '',"
            " 'Dzięgiel P', 0, 0, 0, '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO authors (work_id, position, family, given, name, orcid)"
            " VALUES (1, 0, 'Dzięgiel', 'Piotr', '', '')"
        )
        connection.exec_driver_sql("INSERT INTO tags (id, name, color) VALUES (1, 'x', '#000000')")
        connection.exec_driver_sql("INSERT INTO work_tags (work_id, tag_id) VALUES (1, 1)")
        connection.exec_driver_sql(
            "INSERT INTO notes (work_id, body, created_at, updated_at)"
            " VALUES (1, 'mine', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
        )
    engine.dispose()

    library = Library.open(path)
    assert library.backup_path is not None
    work = library.get_work(1)
    assert [t.name for t in work.tags] == ["x"]
    assert [n.body for n in library.list_notes(1)] == ["mine"]
    assert work.record.authors[0].family == "Dzięgiel"
    with library.engine.connect() as connection:
        keys = connection.exec_driver_sql(
            "SELECT title_key, first_author_key FROM works WHERE id = 1"
        ).one()
    assert tuple(keys) == ("ageing exosomes in", "dziegiel")  # words sorted (0009)
    library.close()


def test_the_head_revision_constant_names_the_newest_migration() -> None:
    # Opening an up-to-date library compares with the constant and never imports Alembic.
    assert head_revision() == HEAD_REVISION


def test_upgrading_from_0004_moves_tags_out_of_the_full_text_index(
    library: Library, library_path: Path
) -> None:
    work_id = library.find_work_id(pmid="39886670")
    assert work_id is not None
    library.tag_works("Zebra study", [work_id])
    library.add_note(work_id, "Compare with the quokka data")
    with library.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
        columns = [row[1] for row in connection.exec_driver_sql("PRAGMA table_info(works_fts)")]
        assert "tags" in columns  # the old index, tag names inside
    library.close()

    upgraded = Library.open(library_path)
    assert upgraded.backup_path is not None
    with upgraded.engine.connect() as connection:
        columns = [row[1] for row in connection.exec_driver_sql("PRAGMA table_info(works_fts)")]
        index_sql = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_works_citation_key_lower'"
        ).scalar()
    assert "tags" not in columns and "notes" in columns
    assert index_sql is not None and "lower(citation_key)" in index_sql
    assert set(upgraded.query_work_ids(WorkQuery(text="zebra"))) == {work_id}
    assert set(upgraded.query_work_ids(WorkQuery(text="quokka"))) == {work_id}
    assert set(upgraded.query_work_ids(WorkQuery(text="exosom"))) >= {work_id}
    upgraded.close()


def test_upgrading_from_0006_keeps_every_field_s_provenance(
    library: Library, library_path: Path
) -> None:
    from exodesk.core.records import Source
    from exodesk.storage import provenance

    work_id = library.find_work_id(pmid="39886670")
    assert work_id is not None
    library.update_fields(work_id, {"title": "My title"})
    library.update_fields(work_id, {"pages": "1-9"}, Source.SYNC)
    with library.engine.connect() as connection:
        ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM works")]
        records = provenance.read(connection, ids)
    before = {work.id: work.provenance for work in library.get_works(ids)}
    with library.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
        rows = connection.exec_driver_sql(
            "SELECT work_id, field, source, updated_at FROM field_provenance"
        ).all()
        tables = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
        hash_size = connection.exec_driver_sql(
            "SELECT v FROM works_fts_config WHERE k = 'hashsize'"
        ).scalar()
    library.close()
    assert "work_provenance" not in tables and hash_size == 1024 * 1024
    # A row per field again, each with the time its group had.
    expected_rows = {
        (work_id, name, source, time)
        for work_id, text in records.items()
        for source, time, names in provenance.decode(text)
        for name in names
    }
    assert set(rows) == expected_rows and len(rows) == len(expected_rows)

    upgraded = Library.open(library_path)
    assert upgraded.backup_path is not None
    after = {work.id: work.provenance for work in upgraded.get_works(ids)}
    assert after == before
    assert after[work_id]["title"] is Source.USER and after[work_id]["pages"] is Source.SYNC
    with upgraded.engine.connect() as connection:
        again = provenance.read(connection, ids)
        hash_size = connection.exec_driver_sql(
            "SELECT v FROM works_fts_config WHERE k = 'hashsize'"
        ).scalar()
    upgraded.close()
    assert hash_size == 4 * 1024 * 1024

    # The same groups (source, time, fields), oldest first.
    def groups(texts: dict[int, str]) -> dict[int, list[tuple[str, str, list[str]]]]:
        return {
            work_id: sorted((s, t, sorted(n)) for s, t, n in provenance.decode(text))
            for work_id, text in texts.items()
        }

    assert groups(again) == groups(records)
    for text in again.values():
        times = [time for _source, time, _names in provenance.decode(text)]
        assert times == sorted(times)


def _scalar(library: Library, sql: str, *params: object) -> object:
    with library.engine.connect() as connection:
        return connection.exec_driver_sql(sql, params).scalar()


def _index_sql(library: Library, name: str) -> str | None:
    found = _scalar(library, "SELECT sql FROM sqlite_master WHERE name = ?", name)
    return None if found is None else str(found)


def test_upgrading_from_0007_reads_title_candidates_by_length(
    library: Library, library_path: Path
) -> None:
    with library.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    assert _index_sql(library, "ix_works_title_candidates") is None
    assert _index_sql(library, "ix_works_year_first_author_key") is not None
    library.close()

    upgraded = Library.open(library_path)
    assert upgraded.backup_path is not None
    index_sql = _index_sql(upgraded, "ix_works_title_candidates")
    assert index_sql is not None and "length(title_key)" in index_sql
    assert _index_sql(upgraded, "ix_works_year_first_author_key") is None
    upgraded.close()


def _import(library: Library, *records: WorkRecord) -> ImportOutcome:
    entries = [BibEntry(record, line=line) for line, record in enumerate(records, start=1)]
    return library.import_entries([(entries, ImportOptions(origin="refs.ris"))])[0]


def test_upgrading_from_0008_sorts_title_keys_and_puts_them_in_the_index(
    library: Library, library_path: Path
) -> None:
    nowak = (Author(family="Nowak"),)
    added = _import(
        library,
        WorkRecord(title="Exosomes in human carcinogenesis", year=2020, authors=nowak),
        WorkRecord(title="Cancer", year=2021, authors=(Author(family="Kim"),)),
    ).added
    with library.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
        # As 0008 stored them: the folded words in title order.
        connection.exec_driver_sql(
            "UPDATE works SET title_key = 'exosomes in human carcinogenesis' "
            "WHERE title_key = 'carcinogenesis exosomes human in'"
        )
    old_index = _index_sql(library, "ix_works_title_candidates")
    assert old_index is not None and "title_key)" in old_index and ", title_key" not in old_index
    library.close()

    upgraded = Library.open(library_path)
    assert upgraded.backup_path is not None
    with upgraded.engine.connect() as connection:
        keys = connection.exec_driver_sql(
            "SELECT title_key FROM works WHERE id IN (?, ?) ORDER BY id", tuple(added)
        ).scalars()
        assert list(keys) == ["carcinogenesis exosomes human in", "cancer"]
    index_sql = _index_sql(upgraded, "ix_works_title_candidates")
    assert index_sql is not None and "length(title_key), title_key)" in index_sql
    # An import still finds the work by its title, compared in the sorted form.
    outcome = _import(
        upgraded,
        WorkRecord(title="EXOSOMES IN HUMAN CARCINOGENESIS.", year=2020, authors=nowak),
    )
    assert outcome.merged == [added[0]] and not outcome.added
    upgraded.close()


def _fts_setting(library: Library, name: str) -> object:
    return _scalar(library, "SELECT v FROM works_fts_config WHERE k = ?", name)


def test_the_fulltext_index_merges_eight_segments_at_a_time_from_0010(
    library: Library, library_path: Path
) -> None:
    assert _fts_setting(library, "automerge") == 8
    with library.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    assert _fts_setting(library, "automerge") == 4
    library.close()

    upgraded = Library.open(library_path)
    assert _fts_setting(upgraded, "automerge") == 8
    # The index answers as before (the setting changes when segments merge, not what
    # they hold); FTS5's own check finds it consistent.
    added = _import(upgraded, WorkRecord(title="Exosomal cargo in glioblastoma", year=2024)).added
    assert list(upgraded.query_work_ids(WorkQuery(scope=Scope.EVERYTHING, text="gliobl"))) == added
    with upgraded.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO works_fts (works_fts) VALUES ('integrity-check')")
    upgraded.close()


def _keys(library: Library, work_ids: list[int]) -> list[str | None]:
    with library.engine.connect() as connection:
        found = dict(
            connection.exec_driver_sql(
                "SELECT id, citation_key FROM works "
                f"WHERE id IN ({', '.join('?' * len(work_ids))})",
                tuple(work_ids),
            ).all()
        )
    return [found[work_id] for work_id in work_ids]


def _works_to_key(library: Library) -> list[int]:
    nowak = (Author(family="Nowak", given="Anna"), Author(family="Kim", given="J"))
    return _import(
        library,
        WorkRecord(title="Exosomes in human carcinogenesis", year=2020, authors=nowak),
        WorkRecord(title="Exosomes in cancer therapy", year=2020, authors=nowak),
        WorkRecord(title="The role of exosomes", year=2019, authors=(Author(name="WHO Team"),)),
        WorkRecord(title="Of the exosome", container_title="Cells"),  # no author, no year
        WorkRecord(title="Łódź cohort: vesicles", year=2021, authors=(Author(family="Żak"),)),
        WorkRecord(title="", pmid="40000001"),  # waits for its metadata
    ).added


def test_upgrading_from_0010_keys_every_work_with_a_title(
    library: Library, library_path: Path
) -> None:
    added = _works_to_key(library)
    titled = added[:-1]
    # A key given before (kept), which the upgrade's keys must not take, even by case.
    others = [work_id for work_id in added if work_id != titled[0]]
    library.close()
    keyless_at_0010(library_path, added, kept={titled[0]: "Nowak2020Exosomes"})

    upgraded = Library.open(library_path)
    try:
        assert upgraded.backup_path is not None
        keys = _keys(upgraded, added)
        assert keys == [
            "Nowak2020Exosomes",
            "nowak2020exosomesa",
            "wt2019role",
            "anonexosome",
            "zak2021lodz",
            None,  # keyed when its metadata comes in (or at its first export)
        ]
        # The keys a first export would have given them, from their whole records.
        with upgraded.engine.connect() as connection:
            stored = [key for (key,) in connection.exec_driver_sql(
                "SELECT citation_key FROM works WHERE id NOT IN (?, ?, ?, ?)",
                tuple(others[:-1]),
            ) if key]  # fmt: skip
        expected = CitationKeyGenerator().fill_keys(
            [""] * 4, [upgraded.get_work(work_id).record for work_id in others[:-1]], stored
        )
        assert keys[1:5] == expected
        # An export now only reads them.
        assert upgraded.assign_citation_keys(added[:5], CitationKeyGenerator().make_key) == dict(
            zip(added[:5], keys[:5], strict=True)
        )
    finally:
        upgraded.close()


def test_an_upgrade_keys_works_with_the_pattern_it_is_opened_with(
    library: Library, library_path: Path
) -> None:
    added = _works_to_key(library)
    library.close()
    keyless_at_0010(library_path, added)
    upgraded = Library.open(library_path, key_pattern="{journal}{year}-{Auth}")
    try:
        assert _keys(upgraded, added) == [
            "2020-Nowak", "2020-Nowaka", "2019-Wt", "cells-Anon", "2021-Zak", None
        ]  # fmt: skip
    finally:
        upgraded.close()


def test_an_upgrade_keys_a_large_library_chunk_by_chunk(
    library: Library, library_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each chunk reads the keys the chunks before it stored: no key is given twice."""
    from exodesk.storage import citekeys

    same = (Author(family="Nowak"),)
    records = [WorkRecord(title=f"Exosomes {n}", year=2020, authors=same) for n in range(7)]
    added = _import(library, *records).added
    library.close()
    keyless_at_0010(library_path, added)
    monkeypatch.setattr(citekeys, "KEYLESS_CHUNK", 3)
    upgraded = Library.open(library_path)
    try:
        assert _keys(upgraded, added) == [
            "nowak2020exosomes",
            *(f"nowak2020exosomes{suffix}" for suffix in "abcdef"),
        ]
    finally:
        upgraded.close()


def test_an_upgrade_with_a_pattern_that_is_no_pattern_changes_nothing(
    library: Library, library_path: Path
) -> None:
    added = _works_to_key(library)
    library.close()
    keyless_at_0010(library_path, added)
    with pytest.raises(ValueError, match="unknown field"):
        Library.open(library_path, key_pattern="{nope}")
    assert not list(library_path.parent.glob("*.bak"))  # not even a backup was made
    connection = sqlite3.connect(library_path)
    try:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0010",)
    finally:
        connection.close()
