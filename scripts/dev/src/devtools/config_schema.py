"""``make config-schema``: write schema/developer-roles.schema.json and the README's
configuration reference from the one declaration of the format (developer_roles.config)."""

from __future__ import annotations

import sys

from developer_roles.config.format import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
