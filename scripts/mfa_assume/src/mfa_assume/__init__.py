"""Assume an MFA-protected IAM role and hand out the temporary credentials.

The package is split so that a cache hit never imports boto3: ``cli`` parses and prints,
``checks`` validates input, ``profiles`` reads the AWS config files, ``cache`` stores
credentials, ``output`` renders them, ``flow`` decides between cache and AWS, and ``aws``
is the one place that creates boto3 clients (imported only when AWS must be called).
Exit codes are listed in :mod:`mfa_assume.errors`.
"""

PROG = "mfa-assume"  # the command, message prefix, cache folder and MFA_ASSUME_* variables
__version__ = "1.2.0"
