#!/usr/bin/env python3
"""Benchmark: wall time of a cache hit of the assume-role helper against ``import boto3``.

Both are measured in the same run, with the same interpreter, as separate processes
(``python -c "import boto3"`` and ``python scripts/assume_role.py --profile ... --format
json`` with a valid cache entry). Each is repeated and the median is reported, with the
ratio hit/import (target 0.4 or less). The helper runs with a temporary HOME and AWS
config holding fake keys and a pre-filled cache file, so no AWS endpoint is ever called:
``AWS_ENDPOINT_URL`` points at a closed loopback port, and the run fails if the helper
does not answer from the cache.

Usage: ``python scripts/bench_helper_cache.py [--repeat N]`` (``make bench-helper``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from mfa_assume import cache  # noqa: E402
from mfa_assume.credentials import Credentials  # noqa: E402
from mfa_assume.request import Options, build_request  # noqa: E402

TARGET = 0.4
PROFILE = "bench-power-user-mfa"
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


def prepare(home: str) -> dict[str, str]:
    """A HOME with the profile and a cache entry valid for two hours; the environment."""
    aws_dir = os.path.join(home, ".aws")
    os.makedirs(aws_dir)
    with open(os.path.join(aws_dir, "config"), "w", encoding="utf-8") as handle:
        handle.write(CONFIG)
    with open(os.path.join(aws_dir, "credentials"), "w", encoding="utf-8") as handle:
        handle.write(CREDENTIALS)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key not in {"XDG_CACHE_HOME", "PYTHONPATH"}
    }
    env.update(HOME=home, AWS_ENDPOINT_URL="http://127.0.0.1:9")  # port 9: nothing listens
    request = build_request(Options(profile=PROFILE), env)
    path = cache.entry_path(cache.cache_dir(env), cache.key_for(request.cache_key_parts(env)))
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    cache.store(path, Credentials("ASIABENCHEXAMPLE", "bench-secret", "bench-token", expires))
    return env


def median_seconds(command: list[str], env: dict[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed: {done.stderr.decode().strip()}")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory(prefix="bench-helper-") as home:
        env = prepare(home)
        helper = [sys.executable, os.path.join(HERE, "assume_role.py")]
        hit_command = [*helper, "--profile", PROFILE, "--format", "json"]
        check = subprocess.run(hit_command, env=env, capture_output=True, text=True, check=False)
        if check.returncode != 0 or "ASIABENCHEXAMPLE" not in check.stdout:
            sys.exit(f"the helper did not answer from the cache: {check.stderr.strip()}")
        median_seconds(hit_command, env, 2)  # warm the file system cache
        boto3_time = median_seconds([sys.executable, "-c", "import boto3"], env, repeat)
        hit_time = median_seconds(hit_command, env, repeat)
    ratio = hit_time / boto3_time
    print(f"python -c 'import boto3': {boto3_time * 1000:7.1f} ms (median of {repeat})")
    print(f"helper cache hit:         {hit_time * 1000:7.1f} ms (median of {repeat})")
    verdict = "OK" if ratio <= TARGET else "ABOVE TARGET"
    print(f"ratio: {ratio:.2f} (target <= {TARGET}) {verdict}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
