"""A local AWS for the developer-role recipe: moto in server mode plus a compatibility layer.

``localaws.server`` starts and stops the server (``python -m localaws start|stop|status``);
``localaws.compat`` holds every fix (one module each) to moto's behaviour that the recipe relies on;
``localaws.iam_eval`` is the IAM policy evaluation those fixes use. See docs/local-aws.md.
"""
