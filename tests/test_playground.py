"""The playground without a browser: message checks, data sets, the session, the server."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

import numpy as np
import pytest

from layerwise.callbacks import DivergenceError
from layerwise.data import load_planar
from layerwise.diagnostics import gradient_norms
from layerwise.playground import datasets as pd
from layerwise.playground.history import MAX_CURVE_POINTS
from layerwise.playground.schema import (
    LIMITS,
    MAX_MESSAGE_CHARS,
    Command,
    Config,
    MessageError,
    parse,
)
from layerwise.playground.session import AUTO_FRACTION, AUTO_MAX_EPOCHS, Session

pytest.importorskip("starlette")
from starlette.testclient import TestClient, WebSocketDenialResponse

from layerwise.playground.server import LOOPBACK_NAMES, create_app


def config(**changes) -> str:
    return json.dumps({"type": "config", "config": changes})


def raw_config(name: str, number: str) -> str:
    """A config message spelling ``number`` as it is (json.dumps refuses 4,300+ digits)."""
    return '{"type": "config", "config": {"' + name + '": ' + number + "}}"


# ----- schema -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["play", "pause", "step", "reset"])
def test_parse_commands(kind):
    assert parse(json.dumps({"type": kind})) == Command(kind)


def test_parse_config_converts_the_page_values():
    command = parse(
        config(layers="8, 4", activation="relu", batch_size="full", speed=10, learning_rate=1)
    )
    assert command.changes == {
        "layers": (8, 4),
        "activation": ("relu",),
        "batch_size": None,
        "speed": 10,
        "learning_rate": 1.0,
    }
    assert parse(config(layers="")).changes == {"layers": ()}
    assert parse(config(max_epochs="none")).changes == {"max_epochs": None}
    assert parse(config(max_epochs=5000)).changes == {"max_epochs": 5000}
    assert Config().to_dict()["max_epochs"] == 10_000
    assert Config(max_epochs=None).to_dict()["max_epochs"] == "none"
    assert parse(config(layers=[3], activation=["tanh"])).changes["layers"] == (3,)


HOSTILE = [
    ("{not json", "one JSON object"),
    ("[1, 2]", "must be a JSON object, got list"),
    ('"play"', "must be a JSON object, got str"),
    ('{"type": "explode"}', "type must be one of config, play"),
    ('{"type": "play", "extra": 1}', r"unknown field\(s\) 'extra'"),
    ('{"type": "config"}', '"config": an object'),
    ('{"type": "config", "config": {}}', '"config": an object'),
    (config(__class__="x"), r"unknown setting\(s\) '__class__'"),
    ('{"type": "config", "config": {"learning_rate": NaN}}', "numbers must be finite; got NaN"),
    ('{"type": "config", "config": {"l2": Infinity}}', "got Infinity"),
    (config(learning_rate=-1), r"learning_rate must be from 1e-06 to 10.0, got -1. Hint: raise"),
    (config(learning_rate=0), "learning_rate must be from"),
    (config(learning_rate=1e9), "Hint: lower it"),
    (config(learning_rate="fast"), "learning_rate must be a number from .* got 'fast'"),
    (config(learning_rate=True), "learning_rate must be a number"),
    (config(layers="1000"), "layers must list up to 6 hidden layer sizes from 1 to 256"),
    (config(layers="4,4,4,4,4,4,4"), "Hint: use fewer or smaller layers"),
    (config(layers="0"), "sizes from 1 to 256"),
    (config(layers="4;rm -rf"), 'like "8,4"'),
    (config(layers="٣"), 'like "8,4"'),
    (config(layers=[4.5]), 'like "8,4"'),
    (config(layers={"a": 1}), 'like "8,4"'),
    (config(activation="softmax"), "activation must be one of sigmoid, tanh"),
    (config(activation=["tanh"] * 7), "activation must be one of"),
    (config(dataset="/etc/passwd"), "dataset must be one of flower, xor"),
    (config(init="ones"), "init must be one of zeros"),
    (config(optimizer="sgd"), "optimizer must be one of gd"),
    (config(batch_size=0), 'batch_size must be "full" or an integer from 1 to 2000, got 0'),
    (config(batch_size="64"), "batch_size must be"),
    (config(speed=10**6), 'speed must be "auto" or an integer'),
    (config(max_epochs=0), 'max_epochs must be "none" or an integer from 1 to 10000000, got 0'),
    (config(max_epochs=10**8), 'max_epochs must be "none" or an integer from 1 to 10000000'),
    (config(max_epochs="10000"), "max_epochs must be .* got '10000'"),
    (config(max_epochs=True), "max_epochs must be .* got true"),
    (config(max_epochs=1.5), "max_epochs must be .* got 1.5"),
    (config(max_epochs=None), "max_epochs must be .* got null"),
    (config(examples=10**9), "examples must be from 50 to 2000"),
    (config(examples=400.5), "examples must be an integer"),
    (config(noise=2), "noise must be from 0.0 to 1.0"),
    (config(dev_fraction=0.9), "dev_fraction must be from 0.0 to 0.5"),
    (config(seed=-1), "seed must be from 0"),
    # integers beyond float's range, or beyond Python's 4,300-digit conversion limit
    (raw_config("noise", "1" + "0" * 400), r"noise must be a number .* an integer of 401 digits"),
    (raw_config("seed", "1" + "0" * 400), r"seed must be an integer from 0 to 4294967295, got an"),
    (raw_config("examples", "9" * 4301), "examples must be an integer .* of 4301 digits"),
    (raw_config("seed", "-" + "9" * 5000), "seed must be an integer .* of 5000 digits"),
    (raw_config("noise", "9" * 5000), "noise must be a number from 0.0 to 1.0, got an integer"),
    (raw_config("layers", "[4, 1" + "0" * 400 + "]"), r'like "8,4".*integer of 401 digits'),
    (raw_config("batch_size", "1" + "0" * 400), 'batch_size must be "full" or an integer'),
    ("[" * 5000 + "]" * 5000, "could not parse it"),
    (" " * (MAX_MESSAGE_CHARS + 1), f"at most {MAX_MESSAGE_CHARS} characters, got"),
    (b"\x00\x01", "must be JSON text, got binary data"),
]


@pytest.mark.parametrize(("text", "match"), HOSTILE)
def test_parse_rejects_hostile_messages(text, match):
    with pytest.raises(MessageError, match=match):
        parse(text)


# Every number the page may set, at both ends of its range (LIMITS includes both ends).
NUMBERS = [name for name in LIMITS if name not in ("layers", "units")]


@pytest.mark.parametrize("end", [0, 1], ids=["low", "high"])
@pytest.mark.parametrize("name", NUMBERS)
def test_parse_accepts_both_ends_of_every_range(name, end):
    value = LIMITS[name][end]
    assert parse(config(**{name: value})).changes == {name: value}


@pytest.mark.parametrize("end", [0, 1], ids=["low", "high"])
def test_parse_accepts_the_ends_of_the_layer_ranges(end):
    layers = [LIMITS["units"][end]] * LIMITS["layers"][end]
    assert parse(config(layers=layers)).changes == {"layers": tuple(layers)}
    assert parse(config(layers=[LIMITS["units"][0]])).changes == {"layers": (LIMITS["units"][0],)}


def test_a_session_at_the_low_end_of_every_range_trains():
    # noise 0, no dev set, the fewest examples, l2 0, seed 0, the smallest rate and batch
    lows = {name: LIMITS[name][0] for name in NUMBERS}
    session = Session(Config().merged(parse(config(**lows)).changes))
    session._train(1)
    frame = session.frame()
    assert session.config.examples == LIMITS["examples"][0] and session.epoch == 1
    assert np.isfinite(frame["metrics"]["cost"])
    json.dumps(frame, allow_nan=False)


def test_config_fits_activations_to_the_layers():
    c = Config().merged({"layers": (8, 4, 2)})
    assert c.activation == ("tanh", "tanh", "tanh")
    c = c.merged({"activation": ("relu", "sigmoid", "tanh", "tanh"), "layers": (3, 3)})
    assert c.activation == ("relu", "sigmoid")
    assert Config().merged({"layers": ()}).activation == ()


# ----- data sets ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(pd.DATASETS))
def test_datasets_are_seeded_and_shaped(name):
    make = pd.DATASETS[name].make
    X, Y = make(300, 0.3, 5)
    assert X.shape == (2, 300) and Y.shape == (1, 300)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(Y))
    X2, Y2 = make(300, 0.3, 5)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)
    assert not np.array_equal(make(300, 0.3, 6)[0], X)
    if pd.DATASETS[name].task == "binary":
        assert set(np.unique(Y)) == {0.0, 1.0}
        assert abs(Y.mean() - 0.5) < 0.1


def test_flower_at_noise_zero_is_the_course_data():
    X, Y = pd.flower(400, 0.0, 3)
    X_course, Y_course = load_planar(400, seed=1)
    np.testing.assert_array_equal(X, X_course)
    np.testing.assert_array_equal(Y, Y_course)


def test_split_is_a_seeded_partition():
    X = np.arange(20.0).reshape(2, 10)
    Y = np.arange(10.0).reshape(1, 10)
    Xt, Yt, Xd, Yd = pd.split(X, Y, 0.3, seed=0)
    assert Xt.shape == (2, 7) and Xd.shape == (2, 3)
    assert sorted(np.concatenate([Yt[0], Yd[0]])) == list(range(10))
    np.testing.assert_array_equal(Xd[1], Xd[0] + 10)  # columns stay whole
    assert pd.split(X, Y, 0.0, seed=0)[2].shape == (2, 0)


# ----- session ------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_course_model_learns_the_flower():
    session = Session()  # flower, 4 tanh units, ×0.01 init, gradient descent, α = 1.2
    for _ in range(40):
        frame = session._train(250)[0]
    assert session.epoch == 10_000
    assert frame["metrics"]["accuracy"] > 0.88
    assert frame["metrics"]["dev_accuracy"] >= 0.85
    norms = gradient_norms(session.net, session.X, session.Y)
    assert frame["grad_norms"] == [norms["dW1"], norms["dW2"]]


def test_frame_views_have_the_advertised_sizes():
    session = Session(Config(layers=(20, 3), activation=("relu", "sigmoid")))
    state, frame = session.state(), session.frame()
    assert state["layer_dims"] == [2, 20, 3, 1]
    assert state["shapes"][0] == {"W": [20, 2], "b": [20, 1]}
    assert len(state["train"]["x1"]) == 320 and len(state["dev"]["y"]) == 80
    import base64

    assert len(base64.b64decode(frame["boundary"]["data"])) == state["grid"] ** 2
    first, second = frame["units"]
    assert len(first["maps"]) == 12  # the first 12 of 20 units
    assert len(base64.b64decode(second["maps"][0])) == state["unit_grid"] ** 2
    assert (second["lo"], second["hi"]) == (0.0, 1.0)  # sigmoid
    assert first["lo"] == -first["hi"] > -np.inf  # relu: symmetric about 0
    assert [np.shape(W) for W in frame["weights"]] == [(20, 2), (3, 20), (1, 3)]
    json.dumps(frame, allow_nan=False)
    json.dumps(state, allow_nan=False)
    big = Session(Config().merged({"layers": (256, 128)}))  # 33,921 parameters: a coarser grid
    state, frame = big.state(), big.frame()
    assert state["grid"] == state["unit_grid"] == 30
    assert len(base64.b64decode(frame["boundary"]["data"])) == 30 * 30
    assert len(base64.b64decode(frame["units"][1]["maps"][0])) == 30 * 30


def test_zero_init_keeps_every_hidden_unit_identical():
    session = Session(Config(init="zeros", activation=("sigmoid",), layers=(5,)))
    for _ in range(5):
        frame = session._train(50)[0]
    maps = frame["units"][0]["maps"]
    assert len(set(maps)) == 1 and len(maps) == 5
    assert frame["units"][0]["identical"] == [[0, 1, 2, 3, 4]]
    W1 = session.net.layers[0].W  # (5, 2): rows equal to rounding; not zero: they learn, alike
    assert np.all(np.ptp(W1, axis=0) < 1e-12) and np.all(np.abs(W1) > 1e-3)
    session.handle(parse(config(init="xavier")))
    assert session.frame()["units"][0]["identical"] == []
    wide = Session(Config().merged({"init": "zeros", "layers": (40, 3)}))
    wide._train(3)
    assert wide.frame()["units"][0]["identical"] == [list(range(40))]
    wide.handle(parse(config(init="he")))
    assert wide.frame()["units"][0]["identical"] == []


def _epochs_until_divergence(config: Config) -> int:
    """The epochs fit runs one at a time on the session's network and data until one diverges,
    that one included (it updated the weights too)."""
    ref = Session(config)
    dev = (ref.X_dev, ref.Y_dev) if ref.X_dev.shape[1] else None
    for epochs in range(1, 1000):
        try:
            ref.net.fit(ref.X, ref.Y, epochs=1, optimizer=ref.optimizer, dev=dev)
        except DivergenceError:
            return epochs
    raise AssertionError("no divergence in 1000 epochs")


def test_divergence_pauses_with_a_message_and_play_starts_again():
    session = Session(Config(dataset="surface", layers=(8,), activation=("linear",)))
    session.handle(parse(config(learning_rate=10.0, speed=50)))
    session.handle(parse('{"type": "play"}'))
    messages = session.tick()
    assert [m["type"] for m in messages] == ["frame", "diverged"]
    assert (
        "diverged" in messages[1]["message"] and "lower the learning rate" in messages[1]["message"]
    )
    assert not session.running and messages[0]["metrics"]["cost"] is None
    assert f"at epoch {session.epoch} " in messages[1]["message"] and session.epoch >= 1
    diverging = Config(dataset="surface", layers=(8,), activation=("linear",), learning_rate=10.0)
    assert session.epoch == _epochs_until_divergence(diverging) < 50
    assert messages[0]["epoch"] == session.epoch
    json.dumps(messages, allow_nan=False)
    session.handle(parse(config(learning_rate=0.01)))
    session.handle(parse('{"type": "play"}'))
    assert session.running and session.epoch == 0 and not session.diverged
    assert session.tick()[0]["metrics"]["cost"] < 1


def test_some_settings_change_training_live_others_rebuild():
    session = Session()
    session.handle(parse('{"type": "step"}'))
    session.handle(parse('{"type": "play"}'))
    session.handle(parse(config(learning_rate=0.5, l2=0.1, batch_size=32, optimizer="adam")))
    assert session.epoch == 1 and session.running
    assert session.optimizer.learning_rate == 0.5 and session.net.l2 == 0.1
    theta = session.net.theta.copy()
    session.handle(parse(config(activation="relu")))
    assert session.epoch == 0 and not session.running
    assert not np.array_equal(theta, session.net.theta)
    assert session.handle(parse(config(speed=5)))[0]["fresh"] is False
    seed = session.config.seed
    state, frame = session.handle(parse('{"type": "reset"}'))
    assert state["config"]["seed"] == seed + 1 and frame["epoch"] == 0 and state["fresh"]


def test_dropout_changes_live_keeping_the_weights_and_predictions_use_the_whole_network():
    session = Session(Config(layers=(16, 16), batch_size=32))
    session._train(2)
    theta = session.net.theta.copy()
    session.handle(parse(config(keep_prob=0.5)))
    assert session.net.keep_prob == (0.5, 0.5) and session.epoch == 2
    np.testing.assert_array_equal(theta, session.net.theta)  # the weights stay
    twin = Session(Config(layers=(16, 16), batch_size=32))
    twin._train(2)
    for s in (session, twin):
        s._train(3)
    assert not np.array_equal(session.net.theta, twin.net.theta)  # masks changed the updates
    first = session.frame()["metrics"]
    assert first == session.frame()["metrics"]  # the reported metrics use no masks
    session.handle(parse(config(keep_prob=1)))
    assert session.net.keep_prob == (1.0, 1.0)


def test_a_new_network_keeps_the_chosen_dropout():
    session = Session(Config(keep_prob=0.8))
    assert session.net.keep_prob == (0.8,)
    session.handle(parse(config(layers="8,8,8")))
    assert session.net.keep_prob == (0.8, 0.8, 0.8)
    session.handle(parse(config(layers="")))  # logistic regression: nothing to drop
    assert session.net.keep_prob == () and session.config.keep_prob == 0.8
    session.handle(parse(config(keep_prob=0.5)))
    assert session.net.keep_prob == ()


@pytest.mark.parametrize("value", [0, 0.01, 1.5, "0.5", None])
def test_keep_prob_outside_its_range_is_refused(value):
    with pytest.raises(MessageError, match="keep_prob must be"):
        parse(json.dumps({"type": "config", "config": {"keep_prob": value}}))


def test_same_seed_same_training():
    a, b = Session(Config(batch_size=16)), Session(Config(batch_size=16))
    for session in (a, b):
        for k in (3, 1, 7):
            session._train(k)
    np.testing.assert_array_equal(a.net.theta, b.net.theta)


def test_auto_speed_adapts_the_epochs_per_update():
    session = Session()
    session.handle(parse('{"type": "play"}'))
    for _ in range(100):
        session.tick()
    assert session.epochs_per_tick > 1
    assert session.frame()["epochs_per_update"] == session.epochs_per_tick
    session.handle(parse('{"type": "pause"}'))
    assert session.tick() == []


def test_the_curves_start_at_epoch_zero_and_stay_bounded():
    session = Session()
    first = session.frame()
    assert first["curves"]["epoch"] == [0]  # the initial weights, before any update
    assert first["curves"]["cost"] == [first["metrics"]["cost"]]
    assert first["curves"]["dev_accuracy"] == [first["metrics"]["dev_accuracy"]]
    assert first["grads"] == {"epoch": [0], "norms": [first["grad_norms"]]}
    assert session.frame()["curves"]["epoch"] == []  # a frame sends only what is new
    session.handle(parse(config(max_epochs="none")))
    sent = 0
    for _ in range(30):
        frame = session._train(500)[0]
        sent = max(sent, len(frame["curves"]["epoch"]))
    assert session.curves.epochs[0] == 0 and session.curves.epochs[-1] == 15_000
    assert len(session.curves) <= MAX_CURVE_POINTS and sent <= MAX_CURVE_POINTS
    assert frame["stride"] == session.curves.stride > 1
    assert session.curves.values["cost"][0] == first["metrics"]["cost"]


def test_auto_pace_grows_with_the_epochs_so_far():
    session = Session()
    session.handle(parse('{"type": "play"}'))
    paces = []
    for _ in range(150):
        before = session.epoch
        session.tick()
        paces.append(session.epoch - before)
        assert paces[-1] <= min(AUTO_MAX_EPOCHS, max(1, before // AUTO_FRACTION))
    assert paces[:AUTO_FRACTION] == [1] * AUTO_FRACTION  # the first epochs one by one
    assert max(paces) > 1


def test_training_stops_at_the_epoch_limit():
    session = Session(Config(max_epochs=120, speed=50))
    session.handle(parse('{"type": "play"}'))
    epochs = [session.tick()[0]["epoch"] for _ in range(3)]
    assert epochs == [50, 100, 120] and not session.running
    frame = session.frame()
    assert frame["at_limit"] and not frame["running"]
    assert session.tick() == []
    assert session.handle(parse('{"type": "play"}'))[0]["at_limit"] and not session.running
    assert session.handle(parse('{"type": "step"}'))[0]["epoch"] == 120
    session.handle(parse(config(max_epochs=1000)))  # a higher limit: training goes on
    session.handle(parse('{"type": "play"}'))
    assert session.running and session.tick()[0]["epoch"] == 170
    state, frame = session.handle(parse(config(max_epochs=150)))  # lowered below the epoch
    assert not state["fresh"] and frame["at_limit"] and not session.running


def test_the_frame_flags_overfitting():
    session = Session()
    assert session.frame()["overfitting"] is None
    n = 20
    session.curves.extend(
        list(range(1, n + 1)),
        {
            "cost": [1 / k for k in range(1, n + 1)],
            "dev_cost": [0.6 - 0.02 * k for k in range(10)] + [0.5 + 0.02 * k for k in range(10)],
            "accuracy": [None] * n,
            "dev_accuracy": [None] * n,
        },
    )
    assert session.frame()["overfitting"] == 10


@pytest.mark.slow
def test_the_course_model_overfits_after_its_best_dev_cost_and_the_frame_says_so():
    session = Session(Config(max_epochs=None))  # the defaults, with no epoch limit
    flags = [session._train(500)[0]["overfitting"] for _ in range(32)]
    assert flags[:10] == [None] * 10  # the first 5,000 epochs: the dev cost still falls
    assert 3000 <= flags[-1] <= 6000  # by 16,000 it has risen since its minimum


def test_play_after_a_divergence_starts_the_curves_again():
    session = Session(Config(dataset="surface", layers=(8,), activation=("linear",)))
    session.handle(parse(config(learning_rate=10.0, speed=50)))
    session.handle(parse('{"type": "play"}'))
    session.tick()
    assert session.diverged
    state, frame = session.handle(parse('{"type": "play"}'))
    assert state["fresh"] and frame["curves"]["epoch"] == [0]


# ----- server -------------------------------------------------------------------------------
@pytest.fixture
def client():
    with TestClient(create_app()) as c:
        yield c


def receive(ws, kind: str) -> dict:
    """The next message of type ``kind`` (frames of a running session may come first)."""
    for _ in range(1000):
        message = ws.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def open_tab(client):
    ws = client.websocket_connect("/ws")
    ws.__enter__()
    assert ws.receive_json()["type"] == "hello"
    assert ws.receive_json()["type"] == "state"
    assert ws.receive_json()["epoch"] == 0
    return ws


def test_page_and_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and 'data-testid="boundary"' in page.text
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/../server.py").status_code == 404


def test_hostile_messages_get_errors_and_the_tab_goes_on(client):
    ws = open_tab(client)
    for text, match in HOSTILE:
        if isinstance(text, bytes):
            ws.send_bytes(text)
        else:
            ws.send_text(text)
        assert re.search(match, receive(ws, "error")["message"])
    ws.send_bytes(b"\xff\xfe")
    assert "binary" in receive(ws, "error")["message"]
    ws.send_text(" " * 200_000)
    assert "characters" in receive(ws, "error")["message"]
    ws.send_text('{"type": "step"}')
    assert receive(ws, "frame")["epoch"] == 1
    ws.__exit__(None, None, None)


def test_two_tabs_train_independently(client):
    one, two = open_tab(client), open_tab(client)
    one.send_text(config(layers="8,3"))
    assert receive(one, "state")["layer_dims"] == [2, 8, 3, 1]
    one.send_text('{"type": "play"}')
    epochs = [receive(one, "frame")["epoch"] for _ in range(4)]
    assert epochs[-1] > epochs[0]
    two.send_text('{"type": "step"}')
    frame = receive(two, "frame")
    assert frame["epoch"] == 1 and len(frame["grad_norms"]) == 2
    one.send_text('{"type": "pause"}')
    for ws in (one, two):
        ws.__exit__(None, None, None)


def test_pause_stops_training(client):
    ws = open_tab(client)
    ws.send_text('{"type": "play"}')
    receive(ws, "frame")
    ws.send_text('{"type": "pause"}')
    while (frame := receive(ws, "frame"))["running"]:
        pass
    ws.send_text('{"type": "step"}')
    assert receive(ws, "frame")["epoch"] == frame["epoch"] + 1
    ws.__exit__(None, None, None)


def test_other_sites_cannot_open_a_tab(client):
    from starlette.websockets import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/ws", headers={"origin": "http://evil.example"}),
    ):
        pass
    assert refused.value.code == 1008
    with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "hello"


def test_a_loopback_server_answers_only_to_loopback_names():
    app = create_app(LOOPBACK_NAMES)
    with TestClient(app, base_url="http://127.0.0.1:8765") as local:
        assert local.get("/").status_code == 200
        with local.websocket_connect("ws://127.0.0.1:8765/ws") as ws:
            assert ws.receive_json()["type"] == "hello"
    with TestClient(app, base_url="http://rebound.example:8765") as rebound:
        assert rebound.get("/").status_code == 400
        with (
            pytest.raises(WebSocketDenialResponse),
            rebound.websocket_connect("ws://rebound.example:8765/ws"),
        ):
            pass


def test_a_tab_over_the_session_cap_is_told_so_and_a_closed_tab_frees_a_slot():
    from starlette.websockets import WebSocketDisconnect

    with TestClient(create_app(max_sessions=2)) as capped:
        first, second = open_tab(capped), open_tab(capped)
        with capped.websocket_connect("/ws") as third:
            error = third.receive_json()
            assert error["type"] == "error"
            assert error["message"].startswith("The playground is full: 2 tabs are open")
            assert "--max-sessions 2" in error["message"]
            with pytest.raises(WebSocketDisconnect) as closed:
                third.receive_json()
        assert closed.value.code == 1013 and closed.value.reason == error["message"]
        second.send_text('{"type": "step"}')  # the open tabs go on
        assert receive(second, "frame")["epoch"] == 1
        first.__exit__(None, None, None)
        again = open_tab(capped)  # a slot was freed
        for ws in (second, again):
            ws.__exit__(None, None, None)


@pytest.mark.parametrize("limit", [0, -1, 2.5, True])
def test_a_session_cap_must_be_a_positive_integer(limit):
    with pytest.raises(ValueError, match=r"max_sessions must be a positive integer, got"):
        create_app(max_sessions=limit)


# ----- command line -------------------------------------------------------------------------
def test_cli_registers_playground(capsys):
    from layerwise.cli import build_parser

    args = build_parser().parse_args(["playground", "--no-browser", "--port", "0"])
    assert (args.host, args.port, args.no_browser) == ("127.0.0.1", 0, True)
    assert args.max_sessions == 8
    args = build_parser().parse_args(["playground", "--max-sessions", "3"])
    assert args.max_sessions == 3


def test_cli_rejects_a_bad_port(capsys):
    from layerwise.cli import main

    assert main(["playground", "--port", "70000"]) == 2
    assert "must be from 0 to 65535" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "match"), [("0", "must be at least 1, got 0"), ("many", "expected a number of tabs")]
)
def test_cli_rejects_a_bad_session_cap(capsys, value, match):
    from layerwise.cli import main

    assert main(["playground", "--max-sessions", value]) == 2
    err = capsys.readouterr().err
    assert "--max-sessions" in err and match in err


def test_cli_reports_a_port_in_use(capsys):
    from layerwise.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["playground", "--no-browser", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot listen on 127.0.0.1:") and "--port 0" in err


def test_cli_without_the_extra_says_what_to_install(monkeypatch, capsys):
    from layerwise.cli import main

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["playground", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "uvicorn is missing" in err and "pip install 'layerwise[playground]'" in err


def test_import_layerwise_loads_no_web_library():
    code = (
        "import sys, layerwise, layerwise.cli; layerwise.cli.build_parser(); "
        "print(sorted({'starlette', 'uvicorn', 'websockets'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_session_failures_pause_and_are_shown(monkeypatch):
    import asyncio

    from layerwise.playground import server

    session = Session()
    session.running = True

    def broken():
        raise KeyError("oops")

    monkeypatch.setattr(server.log, "exception", lambda *a: None)
    (message,) = asyncio.run(server._call(session, broken))
    assert message == {"type": "error", "message": "internal error (KeyError: 'oops')."}
    assert not session.running


def test_urls():
    from layerwise.cli.playground import _is_loopback, _url

    assert _url("127.0.0.1", 80) == "http://127.0.0.1:80/"
    assert _url("::1", 8765) == "http://[::1]:8765/"
    assert _url("0.0.0.0", 1) == "http://127.0.0.1:1/"
    assert _is_loopback("::1") and _is_loopback("localhost") and not _is_loopback("0.0.0.0")
