"""Read-only checks against an AWS account: ``preflight`` before a deploy, ``audit`` of privilege.

* ``developer_roles.report``: the result rows, the table and JSON renderings, the exit codes;
* ``developer_roles.aws``: the one seam that creates boto3 clients (per account: the default
  credentials, a named profile, or a role to assume), and what an access denial means;
* ``developer_roles.preflight``: the checks that tell whether ``make deploy`` would succeed;
* ``developer_roles.audit``: standing high privilege, roles assumable without MFA, drift;
* ``developer_roles.checks_cli``: ``developer-roles preflight|audit`` (``make preflight``,
  ``make audit``).

Every check makes read calls only (IAM ``Get*``/``List*``, CloudFormation ``Describe*``/
``List*``, ``sts:GetCallerIdentity``); a denied call turns that check into "not checked".
"""
