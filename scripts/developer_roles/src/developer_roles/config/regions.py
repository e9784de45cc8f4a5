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
import gzip
import importlib.util
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any


def _data_folders() -> Iterator[Path]:
    """Where botocore's loader looks for a data file, in its order (``botocore.loaders``):
    ``AWS_DATA_PATH``'s folders, ``~/.aws/models``, then botocore's own ``data`` folder.

    Found without importing botocore: its loader module alone (with urllib3) was 0.3 CPU-s, a
    fifth of the app's own time in each ``cdk synth``, for a 7 KB file.
    """
    for folder in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep):
        if folder:
            yield Path(os.path.expandvars(os.path.expanduser(folder)))
    yield Path("~/.aws/models").expanduser()
    spec = importlib.util.find_spec("botocore")  # finds, does not import
    for location in (spec.submodule_search_locations or []) if spec else []:
        yield Path(location) / "data"


def _load_data(name: str) -> Any | None:
    """botocore's data file ``name`` (``.json``, else ``.json.gz``) from the first folder that
    has it, as ``Loader.load_data`` finds it; None when none has it."""
    for folder in _data_folders():
        plain, packed = folder / f"{name}.json", folder / f"{name}.json.gz"
        if plain.is_file():
            return json.loads(plain.read_bytes())
        if packed.is_file():
            return json.loads(gzip.decompress(packed.read_bytes()))
    return None


@functools.cache
def region_partitions() -> Mapping[str, str]:
    """Every region botocore knows, with its partition (``eu-west-1`` -> ``aws``)."""
    data = _load_data("partitions")
    key = "id"
    if data is None:  # botocore before partitions.json
        data = _load_data("endpoints")
        key = "partition"
    if data is None:
        raise RuntimeError("botocore's partitions.json and endpoints.json are both missing")
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
