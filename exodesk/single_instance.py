"""One window per library: a second launch hands its files to the running one and exits.

The first exodesk process that opens a library listens on a local socket (a Unix domain
socket, or a named pipe on Windows) whose name is derived from the application id, the user
and the library's path. A later launch on the same library connects, sends one JSON line

    {"files": ["/abs/path/refs.ris", ...], "raise": true}

waits for the answer ``ok`` and exits without opening the library, so one library always has
one writer. Another library (``--library`` elsewhere) gets another name, so both may run
side by side.

Qt is imported, but no QApplication is needed for :meth:`InstanceGuard.try_hand_over`: it
uses the blocking socket calls, so a second launch can hand over before it builds any GUI.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QTimer, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

from exodesk import APP_ID

__all__ = ["Claim", "InstanceGuard", "bring_to_front", "instance_key"]

log = logging.getLogger(__name__)

#: A hand-over is a few paths; anything bigger is not from exodesk and is dropped.
MAX_MESSAGE_BYTES = 1_000_000
#: A client that connects and then says nothing is dropped after this long.
CLIENT_TIMEOUT_MS = 5000
ACK = b"ok\n"


def instance_key(library_path: str | os.PathLike[str], user: str | None = None) -> str:
    """The guard key for ``library_path``: app id, user and absolute library path, hashed.

    The path is made absolute and normalised (case-folded where the file system ignores case)
    so that ``./library.sqlite`` and its absolute spelling share one guard.
    """
    path = os.path.normcase(str(Path(library_path).expanduser().resolve(strict=False)))
    who = user if user is not None else _user_name()
    digest = hashlib.sha256("\0".join((APP_ID, who, path)).encode("utf-8")).hexdigest()
    # Short enough for the ~100-byte limit of Unix socket paths, long enough not to clash.
    return f"exodesk-{digest[:32]}"


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no USER/LOGNAME (some containers)
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


def _private_dir() -> str | None:
    """``$XDG_RUNTIME_DIR``: per user and mode 0700, so no other user can pre-create or
    connect to a socket in it."""
    if sys.platform == "win32":
        return None
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    return runtime if runtime and os.path.isdir(runtime) else None


def _server_name(key: str) -> str:
    """Where the socket lives: the private runtime folder when there is one.

    Elsewhere Qt puts a bare name in the temp folder (per user on macOS) or makes it a named
    pipe (Windows), and ``UserAccessOption`` limits access to it (see :meth:`listen`).
    """
    private = _private_dir()
    return os.path.join(private, key) if private else key


def _absolute(files: Sequence[str | os.PathLike[str]]) -> list[str]:
    # The running instance has its own working folder: relative names would point elsewhere.
    return [os.path.abspath(os.fspath(name)) for name in files]


class Claim(Enum):
    """What :meth:`InstanceGuard.claim` did."""

    #: This process is the instance for the library and listens for later launches.
    OWNER = "owner"
    #: A running instance took the files: exit 0 without opening the library.
    HANDED_OVER = "handed-over"
    #: An instance holds the library but did not answer (busy or hung): do not open it.
    BUSY = "busy"
    #: No local socket could be made; run anyway, without single-instance protection.
    UNGUARDED = "unguarded"


class InstanceGuard(QObject):
    """The local server of the instance that owns a library, or a client of it.

    Signals (of the listening instance):
        files_received(list[str]): absolute paths another launch asked to import.
        activation_requested(): another launch asked the window to come to the front.
    """

    files_received = Signal(list)
    activation_requested = Signal()

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.server_name = _server_name(key)
        self._server: QLocalServer | None = None

    # -- the second launch ----------------------------------------------------------------
    def try_hand_over(
        self, files: Sequence[str | os.PathLike[str]] = (), timeout_ms: int = 1000
    ) -> bool:
        """Send ``files`` to a running instance and ask it to raise its window.

        Returns True only when the running instance confirmed it received the message;
        the caller then exits without opening the library. False means no instance is
        running, or one is but did not answer in time (:meth:`claim` tells the two apart).
        """
        socket = QLocalSocket()
        socket.connectToServer(self.server_name)
        if not socket.waitForConnected(timeout_ms):
            return False
        message = json.dumps({"files": _absolute(files), "raise": True}).encode("utf-8")
        socket.write(QByteArray(message + b"\n"))
        delivered = False
        if socket.waitForBytesWritten(timeout_ms):
            answer = b""
            # The answer may come in pieces; stop at the newline or when the time is up.
            while not answer.endswith(b"\n") and socket.waitForReadyRead(timeout_ms):
                answer += bytes(socket.readAll().data())
            delivered = answer == ACK
        socket.disconnectFromServer()
        if delivered:
            log.info("handed %d file(s) to the running instance", len(files))
        else:
            log.warning("a running instance accepted the connection but did not answer")
        return delivered

    # -- the first launch -----------------------------------------------------------------
    def claim(self, files: Sequence[str | os.PathLike[str]] = (), timeout_ms: int = 1000) -> Claim:
        """Hand ``files`` to a running instance, or become the instance: what app.py calls.

        Two rounds, because another launch may become the instance between our hand-over
        attempt and our ``listen()`` (two files double-clicked at once).
        """
        for _round in range(2):
            if self.try_hand_over(files, timeout_ms):
                return Claim.HANDED_OVER
            outcome = self._listen()
            if outcome != "alive":
                # "error": no socket can be made here (odd runtime folder); running without
                # the guard beats refusing to start, and SQLite still keeps writes atomic.
                return Claim.OWNER if outcome == "ok" else Claim.UNGUARDED
        return Claim.BUSY

    def listen(self) -> bool:
        """Become the instance for this key. False if another live instance already is, or
        no socket could be made (the reason is logged).

        A socket file left behind by a crashed instance refuses connections; it is removed
        and listening is tried once more.
        """
        return self._listen() == "ok"

    def _listen(self) -> str:
        """``ok``, ``alive`` (another instance answers) or ``error``."""
        if self._server is not None and self._server.isListening():
            return "ok"
        # Ask first: with socket options, Qt on Unix binds in a temporary folder and renames
        # the socket into place, which would silently take the name from a live instance.
        if self._is_alive():
            return "alive"
        server = QLocalServer(self)
        if _private_dir() is None:
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.setMaxPendingConnections(8)
        if not server.listen(self.server_name):
            in_use = server.serverError() == QAbstractSocket.SocketError.AddressInUseError
            if in_use and self._is_alive():
                server.deleteLater()
                return "alive"
            if in_use:
                log.info("removing a stale instance socket %s", self.server_name)
                QLocalServer.removeServer(self.server_name)
            if not (in_use and server.listen(self.server_name)):
                log.warning("cannot listen on %s: %s", self.server_name, server.errorString())
                server.deleteLater()
                return "error"
        server.newConnection.connect(self._accept)
        self._server = server
        return "ok"

    def is_listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def close(self) -> None:
        """Stop listening (the socket file is removed); clients still talking are dropped."""
        for connection in self.findChildren(_Connection):
            connection.finish()
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None

    def _is_alive(self) -> bool:
        probe = QLocalSocket()
        probe.connectToServer(self.server_name)
        alive = probe.waitForConnected(300)
        probe.abort()
        return alive

    def _accept(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            connection = _Connection(self._server.nextPendingConnection(), self)
            connection.received.connect(self._deliver)
            # Data may have arrived before the connection listened for it.
            connection.read()

    def _deliver(self, files: list[str], wants_raise: bool) -> None:
        if wants_raise:
            self.activation_requested.emit()
        if files:
            self.files_received.emit(files)


def _parse(line: bytes) -> tuple[list[str] | None, bool]:
    """The message's files (None when it is not a valid message) and its raise flag."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        log.warning("dropped a malformed message on the instance socket")
        return None, False
    files = message.get("files", []) if isinstance(message, dict) else None
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        log.warning("dropped a malformed message on the instance socket")
        return None, False
    # Only absolute paths: a relative one would be resolved against our folder.
    return [name for name in files if os.path.isabs(name)], bool(message.get("raise"))


