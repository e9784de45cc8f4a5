"""Programs on a real pseudo-terminal (pexpect), as a developer runs them.

``Terminal`` starts a program on its own pseudo-terminal, which is the program's controlling
terminal: ``/dev/tty`` in the program (and in any program it starts, such as a
``credential_process``) is that terminal. Everything the terminal showed is kept in
``output``, so a test can count prompts or check that a typed code was not echoed.
"""

from __future__ import annotations

import io
import signal
import sys
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent  # python, boto3 and the installed mfa-assume command
AWS_CLI = REPO / ".venv" / "tools" / "awscli" / "bin" / "aws"
TIMEOUT = 60  # seconds for any one expected output; the AWS CLI starts in about a second


def program_environment(home: Path, endpoint_url: str | None) -> dict[str, str]:
    """The whole environment of the programs under test: nothing of the test run leaks in."""
    env = {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        # botocore would ask the EC2 metadata endpoint if it found no credentials; stay local.
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return env


def _signals_as_in_a_terminal() -> None:
    """Ctrl-C and Ctrl-\\ do what they do for a command started from an interactive shell. A
    test run started in the background (``make test &``, a CI runner) has SIGINT ignored, and
    an ignored signal stays ignored across exec: the program would never see Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


class Terminal:
    """A program on a real pseudo-terminal, and everything the terminal showed."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.transcript = io.StringIO()
        self.child = pexpect.spawn(
            argv[0],
            argv[1:],
            env=env,
            cwd=str(cwd),
            encoding="utf-8",
            codec_errors="replace",
            timeout=TIMEOUT,
            dimensions=(24, 500),  # no line wrapping in the middle of an ARN
            preexec_fn=_signals_as_in_a_terminal,
        )
        self.child.logfile_read = self.transcript

    def wait_for(self, pattern: str) -> str:
        """Wait until ``pattern`` (a regular expression) shows; the text before it."""
        self.child.expect(pattern)
        return str(self.child.before)

    def type(self, line: str) -> None:
        self.child.sendline(line)

    def finish(self) -> tuple[int, str]:
        """Wait for the program to end: its exit status and what it showed since the last wait."""
        self.child.expect(pexpect.EOF)
        shown = str(self.child.before)
        self.child.close()
        status = self.child.exitstatus
        assert status is not None, f"ended by signal {self.child.signalstatus}"
        return status, shown

    def end(self) -> None:
        """Stop the program if it still runs (a failed test must not leave it behind)."""
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()

    @property
    def output(self) -> str:
        return self.transcript.getvalue()
