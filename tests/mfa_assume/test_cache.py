from __future__ import annotations

import datetime as dt
import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from mfa_assume import cache
from mfa_assume.credentials import Credentials

from .conftest import NOW, make_creds


@pytest.fixture
def entry(tmp_path):
    return cache.entry_path(cache.cache_dir({"HOME": str(tmp_path)}), "k" * 64)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_cache_folder_is_under_xdg_cache_home_or_home():
    assert cache.cache_dir({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == "/x/mfa-assume"
    assert cache.cache_dir({"HOME": "/h"}) == "/h/.cache/mfa-assume"


def test_key_is_a_stable_digest_of_its_parts():
    one = cache.key_for({"role_arn": "r", "caller": "c"})
    assert one == cache.key_for({"caller": "c", "role_arn": "r"})
    assert one != cache.key_for({"role_arn": "r", "caller": "d"})
    assert len(one) == 64
    assert "r" not in one.replace("f", "")


def test_stored_credentials_are_loaded_back(entry):
    cache.store(entry, make_creds())
    assert cache.load(entry, NOW) == make_creds()


def test_folder_is_0700_and_file_0600(entry):
    old = os.umask(0o022)
    try:
        cache.store(entry, make_creds())
    finally:
        os.umask(old)
    assert mode(os.path.dirname(entry)) == 0o700
    assert mode(entry) == 0o600


def test_existing_open_folder_is_tightened(entry):
    os.makedirs(os.path.dirname(entry), mode=0o755)
    os.chmod(os.path.dirname(entry), 0o755)
    cache.store(entry, make_creds())
    assert mode(os.path.dirname(entry)) == 0o700


@pytest.mark.parametrize(
    ("left", "valid"),
    [
        (dt.timedelta(hours=1), True),
        (cache.MARGIN + dt.timedelta(seconds=1), True),
        (cache.MARGIN, False),
        (dt.timedelta(minutes=5), False),
        (-dt.timedelta(minutes=5), False),
    ],
    ids=["hour-left", "just-over-margin", "at-margin", "inside-margin", "expired"],
)
def test_entry_is_used_until_the_margin_before_expiry(entry, left, valid):
    cache.store(entry, make_creds(expires=NOW + left))
    assert (cache.load(entry, NOW) is not None) is valid


def test_margin_is_beyond_botocores_advisory_refresh_window():
    """Credentials handed out never sit in the window where botocore re-runs the process on
    every request (advisory 15 minutes, mandatory 10)."""
    from botocore.credentials import RefreshableCredentials

    windows = vars(RefreshableCredentials)
    assert windows["_advisory_refresh_timeout"] == cache.SDK_ADVISORY_REFRESH.total_seconds()
    assert cache.MARGIN.total_seconds() > windows["_advisory_refresh_timeout"]
    assert cache.MARGIN.total_seconds() > windows["_mandatory_refresh_timeout"]


def test_missing_entry_is_a_miss(entry):
    assert cache.load(entry, NOW) is None


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "",
        "[]",
        '{"Version": 2}',
        json.dumps({"Version": 1, "AccessKeyId": "A"}),
        json.dumps({"Version": 1, **make_creds().to_dict(), "Expiration": "later"}),
    ],
    ids=["broken-json", "empty", "list", "other-version", "missing-fields", "bad-date"],
)
def test_corrupt_entry_is_ignored_then_replaced(entry, content):
    os.makedirs(os.path.dirname(entry), mode=0o700)
    fd = os.open(entry, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, content.encode())
    os.close(fd)
    assert cache.load(entry, NOW) is None
    cache.store(entry, make_creds())
    assert cache.load(entry, NOW) == make_creds()


def test_entry_readable_by_others_is_ignored(entry):
    cache.store(entry, make_creds())
    os.chmod(entry, 0o644)
    assert cache.load(entry, NOW) is None


def test_symlinked_entry_is_ignored(entry, tmp_path):
    elsewhere = str(tmp_path / "elsewhere.json")
    cache.store(elsewhere, make_creds())
    os.makedirs(os.path.dirname(entry), mode=0o700)
    os.symlink(elsewhere, entry)
    assert cache.load(entry, NOW) is None


def test_concurrent_writers_and_readers_never_see_a_partial_entry(entry):
    versions = [
        Credentials(
            f"ASIA{n:016d}", "s" * (n % 7 + 40), "t" * (n % 11 + 300), NOW + dt.timedelta(hours=1)
        )
        for n in range(40)
    ]
    cache.store(entry, versions[0])

    def write(creds):
        cache.store(entry, creds)
        return True

    def read(_):
        return cache.load(entry, NOW)

    with ThreadPoolExecutor(max_workers=16) as pool:
        writes = [pool.submit(write, v) for v in versions * 5]
        reads = [pool.submit(read, n) for n in range(400)]
        assert all(w.result() for w in writes)
        seen = [r.result() for r in reads]
    assert all(s in versions for s in seen)  # never None, never a mix
    assert cache.load(entry, NOW) in versions
    assert os.listdir(os.path.dirname(entry)) == [os.path.basename(entry)]  # no temp left


@pytest.mark.parametrize(
    "xdg", ["relative/cache", ".", "~/cache"], ids=["relative", "dot", "tilde"]
)
def test_relative_xdg_cache_home_is_ignored_as_the_spec_says(xdg):
    assert cache.cache_dir({"XDG_CACHE_HOME": xdg, "HOME": "/h"}) == "/h/.cache/mfa-assume"


def write_raw(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, data)
    os.close(fd)


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"Version": 1, "x": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
        b'{"Version": 1, "AccessKeyId": "' + b"A" * (cache.MAX_ENTRY_BYTES + 1) + b'"}',
        b"\xff\xfe\x00garbage",
    ],
    ids=["deep-nesting", "deep-nesting-small", "huge", "not-utf8"],
)
def test_entry_that_cannot_be_ours_is_a_miss_then_replaced(entry, data):
    write_raw(entry, data)
    assert cache.load(entry, NOW) is None
    cache.store(entry, make_creds())
    assert cache.load(entry, NOW) == make_creds()


def test_fifo_entry_is_a_miss_without_blocking_then_replaced(entry):
    os.makedirs(os.path.dirname(entry), mode=0o700)
    os.mkfifo(entry, 0o600)  # no writer: a blocking open would wait forever
    assert cache.load(entry, NOW) is None
    cache.store(entry, make_creds())
    assert cache.load(entry, NOW) == make_creds()


def test_directory_entry_is_a_miss_and_cannot_be_replaced(entry):
    os.makedirs(entry, mode=0o700)
    assert cache.load(entry, NOW) is None
    with pytest.raises(IsADirectoryError):  # flow.obtain warns and still succeeds
        cache.store(entry, make_creds())
