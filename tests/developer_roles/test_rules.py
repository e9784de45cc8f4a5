"""The pure parts of the checks: ARNs, policy comparison, high privilege, acknowledgements,
and the bootstrap version the synthesized templates require."""

from __future__ import annotations

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from developer_roles.audit import allows_everything, load_acknowledgements
from developer_roles.config import validate
from developer_roles.preflight import MIN_BOOTSTRAP_VERSION, parse_principal
from developer_roles.report import BadInput
from developer_roles.summary import canonical
from stacks.app_builder import build_app


@pytest.mark.parametrize(
    ("arn", "parsed"),
    [
        ("arn:aws:iam::123456789012:user/alice", ("user", "alice", "/")),
        ("arn:aws:iam::123456789012:role/ci/deploy/bot", ("role", "bot", "/ci/deploy/")),
        ("arn:aws-cn:iam::123456789012:user/x", ("user", "x", "/")),
        ("arn:aws:iam::123456789012:root", None),
        ("123456789012", None),
        ("arn:aws:sts::123456789012:assumed-role/r/s", None),
    ],
    ids=["user", "role-with-path", "china", "root", "account", "session"],
)
def test_parse_principal(arn, parsed):
    result = parse_principal(arn)
    assert (None if result is None else (result.kind, result.name, result.path)) == parsed


def test_canonical_ignores_single_element_lists_order_and_sids():
    left = {
        "Sid": "A",
        "Action": ["sts:SetSourceIdentity", "sts:AssumeRole"],
        "Principal": {"AWS": ["x"]},
    }
    right = {"Action": ["sts:AssumeRole", "sts:SetSourceIdentity"], "Principal": {"AWS": "x"}}
    assert canonical(left) == canonical(right)
    assert canonical(left) != canonical({**right, "Principal": {"AWS": "y"}})


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": ["s3:*", "*:*"], "Resource": ["*"]}, True),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket"}, False),
        ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, False),
    ],
    ids=["star", "star-star", "deny", "one-resource", "one-service"],
)
def test_allows_everything(statement, expected):
    assert allows_everything({"Statement": [statement]}) is expected


def test_acknowledgements_need_a_reason(tmp_path):
    path = tmp_path / "ack.yaml"
    path.write_text("- {check: mfa-trust, subject: 'arn:*', reason: ' '}\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"reason: say why the finding is accepted"):
        load_acknowledgements(path)


def test_acknowledgements_name_a_known_check(tmp_path):
    path = tmp_path / "ack.yaml"
    path.write_text("- {check: typo, subject: x, reason: y}\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"'typo' is not one of"):
        load_acknowledgements(path)


def test_min_bootstrap_version_is_what_the_synthesized_templates_require():
    config = validate(
        {"account": "123456789012", "principals": ["arn:aws:iam::123456789012:user/a"]}
    )
    [stack] = build_app(App(), config)
    rule = Template.from_stack(stack).to_json()["Rules"]["CheckBootstrapVersion"]
    refused = rule["Assertions"][0]["Assert"]["Fn::Not"][0]["Fn::Contains"][0]
    assert max(int(v) for v in refused) + 1 == MIN_BOOTSTRAP_VERSION
