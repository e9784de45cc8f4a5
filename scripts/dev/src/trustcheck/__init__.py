"""Proof that each developer role's trust policy means what the project says it means.

An independent IAM policy evaluator (``@cloud-copilot/iam-simulate``, run by ``simulate.mjs``)
decides a matrix of STS requests (:mod:`trustcheck.matrix`) against every synthesized trust
policy (:mod:`trustcheck.templates`); ``python -m trustcheck`` prints the table and exits
non-zero on any unexpected decision. See ``docs/trust-proof.md``.

Independent on purpose: this package does not use ``developer_role.iam_rules`` (the app's one
home for IAM's rules) to read ARNs out of templates. A proof that reused the rules under test
would share their mistakes; its own small ARN patterns (in ``matrix`` and ``templates``) only
find principals, they decide nothing.
"""
