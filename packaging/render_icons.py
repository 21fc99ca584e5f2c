"""Render the application icon's PNG, ICO and ICNS files from its SVG.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py

The SVG in ``resources/icons/`` is the one source. This script writes, next to it, a PNG per
size in ``exodesk.icons.ICON_SIZES`` (``io.github.exodesk.Exodesk-<N>.png``; the window icon
and ``exodesk install-desktop`` use them), and into ``packaging/pyinstaller/`` the Windows
``.ico`` and the macOS ``.icns`` the bundles need. The outputs are committed, so neither an
install nor a bundle build has to render anything; run this again after editing the SVG.

Both containers hold PNG images, which Windows (since Vista) and macOS (since 10.7) read:
Qt's own ICO writer would store uncompressed bitmaps, several times larger, and no Qt
plugin writes a multi-size ICNS, so the two small writers below do it.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgRenderer

from exodesk.icons import ICON_SIZES, png_name, svg_name

ROOT = Path(__file__).resolve().parent.parent
PNG_DIR = ROOT / "resources" / "icons"
SVG = PNG_DIR / svg_name()
BUNDLE_DIR = ROOT / "packaging" / "pyinstaller"

#: Windows shows 16-48 in Explorer and the task bar, 256 in large views.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: ICNS entry types holding PNG data, with their pixel size ("@2x" types reuse larger images).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16@2x
    (b"icp6", 64),
    (b"ic12", 64),  # 32@2x
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),  # 128@2x
    (b"ic09", 512),
    (b"ic14", 512),  # 256@2x
    (b"ic10", 1024),  # 512@2x
)


def render(renderer: QSvgRenderer, size: int) -> bytes:
    """The SVG drawn at ``size`` x ``size`` pixels, as PNG bytes."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    # Quality 0 is zlib's strongest compression: the files are committed.
    writer.setQuality(0)
    if not writer.write(image.convertToFormat(QImage.Format.Format_ARGB32)):
        raise RuntimeError(f"cannot encode the {size} px icon: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file with one PNG image per size (ICONDIR, ICONDIRENTRY[], image data)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # a byte: 0 means 256
        # width, height, palette colours, reserved, colour planes, bits per pixel, size, offset
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file: big-endian ``icns`` + total length, then (type, length, PNG) entries."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"render_icons: cannot read {SVG}", file=sys.stderr)
        return 1
    sizes = sorted({*ICON_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: render(renderer, size) for size in sizes}
    written = []
    for size in ICON_SIZES:
        path = PNG_DIR / png_name(size)
        path.write_bytes(pngs[size])
        written.append(path)
    ico_path = BUNDLE_DIR / "exodesk.ico"
    ico_path.write_bytes(ico({size: pngs[size] for size in ICO_SIZES}))
    icns_path = BUNDLE_DIR / "exodesk.icns"
    icns_path.write_bytes(icns(pngs))
    for path in (*written, ico_path, icns_path):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size:>8} bytes")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
