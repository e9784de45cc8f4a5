"""``python scripts/account_checks preflight|audit``: puts ``scripts/`` and the repo on the path."""

from __future__ import annotations

import sys
from pathlib import Path

_SCRIPTS = Path(__file__).resolve().parent.parent
for _entry in (_SCRIPTS, _SCRIPTS.parent):  # account_checks, and stacks/ for the configuration
    if str(_entry) not in sys.path:
        sys.path.append(str(_entry))

from account_checks.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
