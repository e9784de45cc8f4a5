"""Server settings of the local AWS that are not fixes: they change how, never what, moto answers.

* ``serialize_cloudformation``: CloudFormation requests one at a time (moto's stacks are not
  safe under concurrent requests).
* ``tune_for_speed``: JSON template bodies parsed as JSON; AttachRolePolicy/DetachRolePolicy
  look the policy up by its ARN; an account's IAM state is made only for the partitions used,
  with AWS's managed policies read once per process.
"""

from __future__ import annotations

import functools
import json
import threading
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import responses as cfn_responses
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam import models as iam_models
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.settings import load_iam_aws_managed_policies
from moto.utilities.utils import PARTITION_NAMES

from localaws.compat import _moto  # noqa: F401

_lock = threading.Lock()
# moto's own, kept for the tests that compare answers (tests/localaws/test_server_speed.py).
moto_account_of_access_key = iam_models.get_account_id_from
moto_init_aws_policies = iam_models.IAMBackend._init_aws_policies
_cloudformation_lock = threading.RLock()
_serialized = False


def serialize_cloudformation() -> None:
    """Run CloudFormation requests one at a time (a server setting, not a switchable fix).

    moto 5.2.5's stacks are not safe under concurrent requests: a stack's resources are
    created lazily on first access, so a ``DescribeStacks`` or ``ListStackResources`` while
    another thread executes a change set creates the same resources twice, and with ``cdk
    deploy --all --concurrency 4`` of 7 stacks hundreds of roles went missing while every stack
    reported ``CREATE_COMPLETE``. In AWS, stacks deploy independently and in parallel; here the
    server executes one CloudFormation request at a time (each completes synchronously), while
    the CDK CLI still overlaps everything around it (asset publishing, change set creation,
    polling). IAM and STS requests are not serialized.
    """
    global _serialized
    with _lock:
        if _serialized:
            return
        response_cls = cfn_responses.CloudFormationResponse
        original_call_action = response_cls.call_action

        def call_action(self: Any) -> Any:
            with _cloudformation_lock:
                return original_call_action(self)

        response_cls.call_action = call_action  # type: ignore[method-assign]
        _serialized = True


_tuned = False


class _JsonFirstYaml:
    """moto's ``yaml`` module as its CloudFormation modules see it, reading JSON as JSON.

    moto parses every template body with PyYAML's pure-Python loader (JSON is YAML), which was
    a third of the server's time in a 1,000-role deploy. CloudFormation reads a JSON template
    as JSON, so a body that is a JSON object is decoded with ``json``; anything else (YAML,
    short-form intrinsics such as ``!Ref``) still goes to PyYAML with moto's constructors.
    """

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def load(self, stream: Any, Loader: Any) -> Any:  # PyYAML spells the keyword Loader
        if isinstance(stream, str) and stream.lstrip().startswith("{"):
            try:
                return json.loads(stream)
            except ValueError:
                pass  # not JSON after all (a YAML flow mapping): PyYAML decides
        return self._module.load(stream, Loader=Loader)


def _account_of_access_key(access_key: str) -> str:
    """moto's ``get_account_id_from``, without making IAM state the lookup does not need.

    moto finds the account of a request's access key by reading ``access_keys`` of every
    account's IAM state in every partition (six), and reading one makes it: each account a
    request touched got six IAM states, each with its own copy of the 1,300 AWS managed
    policies (about 0.5 CPU-s each, half of the session server's time in an end-to-end module).
    A partition's state that does not exist yet holds no access key, so it is skipped unmade;
    the answer is the same.
    """
    for account_id, account in list(iam_models.iam_backends.items()):
        for partition in PARTITION_NAMES:
            backend = dict.get(account, partition)  # not account[partition]: that makes it
            if backend is not None and access_key in backend.access_keys:
                return str(account_id)
    return DEFAULT_ACCOUNT_ID


@functools.cache
def _aws_managed_policies() -> dict[str, Any]:
    """moto's table of AWS managed policies, decoded once (moto decodes it for each IAM state).
    Read only: each IAM state still builds its own policy objects from it."""
    table: dict[str, Any] = json.loads(aws_managed_policies_data)
    return table


def _init_aws_policies(self: Any) -> list[Any]:
    """``IAMBackend._init_aws_policies`` with the table decoded once per process."""
    if not load_iam_aws_managed_policies():
        return []
    return [
        iam_models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
        for name, data in _aws_managed_policies().items()
    ]


def tune_for_speed() -> None:
    """Server settings that change how fast moto answers, never what it answers.

    * JSON template bodies are parsed as JSON (``_JsonFirstYaml``).
    * ``AttachRolePolicy``/``DetachRolePolicy`` look the policy up by its ARN, the key moto
      stores it under, instead of rebuilding a map of all 1,300 AWS managed policies on every
      call; moto's own code still decides when the key does not match.
    * The account of a request's access key is found without making IAM state for partitions
      nobody used (``_account_of_access_key``), and the AWS managed policies every account's
      IAM state starts with are decoded once (``_aws_managed_policies``).
    """
    global _tuned
    with _lock:
        if _tuned:
            return
        for module in (cfn_models, cfn_responses):  # each did ``import yaml``
            setattr(module, "yaml", _JsonFirstYaml(module.yaml))  # noqa: B010
        backend_cls = iam_models.IAMBackend
        original_attach = backend_cls.attach_role_policy
        original_detach = backend_cls.detach_role_policy

        def attach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
            policy = self.managed_policies.get(policy_arn)
            if policy is None or policy.arn != policy_arn:
                return original_attach(self, policy_arn, role_name)
            policy.attach_to(self.get_role(role_name))

        def detach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
            policy = self.managed_policies.get(policy_arn)
            if policy is None or policy.arn != policy_arn:
                return original_detach(self, policy_arn, role_name)
            role = self.get_role(role_name)
            if policy_arn not in role.managed_policies:
                return original_detach(self, policy_arn, role_name)
            policy.detach_from(role)

        backend_cls.attach_role_policy = attach_role_policy  # type: ignore[method-assign]
        backend_cls.detach_role_policy = detach_role_policy  # type: ignore[method-assign]
        backend_cls._init_aws_policies = _init_aws_policies  # type: ignore[method-assign]
        iam_models.get_account_id_from = _account_of_access_key
        _tuned = True
