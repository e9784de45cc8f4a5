"""``python -m localaws start|stop|status|serve``, with ``scripts/`` on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `python scripts/localaws ...`: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from localaws.cli import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
