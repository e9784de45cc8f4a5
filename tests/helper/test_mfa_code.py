from __future__ import annotations

import io

import pytest

from mfa_assume import mfa_code
from mfa_assume.errors import ExitCode, HelperError, InputError

from .conftest import SERIAL, FakeTty, no_tty


def test_code_is_read_from_standard_input():
    assert mfa_code.read_from_stdin(io.StringIO("123456\n")) == "123456"


def test_empty_standard_input_is_no_token():
    with pytest.raises(HelperError) as caught:
        mfa_code.read_from_stdin(io.StringIO(""))
    assert caught.value.code == ExitCode.NO_TOKEN
    assert "standard input was empty" in caught.value.message


def test_bad_code_on_standard_input_is_an_input_error():
    with pytest.raises(InputError, match="has 4 digits"):
        mfa_code.read_from_stdin(io.StringIO("1234\n"))


def test_prompt_goes_to_the_terminal_not_stdout_or_stderr(capsys):
    tty = FakeTty("654321\n")
    assert mfa_code.prompt(tty, SERIAL) == "654321"
    assert tty.output.getvalue() == f"MFA code for {SERIAL}: "
    assert capsys.readouterr() == ("", "")


def test_prompt_asks_again_after_a_mistyped_code():
    tty = FakeTty("12345\n654321\n")
    assert mfa_code.prompt(tty, SERIAL) == "654321"
    assert tty.output.getvalue().count("MFA code for") == 2
    assert "has 5 digits" in tty.output.getvalue()


def test_prompt_gives_up_after_three_bad_codes():
    with pytest.raises(InputError, match="characters other than digits"):
        mfa_code.prompt(FakeTty("a\nb\nc\n654321\n"), SERIAL)


def test_end_of_input_at_the_prompt_is_no_token():
    with pytest.raises(HelperError) as caught:
        mfa_code.prompt(FakeTty(""), SERIAL)
    assert caught.value.code == ExitCode.NO_TOKEN


def test_no_terminal_says_how_to_pass_the_code():
    with pytest.raises(HelperError) as caught:
        mfa_code.prompt(no_tty, SERIAL)
    assert caught.value.code == ExitCode.NO_TOKEN
    assert (
        "no terminal to ask on; pass --token-code CODE, or --token-code -" in caught.value.message
    )


def test_real_opener_without_a_terminal_raises_oserror():
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, 'scripts'); from mfa_assume.mfa_code import open_tty\n"
        "try:\n    open_tty()\nexcept OSError:\n    sys.exit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], start_new_session=True, check=False)
    assert done.returncode == 3
