"""A local AWS for the developer-role recipe: moto in server mode plus a compatibility layer.

``localaws.server`` starts and stops the server (``python -m localaws start|stop|status``);
``localaws.moto_compat`` holds every fix to moto's behaviour that the recipe relies on;
``localaws.iam_eval`` is the IAM policy evaluation those fixes use. See docs/local-aws.md.
"""