class _Connection(QObject):
    """One client of the server: reads its line, answers ``ok``, then goes away.

    It owns the socket, and its slots are methods rather than lambdas, so when either is
    deleted Qt drops the connections and nothing is called on a dead object.
    """

    received = Signal(list, bool)

    def __init__(self, socket: QLocalSocket, parent: QObject) -> None:
        super().__init__(parent)
        socket.setParent(self)
        self.socket = socket
        self._buffer = bytearray()
        self._finished = False
        socket.readyRead.connect(self.read)
        socket.disconnected.connect(self.finish)
        # A client that connects and then says nothing is not kept forever.
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self.finish)
        self._deadline.start(CLIENT_TIMEOUT_MS)

    def read(self) -> None:
        if self._finished:
            return
        self._buffer += bytes(self.socket.readAll().data())
        if len(self._buffer) > MAX_MESSAGE_BYTES:
            log.warning("dropped an oversized message on the instance socket")
            self.finish()
            return
        line, newline, rest = bytes(self._buffer).partition(b"\n")
        if not newline:
            return
        self._buffer = bytearray(rest)
        files, wants_raise = _parse(line)
        if files is None:
            self.finish()
            return
        self.socket.write(QByteArray(ACK))
        self.socket.flush()
        # The client disconnects once it has read the answer; finish() then cleans up.
        self.received.emit(files, wants_raise)

    def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._deadline.stop()
        self.socket.readyRead.disconnect(self.read)
        self.socket.disconnected.disconnect(self.finish)
        self.socket.abort()
        self.deleteLater()


def bring_to_front(window: QWidget) -> None:
    """Show ``window`` restored and ask the window manager to activate it.

    Window managers may refuse to steal focus (then the task bar entry flashes instead).
    """
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
