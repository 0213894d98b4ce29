"""Seeds and generators: the one place where randomness is made.

Every public entry point takes a ``seed`` and turns it into one generator here, so the same seed
gives the same result, bit for bit. ``make_rng(seed, legacy=True)`` gives the course's
``np.random.RandomState(seed)`` (its published numbers depend on that draw order); the default is
``np.random.default_rng(seed)``. A network's training shuffle is a child stream of its seed
(``shuffle_rng``), independent of the stream that drew its initial weights.

>>> make_rng(0).integers(10, size=3).tolist() == make_rng(0).integers(10, size=3).tolist()
True
"""

from __future__ import annotations

import numpy as np

Rng = np.random.Generator | np.random.RandomState
Seed = int | None | np.random.Generator | np.random.RandomState


def make_rng(seed: Seed = None, *, legacy: bool = False) -> Rng:
    """Turn a seed into the one generator a call uses (generators pass through unchanged)."""
    if isinstance(seed, np.random.Generator | np.random.RandomState):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(
            f"seed must be an int, None or a NumPy generator, got {seed!r}. "
            "Hint: seed=0 makes the result reproducible."
        )
    return np.random.RandomState(seed) if legacy else np.random.default_rng(seed)


def seed_of(seed: Seed) -> int:
    """An int seed for any seed argument: the int itself, one drawn from a generator, or fresh
    entropy for None (so that a network always has a seed to report and save)."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**32))
    if isinstance(seed, np.random.RandomState):
        return int(seed.randint(2**32, dtype=np.uint64))
    if seed is None:
        return fresh_seed()
    make_rng(seed)  # the type check
    return int(seed)


def shuffle_rng(seed: Seed) -> np.random.Generator:
    """The generator of the training shuffle: a child stream of ``seed``, independent of the
    stream that drew the initial weights from the same seed (generators pass through)."""
    if isinstance(seed, np.random.Generator | np.random.RandomState):
        return seed
    return np.random.default_rng(np.random.SeedSequence(seed_of(seed)).spawn(1)[0])


def dropout_rng(seed: Seed) -> np.random.Generator:
    """The generator of dropout's masks: a child stream of ``seed`` of its own, so that turning
    dropout on changes neither the initial weights nor the shuffle order. A Generator gives a
    child of its seed sequence (its own stream does not move); a RandomState, a stream seeded
    from its position (which it keeps)."""
    if isinstance(seed, np.random.Generator):
        return seed.spawn(1)[0]
    if isinstance(seed, np.random.RandomState):
        keys = seed.get_state(legacy=False)["state"]["key"]
        return np.random.default_rng(np.random.SeedSequence(keys.tolist()))
    return np.random.default_rng(np.random.SeedSequence(seed_of(seed)).spawn(2)[1])


def child_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent seed sequences spawned from ``seed`` (e.g. initial weights and a
    split); ``np.random.default_rng(child)`` or ``seed_of``-style ints from them."""
    return np.random.SeedSequence(seed).spawn(n)


def fresh_seed() -> int:
    """An int seed from the operating system's entropy (never NumPy's global generator)."""
    return int(np.random.SeedSequence().generate_state(1)[0])


def shuffle_order(rng: np.random.Generator, order: np.ndarray, block: int | None) -> None:
    """An epoch's order of its m examples into ``order`` (m,): a fresh permutation of 0..m-1
    (so that epochs split over several fit calls shuffle exactly as one call would), or with
    ``block``, blocks of that many examples in random order, each shuffled inside."""
    m = order.size
    if block is None:
        order[:] = rng.permutation(m)
        return
    starts = rng.permutation(np.arange(0, m, block))
    order[:] = np.concatenate([s + rng.permutation(min(block, m - s)) for s in starts])
