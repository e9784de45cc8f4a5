"""Several stacks deployed at once (``cdk deploy --all --concurrency N``) all end up complete.

The local AWS serializes CloudFormation requests (``moto_compat.serialize_cloudformation``):
moto's lazily created stack resources are not safe under concurrent requests. This small case
does not reproduce moto's race by itself (it needs the CDK CLI's 7 stacks of ~150 roles; see
``python -m devtools.bench_deploy``, which checks every role); it holds the behaviour users rely on.
"""

from __future__ import annotations

import concurrent.futures
import json

from localaws.testing import LocalAwsEnv
from tests.localaws.trust import root_mfa_trust

ACCOUNT = "123456789012"
STACKS = 4
ROLES_PER_STACK = 30
NAME = "cdk-deploy-change-set"


def template(prefix: str) -> str:
    trust = root_mfa_trust(ACCOUNT)
    resources = {
        f"Role{i}": {
            "Type": "AWS::IAM::Role",
            "Properties": {"RoleName": f"{prefix}-{i}", "AssumeRolePolicyDocument": trust},
        }
        for i in range(ROLES_PER_STACK)
    }
    outputs = {
        f"Arn{i}": {"Value": {"Fn::GetAtt": [f"Role{i}", "Arn"]}} for i in range(ROLES_PER_STACK)
    }
    return json.dumps({"Resources": resources, "Outputs": outputs})


def test_concurrent_change_sets_and_polling_complete_every_stack(aws: LocalAwsEnv, unique: str):
    names = [f"{unique}-{n}" for n in range(STACKS)]
    cfn = aws.client("cloudformation")

    def deploy(stack: str) -> None:
        own = aws.client("cloudformation")
        own.create_change_set(
            StackName=stack,
            ChangeSetName=NAME,
            ChangeSetType="CREATE",
            TemplateBody=template(stack),
        )
        own.execute_change_set(StackName=stack, ChangeSetName=NAME)

    def poll() -> None:  # what the CLI does meanwhile: stacks, their events and resources
        own = aws.client("cloudformation")
        for _ in range(10):
            for stack in own.describe_stacks()["Stacks"]:
                if stack["StackName"] in names:
                    own.describe_stack_events(StackName=stack["StackName"])
                    own.list_stack_resources(StackName=stack["StackName"])

    with concurrent.futures.ThreadPoolExecutor(max_workers=2 * STACKS) as pool:
        futures = [pool.submit(deploy, name) for name in names]
        futures += [pool.submit(poll) for _ in names]
        for future in futures:
            future.result()

    iam = aws.client("iam")
    for name in names:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        assert len(stack["Outputs"]) == ROLES_PER_STACK
        for i in range(ROLES_PER_STACK):
            iam.get_role(RoleName=f"{name}-{i}")
