from __future__ import annotations

import dataclasses
import io
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from mfa_assume import cache, cli, shortcut
from mfa_assume.request import Options, build_request

from .conftest import NOW, PROFILE, make_creds

ARGS = ["--profile", PROFILE, "--format", "json"]
AT = NOW.timestamp()


@dataclasses.dataclass
class Home:
    env: dict[str, str]
    entry: str

    @property
    def folder(self) -> Path:
        return Path(cache.cache_dir(self.env))

    def shortcuts(self) -> list[Path]:
        return sorted(self.folder.glob("*.shortcut"))


@pytest.fixture
def home(aws_home):
    """A HOME with the stack's profile and a valid cache entry for it; no shortcut yet."""
    env = aws_home()
    request = build_request(Options(profile=PROFILE), env)
    entry = cache.entry_path(cache.cache_dir(env), cache.key_for(request.cache_key_parts(env)))
    cache.store(entry, make_creds())
    return Home(env, entry)


def run(home: Home, make_deps, args: list[str] = ARGS, env: Mapping[str, str] | None = None):
    """cli.main, the normal path (which writes the shortcut); its exit code and output."""
    out = io.StringIO()
    deps = make_deps(home.env if env is None else env)
    code = cli.main(args, deps, stdout=out.write)
    assert "warning" not in deps.stderr.getvalue()
    return code, out.getvalue()


def test_a_run_that_repeats_one_gets_the_same_text_from_the_shortcut(home, make_deps):
    assert shortcut.answer(ARGS, home.env, AT) is None
    code, printed = run(home, make_deps)
    assert code == 0
    assert printed.startswith('{\n  "Version": 1,')
    assert shortcut.answer(ARGS, home.env, AT) == printed
    assert len(home.shortcuts()) == 1


def test_the_shortcut_file_is_private(home, make_deps):
    run(home, make_deps)
    (path,) = home.shortcuts()
    assert path.stat().st_mode & 0o777 == 0o600


def edit_config(home: Home) -> None:
    with open(Path(home.env["HOME"]) / ".aws" / "config", "a") as handle:
        handle.write("# a comment changes nothing for the normal path, but the bytes\n")


def edit_credentials(home: Home) -> None:
    with open(Path(home.env["HOME"]) / ".aws" / "credentials", "a") as handle:
        handle.write("\n")


def new_session(home: Home) -> None:
    cache.store(home.entry, make_creds()._replace(access_key_id="TESTKEYIDNEWSESSION1"))


def group_readable(home: Home) -> None:
    home.shortcuts()[0].chmod(0o640)


def garbled(home: Home) -> None:
    home.shortcuts()[0].write_bytes(b"1 not a shortcut\n")


@pytest.mark.parametrize(
    "change",
    [
        edit_config,
        edit_credentials,
        new_session,
        lambda home: os.unlink(home.entry),
        group_readable,
        garbled,
    ],
    ids=["config", "credentials", "new-session", "entry-removed", "group-readable", "garbled"],
)
def test_a_changed_input_or_entry_finds_no_shortcut(home, make_deps, change):
    run(home, make_deps)
    change(home)
    assert shortcut.answer(ARGS, home.env, AT) is None


@pytest.mark.parametrize(
    ("args", "variables"),
    [
        (["--format", "json", "--profile", PROFILE], {}),
        (["--profile", PROFILE], {}),
        (ARGS, {"AWS_REGION": "eu-west-1"}),
        (ARGS, {"MFA_ASSUME_LOCK_TIMEOUT": "5"}),
        (ARGS, {"XDG_CACHE_HOME": "/elsewhere"}),
    ],
    ids=["options-order", "other-format", "aws-variable", "helper-variable", "xdg"],
)
def test_other_options_or_variables_find_no_shortcut(home, make_deps, args, variables):
    run(home, make_deps)
    assert shortcut.answer(args, {**home.env, **variables}, AT) is None


def test_variables_the_helper_does_not_read_do_not_matter(home, make_deps):
    run(home, make_deps)
    assert shortcut.answer(ARGS, {**home.env, "PWD": "/tmp", "TERM": "dumb"}, AT) is not None


def test_the_shortcut_ends_at_the_cache_margin(home, make_deps):
    run(home, make_deps)
    expiry = make_creds().expiration.timestamp()
    margin = cache.MARGIN.total_seconds()
    assert shortcut.answer(ARGS, home.env, expiry - margin - 1) is not None
    assert shortcut.answer(ARGS, home.env, expiry - margin) is None


