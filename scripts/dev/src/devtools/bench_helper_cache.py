#!/usr/bin/env python3
"""Benchmark: wall time of a cache hit of the assume-role helper, as developers install it.

Developers install the helper with ``pipx install ./scripts/mfa_assume``: a non-editable
install in a virtual environment of its own. This benchmark does the same in a temporary folder (a
``python -m venv --without-pip`` environment, as pipx makes, filled by this interpreter's
pip with a copy of the package and boto3 from the pip index or cache), then runs, in that
environment and interleaved round by round:

* ``python -c pass``: the interpreter's own start-up;
* ``python -c "import boto3"``;
* the installed ``mfa-assume --profile P --format json`` console script, answering from a
  cache entry written beforehand by the installed package: the *hit*, a run that repeats an
  earlier one (what botocore does on every use of the profile), which the shortcut answers
  (``mfa_assume.shortcut``);
* the same, after removing its shortcut file: the *first hit* after a change of options,
  variables or AWS files (the normal path, which writes the shortcut again; no target);

It prints the median and minimum of each and the hit's ratios to ``pass`` (target
``PASS_TARGET``) and to ``import boto3`` (target ``BOTO3_TARGET``), median over median (the
verdict) and minimum over minimum, and exits 1 when a target is missed. The helper runs
with a temporary HOME and AWS config holding fake keys, so no AWS endpoint is ever called:
``AWS_ENDPOINT_URL`` points at a closed loopback port, every run must exit 0 (a miss would
fail to reach it), and the answers before and after must be the cached credentials, the same
from the normal path and from the shortcut.

Usage: ``python scripts/bench_helper_cache.py [--repeat N]`` (``make bench-helper``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

PASS_TARGET = 2.0
BOTO3_TARGET = 0.4
PROFILE = "bench-power-user-mfa"
ACCESS_KEY = "ASIABENCHEXAMPLE"
CONFIG = f"""\
[profile {PROFILE}]
role_arn = arn:aws:iam::123456789012:role/developers/PowerUser-bench
source_profile = default
mfa_serial = arn:aws:iam::123456789012:mfa/bench
duration_seconds = 3600
region = us-east-1
"""
CREDENTIALS = """\
[default]
aws_access_key_id = TESTKEYIDBASE0000001
aws_secret_access_key = test-secret-not-a-real-key-0000000000000
"""
# Run by the installed package, so the entry is keyed exactly as the installed code keys it.
SEED = f"""
import datetime as dt, os
from mfa_assume import cache
from mfa_assume.credentials import Credentials
from mfa_assume.request import Options, build_request
env = dict(os.environ)
request = build_request(Options(profile={PROFILE!r}), env)
path = cache.entry_path(cache.cache_dir(env), cache.key_for(request.cache_key_parts(env)))
expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
cache.store(path, Credentials({ACCESS_KEY!r}, "bench-secret", "bench-token", expires))
"""
# The helper's project folder (scripts/mfa_assume: pyproject.toml, README.md, src/).
PROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), *[os.pardir] * 3, "mfa_assume")


def install(root: str) -> str:
    """A fresh venv under ``root`` with the package installed non-editable; its bin folder."""
    venv = os.path.join(root, "venv")
    source = os.path.join(root, "src")  # a copy: building in the project would leave build/
    shutil.copytree(
        os.path.normpath(PROJECT),
        source,
        ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"),
    )
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    bin_dir = os.path.join(venv, "bin")
    pip = [sys.executable, "-m", "pip", "--python", os.path.join(bin_dir, "python")]
    done = subprocess.run(
        [*pip, "install", "--quiet", "--disable-pip-version-check", source],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"pip install ./scripts/mfa_assume failed:\n{done.stdout}{done.stderr}")
    return bin_dir


def prepare(home: str) -> dict[str, str]:
    """A HOME with the profile and base keys; the environment the commands run with."""
    aws_dir = os.path.join(home, ".aws")
    os.makedirs(aws_dir)
    with open(os.path.join(aws_dir, "config"), "w", encoding="utf-8") as handle:
        handle.write(CONFIG)
    with open(os.path.join(aws_dir, "credentials"), "w", encoding="utf-8") as handle:
        handle.write(CREDENTIALS)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "PYTHON")) and key not in {"XDG_CACHE_HOME", "VIRTUAL_ENV"}
    }
    env.update(HOME=home, AWS_ENDPOINT_URL="http://127.0.0.1:9")  # port 9: nothing listens
    return env


def answer(command: Sequence[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or ACCESS_KEY not in done.stdout:
        sys.exit(f"{command[0]} did not answer from the cache: {done.stderr.strip()}")
    return done.stdout


def seconds(command: Sequence[str], env: dict[str, str]) -> float:
    """Wall time of one run, output discarded (no pipes to drain); exits if it failed."""
    start = time.perf_counter()
    code = subprocess.call(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    if code != 0:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        sys.exit(f"{' '.join(command)} failed ({code}): {done.stderr.strip()}")
    return elapsed


def shortcuts(env: dict[str, str]) -> set[str]:
    """The shortcut files (mfa_assume.shortcut) in the cache folder."""
    folder = os.path.join(env["HOME"], ".cache", "mfa-assume")
    return {os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".shortcut")}


def measure(
    commands: dict[str, Run], env: dict[str, str], repeat: int, first_hit: set[str]
) -> dict[str, list[float]]:
    """``repeat`` rounds; each round runs every command once, starting one later each round.

    ``first_hit``: the shortcut files that a ``first`` run removes and must write again."""
    names = list(commands)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm-up: file system cache, .pyc files
        seconds(commands[name].argv, env)
    for round_ in range(repeat):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            if commands[name].first:
                for path in first_hit:
                    os.unlink(path)
            times[name].append(seconds(commands[name].argv, env))
            if commands[name].first and not first_hit <= shortcuts(env):
                sys.exit("the first hit wrote no shortcut file")
    return times


class Run:
    """A command to time; ``first``: run without shortcut files (the first hit after a
    change of options, variables or AWS files), else after a run with the same inputs."""

    def __init__(self, label: str, argv: list[str], *, first: bool = False) -> None:
        self.label, self.argv, self.first = label, argv, first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=31, help="rounds (default: 31)")
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory(prefix="bench-helper-") as root:
        bin_dir = install(root)
        python = os.path.join(bin_dir, "python")
        env = prepare(os.path.join(root, "home"))
        subprocess.run([python, "-c", SEED], env=env, check=True)
        hit = [os.path.join(bin_dir, "mfa-assume"), "--profile", PROFILE, "--format", "json"]
        commands = {
            "pass": Run("python -c pass", [python, "-c", "pass"]),
            "boto3": Run('python -c "import boto3"', [python, "-c", "import boto3"]),
            "hit": Run("mfa-assume cache hit", hit),
            "first": Run("mfa-assume first hit (no shortcut)", hit, first=True),
        }
        first_answer = answer(hit, env)  # the normal path, which writes the shortcut file
        first_hit = shortcuts(env)
        if not first_hit or answer(hit, env) != first_answer:
            sys.exit("the shortcut's answer differs from the normal path's")
        times = measure(commands, env, repeat, first_hit)
        answer(hit, env)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"{repeat} interleaved rounds in a fresh venv with `pip install ./scripts/mfa_assume`:")
    for name, run in commands.items():
        fastest = min(times[name])
        print(
            f"  {run.label:36} median {median[name] * 1000:6.1f} ms, min {fastest * 1000:6.1f} ms"
        )
    ok = True
    for base, target in (("pass", PASS_TARGET), ("boto3", BOTO3_TARGET)):
        ratio = median["hit"] / median[base]
        fastest = min(times["hit"]) / min(times[base])
        ok = ok and ratio <= target
        verdict = "OK" if ratio <= target else "ABOVE TARGET"
        print(
            f"  hit / {base:5}: {ratio:.2f}, min/min {fastest:.2f} (target <= {target}) {verdict}"
        )
    for name in ("first",):
        print(
            f"  ({commands[name].label} / pass: {median[name] / median['pass']:.2f}, "
            f"/ boto3: {median[name] / median['boto3']:.2f}; no target)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
