"""Another local user watches the browser start: the sign-in token is not on its command line.

The victim (the test's own user: the interpreter under test may sit where only it can run it)
runs ``mfa-assume console`` with a fake browser that records what it receives and then
waits, so that the attacker (a second local user made for the test) can look at it while it
runs, as one would with ``ps`` or ``/proc/<pid>/cmdline``. The attacker finds
only the path of a page they cannot read; the victim's browser reads the page and finds the
sign-in URL with the token the federation endpoint gave.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import os
import re
import select
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from mfa_assume import cache
from mfa_assume.credentials import Credentials
from mfa_assume.request import Options, build_request
from tests.local_users import LocalUser, local_users

from .conftest import (
    DEFAULT_CREDENTIALS,
    PROFILE,
    SIGNIN_TOKEN,
    STACK_CONFIG,
    TEMP_KEY_ID,
    TEMP_SECRET,
    TEMP_TOKEN,
)

WAIT = 60.0  # bound on each wait for the helper or its browser; never reached when all is well

BROWSER = """\
#!/bin/sh
# a browser: tells the test it started (its pid), waits for the go, then reads the page
exec > /dev/null 2>&1  # not the helper's pipes: a failed test must not wait for it
printf '%s' "$1" > {received}
echo $$ > {started}
cat {go} > /dev/null
cat "${{1#file://}}" > {page_seen}
"""


@pytest.fixture
def place() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="mfa-assume-console-users-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        subprocess.run(["rm", "-rf", "--one-file-system", str(folder)], check=False)


def victim_setup(place: Path) -> dict[str, str]:
    """The victim's HOME with the stack's profile and role credentials in its cache."""
    home = place / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(STACK_CONFIG)
    (home / ".aws" / "credentials").write_text(DEFAULT_CREDENTIALS)
    env = {
        "HOME": str(home),
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    request = build_request(Options(profile=PROFILE), env)
    entry = cache.entry_path(cache.cache_dir(env), cache.key_for(request.cache_key_parts(env)))
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    cache.store(entry, Credentials(TEMP_KEY_ID, TEMP_SECRET, TEMP_TOKEN, expires))
    return env


def wait_readable(fd: int, helper: subprocess.Popen[str]) -> None:
    ready, _, _ = select.select([fd], [], [], WAIT)
    assert ready, f"the browser did not start; the helper: {helper.poll()}"


@pytest.fixture
def attacker() -> Iterator[LocalUser]:
    with local_users("attacker") as (made,):
        yield made


def test_another_user_cannot_read_the_sign_in_token_from_the_browser(attacker, place, federation):
    env = victim_setup(place)
    records = {name: place / name for name in ("received", "started", "go", "page_seen")}
    for name in ("started", "go"):
        os.mkfifo(records[name], 0o600)
    browser = place / "browser"
    browser.write_text(BROWSER.format(**{k: str(v) for k, v in records.items()}))
    browser.chmod(0o755)
    env.update(AWS_ENDPOINT_URL_SIGNIN=federation.url, BROWSER=str(browser))

    helper = subprocess.Popen(
        [sys.executable, "-m", "mfa_assume", "console", "--profile", PROFILE],
        env=env,
        cwd=env["HOME"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = os.open(records["started"], os.O_RDONLY | os.O_NONBLOCK)
        try:
            wait_readable(started, helper)
            pid = int(os.read(started, 64).split()[0])
        finally:
            os.close(started)

        # the attack, while the browser runs: its command line and the page it was given
        seen = attacker.run(["cat", f"/proc/{pid}/cmdline"])
        assert seen.returncode == 0, seen.stderr
        argv = [arg for arg in seen.stdout.split("\0") if arg]  # /bin/sh SCRIPT URL
        assert argv[-1].startswith("file:///"), argv
        assert "SigninToken" not in seen.stdout
        assert SIGNIN_TOKEN not in seen.stdout
        assert urllib.parse.quote_plus(SIGNIN_TOKEN) not in seen.stdout
        page = argv[-1].removeprefix("file://")
        stolen = attacker.run(["cat", page])
        assert stolen.returncode != 0
        assert "Permission denied" in stolen.stderr
        assert "SigninToken" not in stolen.stdout

        go = os.open(records["go"], os.O_WRONLY)  # the browser is waiting at the other end
        os.close(go)
        out, err = helper.communicate(timeout=WAIT)
    finally:
        if helper.poll() is None:
            with contextlib.suppress(OSError):  # release a browser waiting for the go
                os.close(os.open(records["go"], os.O_WRONLY | os.O_NONBLOCK))
            helper.kill()
            helper.communicate(timeout=WAIT)
    assert (helper.returncode, out) == (0, ""), err
    assert err == "mfa-assume: opened the AWS console (aws, us-east-1) in your browser\n"
    # the victim's browser got the sign-in URL from the page
    shown = records["page_seen"].read_text()
    target = html.unescape(re.search(r'content="0;url=([^"]+)"', shown)[1])  # type: ignore[index]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query))
    assert target.startswith(f"{federation.url}/federation?")
    assert (query["Action"], query["SigninToken"]) == ("login", SIGNIN_TOKEN)
