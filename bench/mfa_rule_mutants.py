"""Break one part of the MFA trust rule at a time and count the policies on which the
differential test (tests/developer_role/test_mfa_differential.py) then sees a disagreement
with the local AWS's evaluator. Every line must show a count above 0; the last line, 0.

Usage: ``.venv/bin/python bench/mfa_rule_mutants.py``
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from developer_role import condition_operators, mfa_rule

TEST = Path(__file__).resolve().parents[1] / "tests" / "developer_role" / "test_mfa_differential.py"


def load_differential() -> Any:
    """The differential test module (tests/ is no package on the path of a script)."""
    spec = importlib.util.spec_from_file_location("differential", TEST)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {TEST}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


differential = load_differential()

holds = condition_operators.operator_holds
Undo = Callable[[], None]


def operator(name: str, compare: Any = None, negated: bool | None = None) -> Undo:
    original = condition_operators.OPERATORS[name]
    condition_operators.OPERATORS[name] = (
        compare or original[0],
        original[1] if negated is None else negated,
    )
    return lambda: condition_operators.OPERATORS.__setitem__(name, original)


def rule_function(name: str, replacement: Any) -> Undo:
    original = getattr(mfa_rule, name)
    setattr(mfa_rule, name, replacement(original))
    return lambda: setattr(mfa_rule, name, original)


def renamed(old: str, new: str) -> Any:
    """A statement function that reads ``old`` (NotAction) as if it were ``new`` (Action)."""

    def wrap(original: Any) -> Any:
        def read(statement: Any, *rest: Any) -> Any:
            if old in statement:
                statement = {k: v for k, v in statement.items() if k != old} | {new: statement[old]}
            return original(statement, *rest)

        return read

    return wrap


def number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


MUTANTS: dict[str, Callable[[], Undo]] = {
    "NumericLessThan as <=": lambda: operator(
        "NumericLessThan",
        lambda e, a: (x := number(a)) is not None and (y := number(e)) is not None and x <= y,
    ),
    "StringNotEquals not negated": lambda: operator("StringNotEquals", negated=False),
    "ArnNotLike not negated": lambda: operator("ArnNotLike", negated=False),
    "Bool case-sensitive": lambda: operator("Bool", lambda e, a: e == a),
    "StringEqualsIgnoreCase case-sensitive": lambda: operator(
        "StringEqualsIgnoreCase", lambda e, a: e == a
    ),
    "IfExists ignored": lambda: rule_function(
        "operator_holds", lambda f: lambda op, e, a: f(op.replace("IfExists", ""), e, a)
    ),
    "Null inverted": lambda: rule_function(
        "operator_holds",
        lambda f: lambda op, e, a: (not f(op, e, a)) if op == "Null" else f(op, e, a),
    ),
    "ForAnyValue true on a missing key": lambda: rule_function(
        "operator_holds",
        lambda f: (
            lambda op, e, a: True if op.startswith("ForAnyValue") and a is None else f(op, e, a)
        ),
    ),
    "ForAllValues read as ForAnyValue": lambda: rule_function(
        "operator_holds",
        lambda f: lambda op, e, a: f(op.replace("ForAllValues", "ForAnyValue"), e, a),
    ),
    "NotAction read as Action": lambda: rule_function(
        "_assume_role", renamed("NotAction", "Action")
    ),
    "NotPrincipal read as Principal": lambda: rule_function(
        "_statement_names", renamed("NotPrincipal", "Principal")
    ),
    "Deny ignored": lambda: rule_function(
        "_gets_in", lambda f: lambda allow, denies, caller, request: f(allow, [], caller, request)
    ),
}


def main() -> None:
    policies = [*differential.enumerated(), *differential.generated(differential.SEED, 2500)]
    for name, apply in MUTANTS.items():
        undo = apply()
        try:
            bad = sum(1 for policy in policies if differential.disagreements(policy))
        finally:
            undo()
        print(f"{name}: {bad} of {len(policies)} policies disagree")
    bad = sum(1 for policy in policies if differential.disagreements(policy))
    print(f"unbroken: {bad} of {len(policies)} policies disagree")


if __name__ == "__main__":
    main()
