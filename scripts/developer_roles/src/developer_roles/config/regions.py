"""AWS's regions and partitions, from botocore's endpoint data (installed with boto3).

botocore ships the list AWS publishes of its partitions and their regions (``partitions.json``;
older releases only ``endpoints.json``, which holds the same table); the configuration refuses
a region that is in neither, and takes a region's partition from it rather than from a list of
our own. A region AWS opened after the installed botocore was released is refused too: the
message says to upgrade botocore (``pip install -U boto3``).
https://docs.aws.amazon.com/general/latest/gr/rande.html#regional-endpoints
https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping


@functools.cache
def region_partitions() -> Mapping[str, str]:
    """Every region botocore knows, with its partition (``eu-west-1`` -> ``aws``)."""
    import botocore.exceptions  # imported when a region is first checked
    import botocore.loaders

    loader = botocore.loaders.create_loader()
    try:
        data = loader.load_data("partitions")
        key = "id"
    except botocore.exceptions.DataNotFoundError:  # botocore before partitions.json
        data = loader.load_data("endpoints")
        key = "partition"
    return {
        region: str(partition[key])
        for partition in data["partitions"]
        for region in partition["regions"]
        if not region.startswith("aws-")  # pseudo-regions such as aws-global
    }


def region_partition(region: str) -> str | None:
    """The partition of a region botocore knows, or None."""
    return region_partitions().get(region)


def parse_region(value: str) -> tuple[str | None, str | None]:
    """A region AWS has (by botocore's data), or why it is not one."""
    if value in region_partitions():
        return value, None
    import botocore

    close = difflib.get_close_matches(value, list(region_partitions()), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return None, (
        f"{value!r} is not an AWS region (botocore {botocore.__version__} knows "
        f"{len(region_partitions())}); {hint}a region AWS opened after that botocore needs "
        "a newer one (pip install -U boto3)"
    )
