"""The JS app's copy of the MFA trust rule (bench/js-app/mfa-trust.js) against the Python
rule: the same findings (rule, statement) on the differential test's policies and on a few
with CloudFormation functions, evaluated in one Node.js process.

Usage: ``.venv/bin/python bench/mfa_rule_js_parity.py``
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from mfa_rule_mutants import load_differential

from developer_role.mfa_rule import trust_findings

REPO = Path(__file__).resolve().parents[1]
BOB = "arn:aws:iam::345678901234:user/bob"
OPEN = {"Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "sts:AssumeRole"}
LIKE = {"StringLike": {"aws:PrincipalArn": "x*"}}
WITH_FUNCTIONS: list[Any] = [
    {"Fn::If": ["Open", {"Statement": [OPEN]}, {"Ref": "X"}]},
    {"Statement": [{"Fn::If": ["A", {**OPEN, "Principal": "*"}, {"Ref": "AWS::NoValue"}]}]},
    {"Statement": [{"Ref": "S"}, OPEN]},
    json.dumps({"Statement": [{**OPEN, "Principal": {"AWS": {"Fn::ImportValue": "P"}}}]}),
    {
        "Statement": [
            {**OPEN, "Condition": LIKE},
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:*",
                "Condition": {**LIKE, "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ]
    },
]
SCRIPT = (
    "const m = require('./bench/js-app/mfa-trust.js');"
    "const docs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
    "process.stdout.write(JSON.stringify(docs.map((d) => m.trustFindings(d)"
    ".map((f) => [f.rule, f.name]))));"
)


def main() -> None:
    differential = load_differential()
    documents = [
        *differential.enumerated(),
        *differential.generated(differential.SEED, differential.RANDOM_POLICIES),
        *WITH_FUNCTIONS,
    ]
    python = [sorted((f.rule, str(f.statement)) for f in trust_findings(d)) for d in documents]
    node = Path(sys.executable).parent / "node"
    answer = subprocess.run(
        [str(node), "-e", SCRIPT],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    js = [sorted((rule, str(name)) for rule, name in row) for row in json.loads(answer.stdout)]
    differ = [d for d, p, j in zip(documents, python, js, strict=True) if p != j]
    print(f"{len(documents)} documents, {len(differ)} with different findings")
    for document in differ[:5]:
        print(json.dumps(document)[:300])
    raise SystemExit(1 if differ else 0)


if __name__ == "__main__":
    main()
