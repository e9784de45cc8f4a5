from __future__ import annotations

import os
import stat

import pytest

from mfa_assume import files


def test_written_file_is_0600_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        files.write_private_file(str(tmp_path / "f"), "secret")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "f").st_mode) == 0o600
    assert (tmp_path / "f").read_text() == "secret"


def test_open_existing_file_becomes_0600(tmp_path):
    target = tmp_path / "f"
    target.write_text("old")
    target.chmod(0o644)
    files.write_private_file(str(target), "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == "new"


def test_missing_folder_is_created_0700(tmp_path):
    files.write_private_file(str(tmp_path / "new" / "f"), "x")
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "f"
    target.write_text("old")

    def fail(src, dst, **dir_fds):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space"):
        files.write_private_file(str(target), "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["f"]


def test_private_dir_is_tightened(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir(mode=0o755)
    files.ensure_private_dir(str(folder))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_link_at_the_private_dir_is_refused_and_its_target_untouched(tmp_path):
    target = tmp_path / "target"
    target.mkdir(mode=0o755)
    (tmp_path / "cache").symlink_to(target)
    with pytest.raises(PermissionError) as refused:
        files.ensure_private_dir(str(tmp_path / "cache"))
    assert str(refused.value.strerror).startswith(f"{tmp_path}/cache is a symbolic link")
    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_a_file_at_the_private_dir_is_refused_with_the_reason(tmp_path):
    (tmp_path / "cache").write_text("")
    with pytest.raises(PermissionError) as refused:
        files.ensure_private_dir(str(tmp_path / "cache"))
    assert str(refused.value.strerror).startswith(f"{tmp_path}/cache is not a folder")


def test_an_entry_is_written_relative_to_the_checked_folder(tmp_path):
    fd = files.open_private_dir(str(tmp_path / "cache"))
    try:
        files.write_private_file("entry.json", "{}", dir_fd=fd)
    finally:
        os.close(fd)
    assert (tmp_path / "cache" / "entry.json").read_text() == "{}"
    assert sorted(os.listdir(tmp_path / "cache")) == ["entry.json"]
