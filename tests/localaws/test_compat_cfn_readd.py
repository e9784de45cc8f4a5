"""CloudFormation re-adds a resource removed by an earlier update (fix ``cfn_readd_resource``).

Removing a principal from the configuration and adding it back depends on it: the second
deploy must create the role again, as it did the first time.
"""

from __future__ import annotations

from localaws.testing import LocalAwsEnv
from tests.localaws.test_compat_cfn_delete import roles_template
from tests.localaws.test_moto_compat import error_of

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]


def deploy(aws: LocalAwsEnv, stack: str, body: str, *, change_set_type: str) -> None:
    """Deploy through a change set as the CDK CLI does: delete the previous change set of
    that name (it exists after every deploy), create and execute it."""
    cfn = aws.client("cloudformation")
    if change_set_type == "UPDATE":
        cfn.delete_change_set(StackName=stack, ChangeSetName="cdk-deploy-change-set")
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName="cdk-deploy-change-set",
        ChangeSetType=change_set_type,
        TemplateBody=body,
        Capabilities=CAPABILITIES,
    )
    cfn.execute_change_set(StackName=stack, ChangeSetName="cdk-deploy-change-set")


def remove_and_readd_the_third_role(aws: LocalAwsEnv, stack: str) -> list[str]:
    names = [f"{stack}a", f"{stack}b", f"{stack}c"]
    deploy(aws, stack, roles_template(*names), change_set_type="CREATE")
    deploy(aws, stack, roles_template(*names[:2]), change_set_type="UPDATE")
    deploy(aws, stack, roles_template(*names), change_set_type="UPDATE")
    return names


def test_a_role_removed_and_added_back_is_created_again(aws, unique):
    names = remove_and_readd_the_third_role(aws, unique)
    iam = aws.client("iam")
    role = iam.get_role(RoleName=names[2])["Role"]
    assert role["RoleName"] == names[2]
    attached = iam.list_attached_role_policies(RoleName=names[2])["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["PowerUserAccess"]
    assert iam.list_role_policies(RoleName=names[2])["PolicyNames"] == ["deny-iam"]
    stack = aws.client("cloudformation").describe_stacks(StackName=unique)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"


def test_a_role_removed_and_added_back_through_update_stack_is_created_again(aws, unique):
    cfn = aws.client("cloudformation")
    names = [f"{unique}a", f"{unique}b"]
    cfn.create_stack(StackName=unique, TemplateBody=roles_template(*names))
    cfn.update_stack(StackName=unique, TemplateBody=roles_template(names[0]))
    cfn.update_stack(StackName=unique, TemplateBody=roles_template(*names))
    assert aws.client("iam").get_role(RoleName=names[1])["Role"]["RoleName"] == names[1]


def test_a_role_removed_and_added_back_without_fix(aws, unique):
    with aws.fix_disabled("cfn_readd_resource"):
        names = remove_and_readd_the_third_role(aws, unique)
    stack = aws.client("cloudformation").describe_stacks(StackName=unique)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    code, message = error_of(aws.client("iam").get_role, RoleName=names[2])
    assert (code, message) == ("NoSuchEntity", f"Role {names[2]} not found")