@pytest.mark.parametrize(
    "args",
    [
        [*ARGS, "--write-profile", "tmp"],
        [*ARGS, "--", "true"],
    ],
    ids=["write-profile", "command"],
)
def test_runs_that_do_more_than_print_leave_no_shortcut(home, make_deps, args):
    code, _ = run(home, make_deps, args)
    assert code == 0
    assert home.shortcuts() == []


@pytest.mark.parametrize(
    "entry_now",
    [None, make_creds()._replace(access_key_id="TESTKEYIDNEWSESSION1")],
    ids=["not-cached", "replaced-since"],
)
def test_no_shortcut_unless_the_entry_holds_the_credentials_printed(home, entry_now):
    if entry_now is None:
        os.unlink(home.entry)
    else:
        cache.store(home.entry, entry_now)
    shortcut.remember(ARGS, home.env, home.entry, make_creds(), "printed\n")
    assert home.shortcuts() == []


def test_shortcut_files_older_than_any_session_are_removed(home, make_deps):
    home.folder.mkdir(parents=True, exist_ok=True)
    old, recent = home.folder / ("0" * 64 + ".shortcut"), home.folder / ("1" * 64 + ".shortcut")
    for path in (old, recent):
        path.write_text("x")
    stale = NOW.timestamp() - shortcut.MAX_AGE - 60
    os.utime(old, (stale, stale))
    os.utime(recent, None)
    run(home, make_deps)
    assert not old.exists()
    assert recent.exists()


class Recording(Mapping[str, str]):
    """An environment that records the names the code reads."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return self.env[name]

    def __iter__(self) -> Iterator[str]:
        self.read.add("<every variable>")
        return iter(self.env)

    def __len__(self) -> int:
        return len(self.env)


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"AWS_PROFILE": "other", "AWS_ENDPOINT_URL_IAM": "http://127.0.0.1:9"},
        {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"},
    ],
    ids=["plain", "profile-iam-endpoint", "region-keys"],
)
def test_every_variable_the_normal_path_reads_is_in_the_digest(
    home, make_deps, variables, monkeypatch
):
    monkeypatch.setattr(cli, "remember", lambda *args: None)  # the shortcut reads them all
    recording = Recording({**home.env, **variables})
    code, _ = run(home, make_deps, ARGS, env=recording)
    assert code == 0
    missed = {
        name
        for name in recording.read
        if not name.startswith(shortcut.VARIABLE_PREFIXES) and name not in shortcut.VARIABLES
    }
    assert missed == set()


def test_an_edited_module_gives_another_digest(tmp_path, monkeypatch, home):
    for name in ("cli.py", "cache.py"):
        (tmp_path / name).write_text("# module\n")
    monkeypatch.setattr(shortcut, "_PACKAGE", str(tmp_path))
    before = shortcut.inputs_digest(ARGS, home.env)
    (tmp_path / "cli.py").write_text("# module, edited\n")
    assert shortcut.inputs_digest(ARGS, home.env) not in (None, before)


def test_arguments_and_variables_cannot_stand_for_each_other(tmp_path):
    files = {"AWS_CONFIG_FILE": str(tmp_path / "c"), "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    as_args = shortcut.inputs_digest(["XDG_CACHE_HOME", "/x"], files)
    assert as_args != shortcut.inputs_digest([], {**files, "XDG_CACHE_HOME": "/x"})


def test_an_unreadable_aws_file_gives_no_digest(home, tmp_path):
    env = {**home.env, "AWS_CONFIG_FILE": str(tmp_path)}  # a folder: IsADirectoryError
    assert shortcut.inputs_digest(ARGS, env) is None
    assert shortcut.answer(ARGS, env, AT) is None


@pytest.mark.parametrize(
    "loosen",
    [
        pytest.param("entry", id="0644-entry"),
        pytest.param("folder", id="0755-folder"),
    ],
)
def test_an_entry_or_folder_open_to_others_gets_no_shortcut_answer(home, make_deps, loosen):
    """The cache's rules on both paths: such an entry is not used, and the normal path
    (which then runs) tightens the folder when it stores a new session."""
    run(home, make_deps)
    assert shortcut.answer(ARGS, home.env, AT) is not None
    if loosen == "entry":
        os.chmod(home.entry, 0o644)
    else:
        os.chmod(home.folder, 0o755)
    assert shortcut.answer(ARGS, home.env, AT) is None
