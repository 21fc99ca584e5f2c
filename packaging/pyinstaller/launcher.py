"""The bundle's entry script: the ``exodesk`` command, window and command line alike.

PyInstaller needs a script, not an entry point; this one runs the same ``main`` as the
``exodesk`` and ``exodesk-gui`` commands of a pip install, so the bundle takes the same
arguments (``--library``, ``--screenshot``, sub-commands).
"""

import sys

from exodesk.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
