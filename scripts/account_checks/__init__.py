"""Read-only checks against an AWS account: ``preflight`` before a deploy, ``audit`` of privilege.

* ``account_checks.report``: the result rows, the table and JSON renderings, the exit codes;
* ``account_checks.aws``: the one seam that creates boto3 clients (per account: the default
  credentials, a named profile, or a role to assume), and what an access denial means;
* ``account_checks.preflight``: the checks that tell whether ``make deploy`` would succeed;
* ``account_checks.audit``: standing high privilege, roles assumable without MFA, drift;
* ``account_checks.cli``: ``python -m account_checks preflight|audit`` (``make preflight``,
  ``make audit``).

Every check makes read calls only (IAM ``Get*``/``List*``, CloudFormation ``Describe*``/
``List*``, ``sts:GetCallerIdentity``); a denied call turns that check into "not checked".
"""
