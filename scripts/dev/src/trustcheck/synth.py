"""Synthesize the CDK app into a directory with the project's pinned CDK CLI and Node.js."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
TIMEOUT_SECONDS = 300


class SynthError(RuntimeError):
    """``cdk synth`` failed; the message carries its output."""


def tool_environment() -> dict[str, str]:
    """The environment every Node-based tool of the project runs in: the venv's Node first."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(
        [str(REPO / ".venv" / "bin"), str(REPO / "node_modules" / ".bin"), env.get("PATH", "")]
    )
    env["CDK_DISABLE_VERSION_CHECK"] = "1"
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    return env


def synthesize(outdir: Path, context: Mapping[str, str] | None = None) -> Path:
    """Write the cloud assembly to ``outdir`` (``cdk synth -o outdir --quiet``) and return it.

    ``context`` adds ``-c KEY=VALUE`` arguments, for example another configuration file.
    """
    cdk = REPO / "node_modules" / ".bin" / "cdk"
    if not cdk.exists():
        raise SynthError(f"{cdk} is missing: run `make setup` (npm ci installs the CDK CLI)")
    try:
        completed = subprocess.run(
            [
                str(cdk),
                "synth",
                "--quiet",
                "-o",
                str(outdir),
                *(f"--context={key}={value}" for key, value in (context or {}).items()),
            ],
            cwd=REPO,
            env=tool_environment(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SynthError(f"cdk synth could not run: {error}") from error
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()
        raise SynthError(f"cdk synth failed (exit {completed.returncode}):\n{output}")
    return outdir
