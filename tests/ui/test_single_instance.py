"""Single instance: a second process hands its files to the running one and exits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from exodesk.single_instance import Claim, InstanceGuard, instance_key
from exodesk.storage.library import Library
from exodesk.storage.migrate import UpgradeProgress, alembic_config
from exodesk.ui.upgrade import open_showing_upgrade

# The second launch, as app.py does it: hand over, and exit 0 only when delivered.
SECOND_LAUNCH = textwrap.dedent(
    """
    import sys
    from exodesk.single_instance import Claim, InstanceGuard
    key, files = sys.argv[1], sys.argv[2:]
    claim = InstanceGuard(key).claim(files, timeout_ms=3000)
    sys.exit(0 if claim is Claim.HANDED_OVER else 3)
    """
)


@pytest.fixture
def guards(qapp) -> Iterator[list[InstanceGuard]]:
    made: list[InstanceGuard] = []
    yield made
    for guard in made:
        guard.close()


def start_second_launch(key: str, *files: str, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", SECOND_LAUNCH, key, *files],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for_exit(process: subprocess.Popen[bytes], qtbot, timeout_s: float = 15.0) -> int:
    """Keep the test's event loop turning (the server answers from it) until the child ends."""
    deadline = time.monotonic() + timeout_s
    while process.poll() is None:
        assert time.monotonic() < deadline, "the second launch did not exit"
        qtbot.wait(20)
    return process.returncode


def test_the_key_depends_on_user_and_library_path(tmp_path: Path, monkeypatch) -> None:
    a = instance_key(tmp_path / "a.sqlite", user="alice")
    assert a == instance_key(tmp_path / "a.sqlite", user="alice")
    assert a != instance_key(tmp_path / "b.sqlite", user="alice")
    assert a != instance_key(tmp_path / "a.sqlite", user="bob")
    # A relative spelling of the same file shares the guard.
    monkeypatch.chdir(tmp_path)
    assert instance_key("a.sqlite", user="alice") == a
    assert len(a) < 60 and str(tmp_path) not in a


def test_a_second_process_hands_over_its_file_and_exits(
    qtbot, guards, library_path: Path, tmp_path: Path
) -> None:
    first = InstanceGuard(instance_key(library_path))
    guards.append(first)
    assert first.listen()
    refs = tmp_path / "refs.ris"
    refs.write_text("TY  - JOUR\nER  - \n", encoding="utf-8")

    with (
        qtbot.waitSignal(first.activation_requested, timeout=10_000),
        qtbot.waitSignal(first.files_received, timeout=10_000) as received,
    ):
        # A relative name, as a file manager in the file's folder might pass it.
        child = start_second_launch(first.key, "refs.ris", cwd=tmp_path)
    assert wait_for_exit(child, qtbot) == 0, child.stderr.read() if child.stderr else ""
    assert received.args == [[str(refs)]]


def test_without_a_running_instance_the_hand_over_fails_fast(
    qapp, guards, library_path: Path
) -> None:
    started = time.monotonic()
    assert not InstanceGuard(instance_key(library_path)).try_hand_over(["/x.ris"])
    assert time.monotonic() - started < 1.0


def test_another_library_does_not_connect_to_the_running_one(qtbot, guards, tmp_path: Path) -> None:
    first = InstanceGuard(instance_key(tmp_path / "one.sqlite"))
    other = InstanceGuard(instance_key(tmp_path / "two.sqlite"))
    guards += [first, other]
    assert first.listen()
    with qtbot.assertNotEmitted(first.files_received, wait=50):
        assert not other.try_hand_over([str(tmp_path / "refs.ris")], timeout_ms=300)
    # ... and may run side by side with it.
    assert other.listen()


def test_a_second_guard_on_a_live_library_does_not_listen(qapp, guards, library_path) -> None:
    first = InstanceGuard(instance_key(library_path))
    second = InstanceGuard(instance_key(library_path))
    guards += [first, second]
    assert first.listen()
    assert not second.listen()
    assert first.is_listening()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave no stale file")
def test_a_stale_socket_of_a_crashed_instance_is_replaced(
    qtbot, guards, library_path: Path, tmp_path: Path
) -> None:
    guard = InstanceGuard(instance_key(library_path))
    guards.append(guard)
    # A crashed instance leaves its socket file behind, refusing every connection.
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(guard.server_name)
    stale.close()
    assert os.path.exists(guard.server_name)
    assert not InstanceGuard(guard.key).try_hand_over(["/x.ris"], timeout_ms=300)

    assert guard.listen()
    with qtbot.waitSignal(guard.files_received, timeout=10_000) as received:
        child = start_second_launch(guard.key, str(tmp_path / "b.ris"), cwd=tmp_path)
    assert wait_for_exit(child, qtbot) == 0
    assert received.args == [[str(tmp_path / "b.ris")]]


def test_malformed_messages_are_dropped(qtbot, guards, library_path: Path) -> None:
    from PySide6.QtNetwork import QLocalSocket

    guard = InstanceGuard(instance_key(library_path))
    guards.append(guard)
    assert guard.listen()
    client = QLocalSocket()
    client.connectToServer(guard.server_name)
    assert client.waitForConnected(1000)
    with qtbot.assertNotEmitted(guard.files_received, wait=100):
        client.write(b'{"files": "not a list"}\n')
        client.flush()
    qtbot.waitUntil(lambda: client.state() == QLocalSocket.LocalSocketState.UnconnectedState)


def test_claim_owns_a_free_library_and_refuses_one_held_by_a_silent_instance(
    qapp, guards, library_path: Path
) -> None:
    owner = InstanceGuard(instance_key(library_path))
    guards.append(owner)
    assert owner.claim(["/x.ris"]) is Claim.OWNER
    assert owner.is_listening()
    # The owner cannot answer while this thread waits (as when its window is hung): the
    # newcomer must neither take the library over nor hang.
    newcomer = InstanceGuard(owner.key)
    guards.append(newcomer)
    started = time.monotonic()
    assert newcomer.claim(["/x.ris"], timeout_ms=150) is Claim.BUSY
    assert time.monotonic() - started < 5
    assert not newcomer.is_listening() and owner.is_listening()


def test_without_a_usable_socket_folder_exodesk_still_starts(qapp, guards, tmp_path: Path) -> None:
    guard = InstanceGuard("exodesk-test-unguarded")
    guards.append(guard)
    guard.server_name = str(tmp_path / "no-such-folder" / guard.key)
    assert guard.claim() is Claim.UNGUARDED


def test_a_launch_during_an_upgrade_is_answered_and_its_files_kept(
    qtbot, guards, library: Library, library_path: Path, tmp_path: Path
) -> None:
    # As run_gui does it: the guard listens, files handed over before the window exists
    # are kept, and the library opens behind the upgrade dialog.
    with library.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    library.close()
    first = InstanceGuard(instance_key(library_path))
    guards.append(first)
    assert first.listen()
    handed_over: list[list[str]] = []
    first.files_received.connect(handed_over.append)
    refs = tmp_path / "refs.ris"
    refs.write_text("TY  - JOUR\nER  - \n", encoding="utf-8")
    second: list[subprocess.Popen[bytes]] = []

    def opener(path: Path, _progress: UpgradeProgress) -> Library:
        # The upgrade is under way until the second launch has been answered and exited.
        second.append(start_second_launch(first.key, str(refs), cwd=tmp_path))
        second[0].wait(timeout=15)
        return Library.open(path)

    opened = open_showing_upgrade(library_path, opener)
    opened.close()
    assert second[0].returncode == 0, second[0].stderr.read() if second[0].stderr else ""
    assert handed_over == [[str(refs)]]
