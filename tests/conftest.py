"""Shared test set-up: the CDK's jsii runtime must use the project's Node.js, not the machine's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent

# jsii starts `node` from PATH when the first CDK module is imported; Node 20 is unsupported.
os.environ["PATH"] = os.pathsep.join(
    [str(VENV_BIN), str(REPO / "node_modules" / ".bin"), os.environ.get("PATH", "")]
)
