"""The playground's chart history (thinned evenly, from epoch 0) and its overfitting rule."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise.playground.history import Trace, kept, overfitting


def feed(trace: Trace, last: int, seed: int = 0) -> None:
    """Epochs 1..last in updates of random sizes, the value of each epoch its own number."""
    rng = np.random.default_rng(seed)
    epoch = trace.epochs[-1] if trace.epochs else 0
    while epoch < last:
        n = int(min(rng.integers(1, 700), last - epoch))
        epochs = list(range(epoch + 1, epoch + n + 1))
        trace.extend(epochs, {"v": [float(e) for e in epochs]})
        epoch += n


def page_mirror(buffer: dict[str, list], points: dict[str, list], stride: int) -> None:
    """What the page (app.js, ``extend``) does with a frame's points: append, keep the same."""
    for key in buffer:
        buffer[key] += points[key]
    keep = kept(buffer["epoch"], stride)
    for key in buffer:
        buffer[key] = [buffer[key][i] for i in keep]


def test_kept_takes_the_first_of_each_bucket_and_the_last():
    assert kept([0, 1, 2, 3, 4, 5, 6], 2) == [0, 2, 4, 6]
    assert kept([0, 1, 2, 3, 4, 5], 2) == [0, 2, 4, 5]  # 5: the latest
    assert kept([0, 3, 5, 9, 10], 4) == [0, 2, 3, 4]
    assert kept([], 8) == []


def test_a_trace_keeps_epoch_zero_and_spreads_its_points_evenly():
    trace = Trace(("v",), capacity=40)
    trace.extend([0], {"v": [0.0]})
    feed(trace, 200_000)
    epochs = trace.epochs
    assert len(epochs) <= 40 and epochs[0] == 0 and epochs[-1] == 200_000
    assert trace.values["v"] == [float(e) for e in epochs]  # each value with its epoch
    gaps = np.diff(epochs[:-1])  # evenly spread: every gap one stride, over the whole run
    assert set(gaps) == {trace.stride}
    assert trace.stride * 40 >= 200_000 / 2  # and the capacity is used, not wasted
    # Thinning update by update keeps what thinning everything at once keeps.
    assert epochs == [list(range(200_001))[i] for i in kept(range(200_001), trace.stride)]


def test_the_page_ends_with_the_servers_points():
    trace, buffer = Trace(("v",), capacity=30), {"epoch": [], "v": []}
    trace.extend([0], {"v": [0.0]})
    for last in (5, 80, 81, 3000, 3001, 90_000):
        feed(trace, last, seed=last)
        page_mirror(buffer, trace.fresh(), trace.stride)
        assert buffer == {"epoch": trace.epochs, "v": trace.values["v"]}
    assert trace.fresh() == {"epoch": [], "v": []}  # nothing new: nothing sent


def test_a_trace_leaves_out_epochs_it_holds_already():
    trace = Trace(("v",))
    trace.extend([0, 1], {"v": [1.0, 2.0]})
    trace.extend([1, 2], {"v": [9.0, 3.0]})
    assert trace.epochs == [0, 1, 2] and trace.values["v"] == [1.0, 2.0, 3.0]


def test_a_trace_needs_room_for_the_first_and_last_point():
    with pytest.raises(ValueError, match=r"capacity must be at least 2 .* got 1"):
        Trace(("v",), capacity=1)


# ----- overfitting ------------------------------------------------------------------------
EPOCHS = list(range(0, 2000, 100))  # 20 points
TRAIN = [1.0 / (1 + e / 100) for e in EPOCHS]  # falls all along


def test_overfitting_when_the_dev_cost_rises_while_the_train_cost_falls():
    dev = [0.6 - 0.02 * i for i in range(10)] + [0.42 + 0.03 * i for i in range(10)]
    assert overfitting(EPOCHS, TRAIN, dev) == 900  # where the dev cost was lowest
    assert overfitting(EPOCHS, TRAIN, [None, *dev[1:]]) == 900  # undefined points are left out
    rising = [0.5 + 0.01 * i for i in range(20)]  # from the start: the minimum is epoch 0
    assert overfitting(EPOCHS, TRAIN, rising) == 0


@pytest.mark.parametrize(
    ("train", "dev"),
    [
        (TRAIN, [0.6 - 0.01 * i for i in range(20)]),  # both fall
        (TRAIN, [0.5] * 20),  # the dev cost flat
        (TRAIN, [0.5] * 17 + [0.6] * 3),  # risen at only the last 3 points
        (TRAIN, [0.5] * 14 + [0.52] * 6),  # risen by 4 %, under the 5 %
        (TRAIN, [0.5] * 16 + [0.6] * 4),  # risen at only 4 of the last 5 points
        (TRAIN[:15] + [TRAIN[14] * 1.2] * 5, [0.4] * 10 + [0.6] * 10),  # the train cost rose
        ([0.2] * 10 + [0.5] * 10, [0.4] * 10 + [0.6] * 10),  # both rose: not overfitting
        (TRAIN, [0.5] * 5 + [0.3] + [0.5] * 14),  # one low point of a noisy curve is no best
        (TRAIN, [0.5, 0.3] * 10),  # a curve that swings, level
        (TRAIN[:9], [0.4] * 4 + [0.6] * 5),  # too few points to tell: under two windows
        ([None] * 20, [0.4] * 10 + [0.6] * 10),  # no train cost
    ],
)
def test_no_overfitting_notice_otherwise(train, dev):
    assert overfitting(EPOCHS[: len(dev)], train, dev) is None
