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
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QTimer, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

from exodesk import APP_ID

__all__ = ["InstanceGuard", "bring_to_front", "instance_key"]

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
        self._buffers: dict[QLocalSocket, bytearray] = {}

    # -- the second launch ----------------------------------------------------------------
    def try_hand_over(
        self, files: Sequence[str | os.PathLike[str]] = (), timeout_ms: int = 1000
    ) -> bool:
        """Send ``files`` to a running instance and ask it to raise its window.

        Returns True only when the running instance confirmed it received the message;
        the caller then exits without opening the library. False means no instance is
        running (or it did not answer in time): the caller becomes the instance.
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
    def listen(self) -> bool:
        """Become the instance for this key. False if another live instance already is.

        A socket file left behind by a crashed instance refuses connections; it is removed
        and listening is tried once more.
        """
        if self._server is not None and self._server.isListening():
            return True
        # Ask first: with socket options, Qt on Unix binds in a temporary folder and renames
        # the socket into place, which would silently take the name from a live instance.
        if self._is_alive():
            return False
        server = QLocalServer(self)
        if _private_dir() is None:
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.setMaxPendingConnections(8)
        if not server.listen(self.server_name):
            if server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
                log.warning("cannot listen on %s: %s", self.server_name, server.errorString())
                server.deleteLater()
                return False
            if self._is_alive():
                server.deleteLater()
                return False
            log.info("removing a stale instance socket %s", self.server_name)
            QLocalServer.removeServer(self.server_name)
            if not server.listen(self.server_name):
                log.warning("cannot listen on %s: %s", self.server_name, server.errorString())
                server.deleteLater()
                return False
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def is_listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def close(self) -> None:
        """Stop listening (the socket file is removed); pending clients are dropped."""
        for socket in list(self._buffers):
            socket.abort()
            socket.deleteLater()
        self._buffers.clear()
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
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = bytearray()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._drop(s))
            QTimer.singleShot(CLIENT_TIMEOUT_MS, socket, lambda s=socket: self._drop(s))
            # Data may have arrived before readyRead was connected.
            self._read(socket)

    def _drop(self, socket: QLocalSocket) -> None:
        if self._buffers.pop(socket, None) is not None:
            socket.abort()
            socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        buffer = self._buffers.get(socket)
        if buffer is None:
            return
        buffer += bytes(socket.readAll().data())
        if len(buffer) > MAX_MESSAGE_BYTES:
            log.warning("dropped an oversized message on the instance socket")
            self._drop(socket)
            return
        line, newline, _rest = bytes(buffer).partition(b"\n")
        if not newline:
            return
        files, wants_raise = self._parse(line)
        if files is None:
            self._drop(socket)
            return
        socket.write(QByteArray(ACK))
        socket.flush()
        # The client disconnects after reading the answer; disconnected() then drops it.
        self._buffers[socket] = bytearray()
        if wants_raise:
            self.activation_requested.emit()
        if files:
            self.files_received.emit(files)

    @staticmethod
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


def bring_to_front(window: QWidget) -> None:
    """Show ``window`` restored and ask the window manager to activate it.

    Window managers may refuse to steal focus (then the task bar entry flashes instead).
    """
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
