from __future__ import annotations

import stat

import pytest

from mfa_assume import credfile
from mfa_assume.errors import InputError

from .conftest import TEMP_KEY_ID, TEMP_SECRET, TEMP_TOKEN, make_creds

OTHERS = """\
# my credentials
[default]
aws_access_key_id = TESTKEYIDBASE0000001
aws_secret_access_key = base

[other]
aws_access_key_id = TESTKEYIDOTHER
"""


def test_new_file_gets_the_profile_with_mode_0600(tmp_path):
    path = tmp_path / ".aws" / "credentials"
    credfile.write_profile(str(path), "alice-power-user", make_creds())
    assert path.read_text() == (
        "[alice-power-user]\n"
        f"aws_access_key_id = {TEMP_KEY_ID}\n"
        f"aws_secret_access_key = {TEMP_SECRET}\n"
        f"aws_session_token = {TEMP_TOKEN}\n"
        "# expires 2026-01-01T13:00:00Z (written by mfa-assume)\n"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_other_profiles_and_comments_are_kept_byte_for_byte(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(OTHERS)
    path.chmod(0o644)
    credfile.write_profile(str(path), "temp", make_creds())
    text = path.read_text()
    assert text.startswith(OTHERS + "\n[temp]\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_existing_profile_is_replaced_in_place(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[temp]\naws_access_key_id = OLD\naws_session_token = OLD\n\n" + OTHERS)
    credfile.write_profile(str(path), "temp", make_creds())
    text = path.read_text()
    assert "OLD" not in text
    assert text.count("[temp]") == 1
    assert text.startswith("[temp]\n")
    assert text.endswith(OTHERS)


def test_file_without_final_newline_is_appended_cleanly(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[default]\naws_access_key_id = A")
    credfile.write_profile(str(path), "temp", make_creds())
    assert path.read_text().startswith("[default]\naws_access_key_id = A\n\n[temp]\n")


@pytest.mark.parametrize("name", ["a b", "x]", ""])
def test_profile_name_with_odd_characters_is_refused(name):
    with pytest.raises(InputError, match=r"profile name .* is not valid"):
        credfile.check_profile_name(name)


def test_writing_twice_leaves_one_section_and_one_expiry_line(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(OTHERS)
    credfile.write_profile(str(path), "temp", make_creds())
    credfile.write_profile(str(path), "default", make_creds())
    credfile.write_profile(str(path), "temp", make_creds())
    text = path.read_text()
    assert text.count("[temp]") == text.count("[default]") == 1
    assert text.count("written by mfa-assume") == 2
    assert "[other]\naws_access_key_id = TESTKEYIDOTHER\n" in text


def test_symlinked_credentials_file_is_followed_and_the_link_kept(tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "aws-credentials"
    target.write_text(OTHERS)
    target.chmod(0o644)
    link = tmp_path / "credentials"
    link.symlink_to(target)
    credfile.write_profile(str(link), "temp", make_creds())
    assert link.is_symlink()
    assert link.resolve() == target
    assert f"[temp]\naws_access_key_id = {TEMP_KEY_ID}\n" in target.read_text()
    assert target.read_text().startswith(OTHERS)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in dotfiles.iterdir()) == ["aws-credentials"]  # no temp file


def test_dangling_symlink_creates_the_target_file(tmp_path):
    link = tmp_path / "credentials"
    link.symlink_to(tmp_path / "missing")
    credfile.write_profile(str(link), "temp", make_creds())
    assert link.is_symlink()
    assert (tmp_path / "missing").read_text().startswith("[temp]\n")


ROLE = "role_arn = arn:aws:iam::123456789012:role/x\n"
LONG_TERM = "aws_access_key_id = TESTKEYIDBASE0000001\naws_secret_access_key = base\n"
TEMPORARY = f"aws_access_key_id = {TEMP_KEY_ID}\naws_secret_access_key = s\naws_session_token = t\n"


@pytest.mark.parametrize(
    ("config", "credentials", "refusal"),
    [
        pytest.param("", f"[default]\n{LONG_TERM}", "long-term access keys", id="keys-in-creds"),
        pytest.param(f"[default]\n{LONG_TERM}", "", "long-term access keys", id="keys-in-config"),
        pytest.param(
            "",
            "[default]\naws_secret_access_key = only-the-secret\n",
            "long-term access keys",
            id="a-secret-alone",
        ),
        pytest.param(
            f"[profile dev]\n{ROLE}source_profile = default\n",
            f"[default]\n{TEMPORARY}",
            "profile 'dev' uses it as source_profile",
            id="source-profile-of-another",
        ),
        pytest.param(
            f"[default]\n{ROLE}credential_source = Ec2InstanceMetadata\n",
            "",
            "it gets its credentials from role_arn",
            id="role-profile",
        ),
        pytest.param(
            "[default]\ncredential_process = mfa-assume --profile x --format json\n",
            "",
            "it gets its credentials from credential_process",
            id="credential-process-profile",
        ),
        pytest.param(
            "[default]\nsso_session = corp\nsso_account_id = 123456789012\n",
            "",
            "it gets its credentials from sso_session",
            id="sso-profile",
        ),
    ],
)
def test_profiles_holding_or_feeding_credentials_are_never_overwritten(
    aws_home, config, credentials, refusal
):
    env = aws_home(config=config, credentials=credentials)
    with pytest.raises(InputError, match=refusal) as caught:
        credfile.check_target("default", env)
    assert "choose another name, e.g. --write-profile default-mfa" in caught.value.message
    path = f"{env['HOME']}/.aws/credentials"
    with pytest.raises(InputError, match=refusal):
        credfile.write_profile(path, "default", make_creds(), env)
    with open(path) as handle:
        assert handle.read() == credentials


@pytest.mark.parametrize(
    ("credentials", "name"),
    [
        pytest.param(f"[default]\n{LONG_TERM}", "alice-temp", id="a-new-name"),
        pytest.param(f"[default]\n{LONG_TERM}[t]\n{TEMPORARY}", "t", id="temporary-keys"),
    ],
)
def test_a_new_profile_or_one_with_temporary_keys_is_written(aws_home, credentials, name):
    env = aws_home(config="", credentials=credentials)
    path = f"{env['HOME']}/.aws/credentials"
    credfile.write_profile(path, name, make_creds(), env)
    credfile.write_profile(path, name, make_creds(), env)  # its own profile, again
    with open(path) as handle:
        text = handle.read()
    assert text.startswith(f"[default]\n{LONG_TERM}")
    assert f"[{name}]\naws_access_key_id = {TEMP_KEY_ID}\n" in text


@pytest.mark.parametrize(
    ("config", "credentials", "suggested"),
    [
        pytest.param(
            "[profile dev-power-user]\ncredential_process = mfa-assume --profile "
            f"dev-power-user-mfa\n[profile dev-power-user-mfa]\n{ROLE}source_profile = default\n",
            f"[default]\n{LONG_TERM}",
            "dev-power-user-temp",
            id="NAME-mfa-is-a-role-profile",
        ),
        pytest.param(
            "[profile dev-power-user]\ncredential_process = x\n"
            f"[profile dev-power-user-mfa]\n{ROLE}source_profile = default\n"
            "[profile dev-power-user-temp]\ncredential_process = y\n",
            "",
            "dev-power-user-session",
            id="NAME-temp-taken-too",
        ),
        pytest.param(
            "[profile dev-power-user]\ncredential_process = x\n",
            f"[dev-power-user-mfa]\n{TEMPORARY}",
            "dev-power-user-mfa",
            id="NAME-mfa-holds-temporary-keys",
        ),
    ],
)
def test_the_refusal_suggests_a_name_that_would_be_accepted(
    aws_home, config, credentials, suggested
):
    env = aws_home(config=config, credentials=credentials)
    with pytest.raises(InputError) as caught:
        credfile.check_target("dev-power-user", env)
    assert caught.value.message.endswith(f"; choose another name, e.g. --write-profile {suggested}")
    credfile.check_target(suggested, env)  # accepted


def test_the_refusal_names_the_taken_candidates_when_none_would_be_accepted(aws_home):
    config = "".join(
        f"[profile dev{suffix}]\ncredential_process = x\n"
        for suffix in ("", "-mfa", "-temp", "-session")
    )
    env = aws_home(config=config, credentials="")
    with pytest.raises(InputError) as caught:
        credfile.check_target("dev", env)
    assert caught.value.message.endswith(
        "; choose another name (dev-mfa, dev-temp, dev-session would be refused too)"
    )


def test_crlf_file_keeps_crlf_on_rewrite(tmp_path):
    path = tmp_path / "credentials"
    path.write_bytes(OTHERS.replace("\n", "\r\n").encode())
    credfile.write_profile(str(path), "work-mfa", make_creds())
    credfile.write_profile(str(path), "work-mfa", make_creds())  # and on replacing it
    data = path.read_bytes().decode()
    assert data.startswith(OTHERS.replace("\n", "\r\n"))
    assert "\n" not in data.replace("\r\n", "")
    assert data.count("[work-mfa]") == 1


def test_a_read_only_file_or_folder_is_found_before_writing(tmp_path):
    from mfa_assume.errors import ExitCode, HelperError

    path = tmp_path / "credentials"
    path.write_text(OTHERS)
    path.chmod(0o444)
    with pytest.raises(HelperError) as refused:
        credfile.check_writable(str(path))
    assert refused.value.code == ExitCode.LOCAL_WRITE
    assert refused.value.message == f"cannot write {path}: it is read-only (mode 0444)"
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    with pytest.raises(HelperError, match=f"its folder {folder} is read-only"):
        credfile.check_writable(str(folder / "credentials"))


def test_write_profile_into_a_read_only_file_fails_before_the_code_is_asked(aws_home):
    import io
    from pathlib import Path

    from mfa_assume import cli, flow

    from .conftest import CodeTyped, RecordingFactory

    env = aws_home()
    credentials = Path(env["HOME"], ".aws", "credentials")
    credentials.chmod(0o444)
    stderr, asked, factory = io.StringIO(), CodeTyped(), RecordingFactory()
    deps = flow.Deps(env=env, stderr=stderr, ask_code=asked, make_clients=factory)
    code = cli.main(
        ["--profile", "alice-power-user-mfa", "--write-profile", "work-temp"],
        deps,
        stdout=io.StringIO().write,
    )
    assert code == 11
    assert stderr.getvalue() == (
        f"mfa-assume: cannot write {credentials}: it is read-only (mode 0444)\n"
    )
    assert asked.asked == []  # no code asked
    assert factory.calls == []  # no AWS call
