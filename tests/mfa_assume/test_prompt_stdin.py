from __future__ import annotations

import io

import pytest

from mfa_assume.errors import ExitCode, HelperError, InputError
from mfa_assume.prompt import stdin


def test_code_is_read_from_standard_input():
    assert stdin.read(io.StringIO("123456\n")) == "123456"


def test_empty_standard_input_is_no_token():
    with pytest.raises(HelperError) as caught:
        stdin.read(io.StringIO(""))
    assert caught.value.code == ExitCode.NO_TOKEN
    assert "standard input was empty" in caught.value.message


def test_bad_code_on_standard_input_is_an_input_error():
    with pytest.raises(InputError, match="has 4 digits"):
        stdin.read(io.StringIO("1234\n"))
