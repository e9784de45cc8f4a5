"""The real CDK CLI on the app, as platform engineers run it: from the repository, with no AWS
credentials anywhere (synthesis must not need them)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CDK = REPO / "node_modules" / ".bin" / "cdk"


def cdk_synth(
    outdir: Path, *args: str, tmpdir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``cdk synth --quiet -o outdir ARGS`` of the app in the repository (with ``TMPDIR`` set
    to ``tmpdir`` when given)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and not key.startswith("CDK_")
    }
    env.update(CDK_DISABLE_VERSION_CHECK="1", CDK_DISABLE_CLI_TELEMETRY="true")
    # No credentials anywhere: synthesis must not need them.
    env.update(
        AWS_CONFIG_FILE=str(outdir / "none"), AWS_SHARED_CREDENTIALS_FILE=str(outdir / "none")
    )
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    return subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "-o", str(outdir), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assembly_tmpdir(assembly: Path) -> Path:
    """The ``TMPDIR`` the session's default synthesis ran with (next to the assembly)."""
    return assembly.parent / "default-assembly.tmpdir"
