"""Fix ``cfn_readd_resource``: a resource added back to a template is created again.

AWS CloudFormation, ResourceChange: "The action that CloudFormation takes on the resource,
such as Add (adds a new resource), Modify (changes a resource), Remove (deletes a resource)";
an update that adds a logical ID creates the resource, whether or not an earlier template had
a resource of that logical ID that a later update deleted.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html

moto 5.2.5 deletes a removed resource in ``ResourceMap.update`` but keeps it in the map's
cache of created resources (``_parsed_resources``; ``ResourceMap.delete`` forgets them, the
update does not). When a later update adds the same logical ID back, moto's lazy map finds
the deleted resource in the cache and creates nothing: the stack reports UPDATE_COMPLETE and
an output with the role's ARN, the role does not exist (removing a principal from the
configuration and adding it back), and later deploys see no change.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing as cfn_parsing

from localaws.compat import patching
from localaws.compat.registry import Fix, enabled, register

FIX = register(
    Fix(
        "cfn_readd_resource",
        "A stack update forgets the resources it deletes, so adding one back creates it again",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html",
    )
)


def forget_removed(parsed: dict[str, Any], removed: list[str], template: dict[str, Any]) -> None:
    """Drop from moto's cache the removed logical IDs the current template no longer has."""
    for logical_id in removed:
        if logical_id not in template:
            parsed.pop(logical_id, None)


def install() -> None:
    def make(original: patching.Func) -> patching.Func:
        def update(
            self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None
        ) -> None:
            if not enabled(FIX.name):
                original(self, template, parameters)
                return
            removed = list(self.build_resource_diff(template, parameters)["Remove"])
            try:
                original(self, template, parameters)
            finally:
                # after a failure in the removal pass the map still holds the old template,
                # and every removed ID is still in it: nothing is forgotten
                forget_removed(self._parsed_resources, removed, self._resource_json_map)

        return update

    patching.wrap_method(cfn_parsing.ResourceMap, "update", make)
