"""A corpus of realistic mistakes, one small file each: every one is refused, precisely.

Each file in ``config_mistakes/`` is loaded as ``cdk synth -c developerRolesFile=...`` loads it;
the table says what the report must say. A file without an entry (or an entry without a file)
fails the test, so the corpus and the table stay together.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from developer_roles.config import ConfigError, load_config

CORPUS = Path(__file__).parent / "config_mistakes"

EXPECTED = {
    # YAML and JSON traps: the value as written, and the way out
    "account-as-yaml-number.yaml": "account: 123456789012 is read by YAML as a number, not as "
    "text; quote it: '123456789012'",
    "account-octal.yaml": "account: 001234567012 is read by YAML as the number 175304202 (a "
    "leading 0 makes it octal, and zeros are lost), not as text; quote it: '001234567012'",
    "account-as-json-number.json": "account: 123456789012 is a number, not text; write it in "
    'quotes: "123456789012"',
    "region-no.yaml": "region: no is read by YAML as the boolean false, not as text; quote it",
    "tag-value-on.yaml": "defaults.tags.oncall: on is read by YAML as the boolean true",
    "principal-is-a-number.yaml": "principals[0]: 42 is read by YAML as a number",
    "duration-sexagesimal.yaml": "defaults.maxSessionDuration: 1:30 is read by YAML as the "
    "number 90 (base 60 or octal)",
    # Files that cannot be read as a configuration: one line each
    "empty.yaml": "the file is empty",
    "bom.json": "the file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without BOM",
    "latin-1.yaml": "the file is not UTF-8 text (byte 0xe5 on line 1); save it as UTF-8",
    "syntax-error.yaml": "cannot parse the file: line 2, column 1:",
    "two-documents.yaml": "expected a single document in the stream; but found another document",
    "duplicate-key.yaml": "line 2, column 1: the key 'principals' is given twice",
    "json-duplicate-key.json": "the key 'principals' is given twice",
    "nan.json": "NaN is not a JSON number",
    "python-tag.yaml": "could not determine a constructor for the tag",
    "recursive-alias.yaml": "found unconstructable recursive node",
    "top-level-list.json": "the configuration must be an object with a 'principals' list",
    # Keys and types, from the format's one description
    "unknown-key-typo.json": "rolePrefx: unknown key; did you mean 'rolePrefix'?",
    "tags-not-a-map.yaml": "defaults.tags: ['a', 'b'] must be an object of text keys and values",
    "pipeline-missing-keys.yaml": "deployment.pipeline: missing 'connectionArn'",
    "stack-set-two-regions.yaml": "must name exactly one region; IAM roles are global",
    # IAM's names: ASCII character sets and lengths
    "role-name-non-ascii.yaml": "principals[0].roleName: 'PowerUser-åsa' has characters IAM "
    "refuses",
    "principal-name-non-ascii.yaml": "principals[0]: 'arn:aws:iam::123456789012:user/åsa' is not "
    "an IAM user or role ARN",
    "principal-name-too-long.yaml": "(a name is 1 to 64 ASCII letters, digits or + = , . @ _ -)",
    "group-name-non-ascii.yaml": "groups[0].name: 'équipe' is not 1 to 64 letters",
    # AWS managed policies by name
    "policy-name-typo.yaml": "principals[0].extraManagedPolicies[0].policy: 'ReadOnlyAcess' is not "
    "an AWS managed policy; did you mean 'ReadOnlyAccess'",
    "policy-arn-typo.yaml": "'ReadOnlyAcess' is not an AWS managed policy; did you mean "
    "'ReadOnlyAccess'",
    "managed-policy-typo-in-defaults.yaml": "defaults.managedPolicies[0]: 'PowerUserAcess' is not "
    "an AWS managed policy; did you mean 'PowerUserAccess'?",
    "boundary-typo.yaml": "defaults.permissionsBoundary: 'PowerUserAccesss' is not an AWS managed "
    "policy; did you mean 'PowerUserAccess'?",
    "policy-missing-path.yaml": "did you mean 'job-function/ViewOnlyAccess'",
    # IAM's tag rules
    "tag-aws-prefix.yaml": "defaults.tags.aws:team: the tag key 'aws:team' starts with 'aws:'",
    "tag-key-too-long.yaml": "is 129 characters long; IAM allows at most 128 in a tag key",
    "tag-value-bad-character.yaml": "defaults.tags.owner: 'alice, bob' has characters IAM refuses "
    "in a tag value (',')",
    "tag-keys-differ-in-case.yaml": "principals[0].tags.team: the key 'team' is also the key "
    "'Team' (from defaults.tags); IAM tag keys are unique regardless of case",
    "tag-key-of-the-app.yaml": "is also the key 'developer-role:principal' (the tag the app adds)",
    "too-many-tags.yaml": "tag are 51; IAM allows at most 50 tags on a role",
    "principal-comma-in-tag.yaml": "the app tags the role with 'developer-role:principal' = "
    "'arn:aws:iam::123456789012:user/alice,smith', which has characters IAM refuses",
    # Partitions
    "partition-differs-from-region.yaml": "principals[1]: 'arn:aws-cn:iam::123456789012:user/zhang'"
    " is in partition aws-cn, but the roles go to eu-west-1 (partition aws)",
    "partition-china-region.yaml": "is in partition aws, but the roles go to cn-north-1 "
    "(partition aws-cn)",
    "partitions-mixed-no-region.yaml": "principals[1]: 'arn:aws-us-gov:iam::123456789012:user/bob'"
    " is in partition aws-us-gov, but principals[0] is in aws",
    "targets-in-two-partitions.yaml": "targets: the regions are in different partitions",
    # Regions: botocore's endpoint data, not a list of ours
    "region-does-not-exist.yaml": "region: 'eu-narnia-1' is not an AWS region (botocore ",
    "target-region-typo.yaml": "targets[1].region: 'eu-wset-2' is not an AWS region",
    # IAM is global to an account: a second region would create the same roles again
    "targets-one-account-two-regions.yaml": "targets[1]: account 135792468013 is already a "
    "target (in us-east-1); IAM roles are global to an account",
    # Wildcards: a pattern is judged by what it matches; none in a path
    "pattern-double-star.yaml": "groups[0].principalArnPatterns[0]: 'arn:aws:iam::345678901234:"
    "user/**' starts the user's path and name with a wildcard, so it can match every user of "
    "the account",
    "pattern-star-question.yaml": "'arn:aws:iam::345678901234:role/*?' starts the role's path "
    "and name with a wildcard",
    "pattern-wildcard-before-path.yaml": "'arn:aws:iam::345678901234:user/*/payments-lead' starts "
    "the user's path and name with a wildcard",
    "path-with-wildcard.yaml": "path: '/developers/*/' holds '*', which a policy's Resource "
    "reads as a wildcard or policy variable",
    "path-with-policy-variable.yaml": "path: '/${aws:username}/' holds '${', which a policy's "
    "Resource reads",
    # What AWS refuses at deploy (docs/local-aws.md; tests/e2e/test_config_differential.py)
    "managed-policies-over-quota.yaml": "principals[0]: 11 managed policies ('managedPolicies' of "
    "defaults and its 'extraManagedPolicies') exceed IAM's quota of 10 per role "
    "(maxManagedPoliciesPerRole); drop some, or have the account's quota raised in Service "
    "Quotas (at most 20) and set maxManagedPoliciesPerRole to it",
    "managed-policy-quota-above-aws-maximum.yaml": "maxManagedPoliciesPerRole: 25 is out of "
    "range; IAM's quota of managed policies per role can be raised to 20 (1 to 20)",
    "customer-policy-other-account.yaml": "principals[0].extraManagedPolicies[0]: the customer "
    "managed policy 'arn:aws:iam::222222222222:policy/shared-read' belongs to account "
    "222222222222, but the role goes to account 123456789012; a role can use only AWS managed "
    "policies and its own account's (IAM: the policy does not exist or is not attachable)",
    "boundary-other-account.yaml": "defaults.permissionsBoundary: the customer managed policy "
    "'arn:aws:iam::222222222222:policy/developer-boundary' belongs to account 222222222222",
    "principal-empty-path.yaml": "principals[0]: 'arn:aws:iam::123456789012:user//alice' has an "
    "empty path ('//'); IAM's path is '/' or '/PATH/' with at least one character between the "
    "slashes",
    "trust-policy-too-long.yaml": "the trust policy of 'team engineering' is 2584 characters, "
    "over IAM's quota of 2048 (maxTrustPolicyLength)",
    "role-name-too-long-after-prefix.yaml": "principals[0]: 'DeveloperPowerUser-firstname."
    "middlename.lastname@engineering.example.com' is 72 characters long; IAM allows at most 64 "
    "(derived from rolePrefix 'DeveloperPowerUser-' and the name)",
    "max-session-13h.yaml": "defaults.maxSessionDuration: 46800 seconds is out of range; IAM "
    "allows a maximum session duration from 3600 (1 hour) to 43200 (12 hours) seconds",
    "mfa-serial-other-account.yaml": "principals[0].mfaSerial: 'arn:aws:iam::222222222222:mfa/"
    "alice' is an MFA device of account 222222222222 (aws), but the principal is in account "
    "123456789012 (aws); an IAM user's MFA device is in the user's own account",
    "service-linked-role-policy.yaml": "principals[0].extraManagedPolicies[0].policy: "
    "'aws-service-role/APIGatewayServiceRolePolicy' is the policy of a service-linked role; IAM "
    "does not attach it to other roles (PolicyNotAttachable: Cannot attach a Service Role "
    "Policy to a Customer Role)",
    "merge-key-and-a-key-given-twice.yaml": "line 7, column 5: the key 'arn' is given twice",
}


def test_every_file_of_the_corpus_has_its_expected_message() -> None:
    assert sorted(path.name for path in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize(("name", "message"), sorted(EXPECTED.items()), ids=sorted(EXPECTED))
def test_mistake_is_refused_with_the_key_and_the_rule(name: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(None, name, CORPUS)
    report = raised.value.report()
    assert message in report, report
    assert report.startswith(f"{name}: ")
    assert all("\n" not in problem for problem in raised.value.problems)
