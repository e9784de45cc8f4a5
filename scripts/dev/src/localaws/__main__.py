"""``python -m localaws start|stop|status|serve|env``."""

from __future__ import annotations

import sys

from localaws.cli import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
