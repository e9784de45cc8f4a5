"""The private page that leads the browser to the sign-in URL: who can read it, when it goes."""

from __future__ import annotations

import html
import os
import re
import stat
from pathlib import Path

from mfa_assume import console_page

URL = 'https://signin.aws.amazon.com/federation?Action=login&SigninToken=a+b/c=="&x=<y>'


def mode(path: str | Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_page_leads_to_the_url_exactly(tmp_path: Path) -> None:
    path = console_page.write_page(URL, {"XDG_RUNTIME_DIR": str(tmp_path)})
    text = Path(path).read_text()
    assert html.unescape(re.search(r'content="0;url=([^"]+)"', text)[1]) == URL  # type: ignore[index]
    assert "<y>" not in text  # escaped: the URL cannot break out of the attribute


def test_the_page_is_0600_in_a_new_0700_folder(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    path = console_page.write_page(URL, {"XDG_RUNTIME_DIR": str(tmp_path)})
    assert (mode(path), mode(os.path.dirname(path))) == (0o600, 0o700)
    assert os.path.dirname(os.path.dirname(path)) == str(tmp_path)
    assert console_page.page_url(path) == f"file://{path}"
    assert "SigninToken" not in console_page.page_url(path)


def test_a_runtime_folder_others_may_enter_is_not_used(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    assert console_page.page_folder_base({"XDG_RUNTIME_DIR": str(tmp_path)}) != str(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    assert console_page.page_folder_base({"XDG_RUNTIME_DIR": str(link)}) != str(link)


def test_the_page_is_removed_once_the_browser_has_read_it(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    path = console_page.write_page(URL, {"XDG_RUNTIME_DIR": str(tmp_path)})
    info = os.stat(path)
    os.utime(path, ns=(info.st_ctime_ns - 10**9, info.st_mtime_ns))  # not read yet
    assert not console_page.was_read(path)
    waits: list[float] = []

    def browser_reads(seconds: float) -> None:
        waits.append(seconds)
        Path(path).read_text()
        os.utime(path, ns=(info.st_ctime_ns + 10**12, info.st_mtime_ns))  # read

    console_page.remove_when_read(path, monotonic=lambda: 0.0, pause=browser_reads)
    assert len(waits) == 1
    assert not os.path.exists(os.path.dirname(path))


def test_an_unread_page_is_removed_when_the_token_expires(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    path = console_page.write_page(URL, {"XDG_RUNTIME_DIR": str(tmp_path)})
    info = os.stat(path)
    os.utime(path, ns=(info.st_ctime_ns - 10**9, info.st_mtime_ns))
    clock = iter([0.0, 10.0, 899.0, 900.0])
    console_page.remove_when_read(path, monotonic=lambda: next(clock), pause=lambda _: None)
    assert not os.path.exists(os.path.dirname(path))


def test_the_remover_takes_only_a_page_folder(tmp_path: Path) -> None:
    assert console_page.main([str(tmp_path)]) == 2
    assert tmp_path.exists()
