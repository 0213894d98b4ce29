"""``layerwise datasets``: the data sets that train without any file."""

from __future__ import annotations

import argparse

from .common import EXIT_OK


def add_parser(sub) -> None:
    """Register the sub-command on the ``layerwise`` parser."""
    datasets = sub.add_parser("datasets", help="data sets that train without any file")
    datasets.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..data import DATASETS
    from ..spec.report import table

    rows = [
        [b.name, b.task, b.shape[0], b.shape[1], b.n_classes or "-", b.description]
        for b in DATASETS.values()
    ]
    print(table(["name", "task", "examples", "features", "classes", "description"], rows))
    print(
        "\nTrain one with: layerwise train NAME (e.g. layerwise train digits). Files work too: "
        "CSV/TSV, Parquet, .npy/.npz, HDF5, a folder of images."
    )
    return EXIT_OK
