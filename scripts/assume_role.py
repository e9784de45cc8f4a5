#!/usr/bin/env python3
"""Assume an MFA-protected IAM role: ``python scripts/assume_role.py --profile NAME``.

See docs/helper.md. The work is done by the ``mfa_assume`` package next to this file.
"""

import sys

from mfa_assume.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
