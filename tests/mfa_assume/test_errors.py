from __future__ import annotations

import re

from mfa_assume import errors, options
from mfa_assume.errors import ExitCode, HelperError, InputError


def documented_codes() -> dict[int, str]:
    doc = errors.__doc__ or ""
    return {int(m[1]): m[2].strip() for m in re.finditer(r"^\| (\d+) +\| (.+?) +\|$", doc, re.M)}


def test_every_exit_code_is_documented_once_in_the_module_docstring():
    assert sorted(documented_codes()) == sorted(int(c) for c in ExitCode)


def test_every_exit_code_is_listed_in_the_help_epilog():
    epilog = " ".join(options.EPILOG.split())
    for code in ExitCode:
        if code not in (ExitCode.COMMAND_NOT_EXECUTABLE, ExitCode.COMMAND_NOT_FOUND):  # "126/127"
            assert f"{int(code)} " in epilog
    assert "126/127" in epilog


def test_exit_codes_are_distinct():
    assert len({int(c) for c in ExitCode}) == len(ExitCode)


def test_input_error_carries_exit_code_2_and_its_message():
    error = InputError("bad")
    assert (error.code, error.message, str(error)) == (2, "bad", "bad")
    assert isinstance(error, HelperError)
