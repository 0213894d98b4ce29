"""``layerwise gradcheck [DATA]``: backpropagation against finite differences."""

from __future__ import annotations

import argparse

import numpy as np

from ..spec import build_network
from .common import (
    DATA_HELP,
    EXIT_CHECK_FAILED,
    EXIT_OK,
    TASK_CHOICES,
    data_options,
    load_with_preprocessing,
    network_options,
    network_spec,
    positive,
    read,
    seed_of_args,
)


def add_parser(sub) -> None:
    """Register the sub-command on the ``layerwise`` parser."""
    check = sub.add_parser(
        "gradcheck",
        help="check backpropagation against finite differences",
        description="Build a network for DATA (or load --model), compare its "
        "gradients with centred differences on a few examples, print the "
        "relative difference and exit 1 above --threshold.",
    )
    check.add_argument(
        "data", metavar="DATA", nargs="?", default="planar", help=f"{DATA_HELP} (default planar)"
    )
    data_options(check)
    check.add_argument("--task", choices=TASK_CHOICES, default="auto")
    network_options(check, layers="5,3", hidden="tanh")
    check.add_argument("--model", metavar="MODEL", help="check a saved model instead")
    check.add_argument("--examples", type=positive(int), default=8, metavar="M")
    check.add_argument("--epsilon", type=positive(float), default=1e-7)
    check.add_argument("--threshold", type=positive(float), default=1e-7)
    check.add_argument(
        "--per-layer",
        type=positive(int),
        metavar="K",
        help="check K entries of each layer's [W|b], drawn with --seed, instead of all",
    )
    check.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..data import Preprocessor
    from ..gradient_check import gradient_check
    from ..network import Network
    from ..random import make_rng

    seed = seed_of_args(args)
    if args.model:
        model = load_with_preprocessing(args.model)
        pre, saved = model.preprocessor, model.network
        data = read(
            args.data,
            pre.target_names,
            True,
            args.drop,
            pre.image,
            ignore=pre.dropped,
            sep=args.sep,
        )
        # a float64 copy: float32 rounding swamps ε
        net = Network.from_config(saved.config() | {"dtype": "float64"}, saved.theta)
    else:
        data = read(args.data, args.target, True, args.drop, None, sep=args.sep)
        pre = Preprocessor(args.task, data.scaling).fit(
            data.features, data.target, classes=data.classes, image=data.image
        )
        net = build_network(network_spec(args), pre, seed)  # float64: ε needs it
    if net.n_parameters() > 200_000 and args.per_layer is None:
        raise ValueError(
            f"the network has {net.n_parameters():,} parameters; checking each takes two "
            "forward passes. Hint: sample them (--per-layer 20) or check a smaller network of "
            "the same kind (--layers 5,3)."
        )
    pick = make_rng(seed).permutation(data.m)[: args.examples]
    sample = data.take(np.sort(pick))
    X = pre.transform(sample.features)  # (n_x, M)
    Y = pre.transform_target(sample.target)  # (n_y, M)
    result = gradient_check(net, X, Y, epsilon=args.epsilon, per_layer=args.per_layer, seed=seed)
    ok = result.difference <= args.threshold
    print(
        f"network: {net.layer_dims} {[a.name for a in net.activations]}, loss {net.loss.name}, "
        f"{net.n_parameters():,} parameters, {X.shape[1]} examples of {data.name}"
    )
    print(result.report())
    verdict = "passed" if ok else "FAILED"
    print(
        f"{verdict}: relative difference {result.difference:.3e} "
        f"{'<=' if ok else '>'} threshold {args.threshold:.0e}"
    )
    return EXIT_OK if ok else EXIT_CHECK_FAILED
