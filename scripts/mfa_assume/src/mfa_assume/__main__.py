"""The ``mfa-assume`` command: the shortcut's answer when it has one, else :func:`cli.main`.

Kept apart from :mod:`mfa_assume.cli`, so that a run the shortcut answers (see
:mod:`mfa_assume.shortcut`) imports no argparse, configparser, JSON or validation:
``mfa-assume`` (the console script) and ``python -m mfa_assume`` both start here.
"""

from __future__ import annotations

import os
import sys
import time


def no_core_dumps() -> None:
    """No core file of this process, whatever the shell's ``ulimit -c``: from its first line
    the helper may hold secret keys, session tokens and sign-in tokens, and a core file (or
    a crash reporter such as systemd-coredump or apport, which honour the limit) would keep
    them on disk. Password managers do the same (``RLIMIT_CORE`` 0). Only the soft limit is
    lowered: programs the helper starts (``mfa_process``, a browser) may raise theirs."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows has no core files to turn off
        return
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, hard))


def main() -> int:
    no_core_dumps()
    from mfa_assume import shortcut

    text = shortcut.answer(sys.argv[1:], os.environ, time.time())
    if text is not None:
        sys.stdout.write(text)
        return 0
    from mfa_assume import cli

    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
