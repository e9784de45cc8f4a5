"""developer-roles: the operators' side of the developer-roles CDK app.

* ``developer-roles preflight|audit|deploy|add-me``: the operators' commands
  (:mod:`developer_roles.cli`);
* :mod:`developer_roles.config`: the configuration format the app and the commands read.
"""

from __future__ import annotations

__version__ = "1.1.0"
