"""Entry points: ``exodesk`` (console) and ``exodesk-gui`` (launchers, no console).

Both parse the same arguments: with a sub-command they run the command line, without one
they open the main window.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from exodesk.cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv)


def gui_main() -> None:
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
