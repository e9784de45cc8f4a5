"""The ``mfa-assume`` command: the shortcut's answer when it has one, else :func:`cli.main`.

Kept apart from :mod:`mfa_assume.cli`, so that a run the shortcut answers (see
:mod:`mfa_assume.shortcut`) imports no argparse, configparser, JSON or validation:
``mfa-assume`` (the console script) and ``python -m mfa_assume`` both start here.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> int:
    from mfa_assume import shortcut

    text = shortcut.answer(sys.argv[1:], os.environ, time.time())
    if text is not None:
        sys.stdout.write(text)
        return 0
    from mfa_assume import cli

    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
