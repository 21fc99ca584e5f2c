"""``exodesk-gui FILE...`` (a launcher's ``Exec=exodesk-gui %F``) opens the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from exodesk import app, cli


@pytest.fixture
def gui_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, object, list[Path]]]:
    calls: list[tuple[Path, object, list[Path]]] = []

    def fake_run_gui(path: Path, screenshot: object = None, files: object = ()) -> int:
        calls.append((path, screenshot, list(files)))  # type: ignore[call-overload]
        return 0

    monkeypatch.setattr(app, "run_gui", fake_run_gui)
    return calls


def test_absolute_files_open_the_window_with_them(tmp_path: Path, gui_calls: list) -> None:
    refs = [tmp_path / "a.ris", tmp_path / "b c.nbib"]
    assert cli.main([str(path) for path in refs]) == 0
    assert gui_calls[0][2] == refs


def test_files_after_the_library_option(tmp_path: Path, gui_calls: list) -> None:
    library = tmp_path / "lib.sqlite"
    assert cli.main(["--library", str(library), str(tmp_path / "x.bib")]) == 0
    assert gui_calls[0][0] == library
    assert gui_calls[0][2] == [tmp_path / "x.bib"]


def test_no_files_open_the_window_alone(gui_calls: list) -> None:
    assert cli.main([]) == 0
    assert gui_calls[0][2] == []


def test_a_mistyped_command_is_still_an_error(gui_calls: list, capsys) -> None:
    assert cli.main(["lsit"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert gui_calls == []


def test_a_relative_existing_file(tmp_path: Path, gui_calls: list, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "refs.ris").write_text("TY  - JOUR\nER  - \n", encoding="utf-8")
    assert cli.main(["refs.ris"]) == 0
    assert gui_calls[0][2] == [Path("refs.ris")]
