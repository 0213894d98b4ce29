// layerwise playground: the page. Every number and picture comes from the server, where
// layerwise's own Network trains; this file only sends settings and draws what it is sent.
"use strict";

const $ = (id) => document.getElementById(id);
const ORANGE = [232, 134, 26];
const BLUE = [10, 111, 184];
const WHITE = [250, 250, 250];
const TRAIN_COLOR = "#1d2330";
const DEV_COLOR = "#8e44c9";
const LAYER_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#444"];

// 256 colours from orange (0) through white (127.5) to blue (255).
const PALETTE = Array.from({ length: 256 }, (_, i) => {
  const t = i / 255;
  const [from, to, s] = t < 0.5 ? [ORANGE, WHITE, t * 2] : [WHITE, BLUE, (t - 0.5) * 2];
  return from.map((c, k) => Math.round(c + (to[k] - c) * s));
});

// The boundary's background: the same scale, paler, so that the points stand out.
const PALE = PALETTE.map((c) => c.map((v) => Math.round(v + (255 - v) * 0.35)));

const emptyCurves = () => ({ epoch: [], cost: [], dev_cost: [], accuracy: [], dev_accuracy: [] });
const view = {
  state: null, frame: null, running: false, logEpochs: false,
  curves: emptyCurves(),
  grads: { epoch: [], norms: [] },
};
let socket = null;

// ----- messages -------------------------------------------------------------------------
function send(message) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify(message));
}

function setConfig(changes) {
  clearMessage();
  send({ type: "config", config: changes });
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  window.playground = { socket, send };
  socket.onopen = () => setStatus("paused");
  socket.onclose = (event) => {
    setStatus("disconnected");
    // 1013 (try again later): the server is full and its reason says so; keep its words.
    showMessage(event.code === 1013 && event.reason ? event.reason
      : "The connection to the server was lost. Start `layerwise playground` and reload.");
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    const handler = HANDLERS[message.type];
    if (handler) handler(message);
  };
}

const HANDLERS = {
  // The server's tables: every menu's values and every range come from here, none from the page.
  hello(m) {
    fillSelect($("dataset"), Object.keys(m.datasets), (name) => name);
    $("dataset").title = Object.entries(m.datasets).map(([k, v]) => `${k}: ${v}`).join("\n");
    fillSelect($("activation"), m.activations, (a) => a);
    const mixed = new Option("per layer (see the network)", "");
    mixed.disabled = true;
    $("activation").append(mixed);
    const label = (key) => (v) => (m.labels[key] || {})[String(v)] ??
      (typeof v === "number" ? v.toLocaleString("en-US") : String(v));
    view.label = label;
    fillSelect($("init"), m.inits, label("init"));
    fillSelect($("optimizer"), m.optimizers, label("optimizer"));
    for (const key of PRESET_KEYS) fillSelect($(key), m.presets[key], label(key));
    for (const key of ["noise", "dev_fraction", "keep_prob", "examples", "seed"]) {
      const [low, high] = m.limits[key];
      Object.assign($(key), { min: low, max: high, step: m.steps[key] });
    }
    for (const key of ["learning_rate", "l2"]) $(key).title = `from ${m.limits[key][0]} to ${m.limits[key][1]}`;
    view.activations = m.activations;
    view.tasks = m.tasks;
    [, view.maxLayers] = m.limits.layers;
    [view.minUnits, view.maxUnits] = m.limits.units;
  },
  state(m) {
    view.state = m;
    if (m.fresh) {
      view.curves = emptyCurves();
      view.grads = { epoch: [], norms: [] };
    }
    showConfig(m.config);
    document.querySelectorAll("input.invalid").forEach((el) => el.classList.remove("invalid"));
    $("layer-dims").textContent = `layer_dims = [${m.layer_dims.join(", ")}] · ${m.n_parameters.toLocaleString("en-US")} parameters`;
    $("layers-value").textContent = `layer_dims = [${m.layer_dims.join(", ")}]`;
    $("task").textContent = `${view.tasks[m.task].output} output, ${m.task === "binary" ? "P(y = 1)" : "ŷ"}`;
    $("legend-lo").textContent = m.task === "binary" ? "class 0" : `y = ${m.y_range[0].toFixed(2)}`;
    $("legend-hi").textContent = m.task === "binary" ? "class 1" : `y = ${m.y_range[1].toFixed(2)}`;
    const [lo, hi] = m.extent;
    $("data-info").textContent = `${m.train.y.length} train · ${m.dev.y.length} dev examples · ` +
      `x₁, x₂ from ${lo.toFixed(1)} to ${hi.toFixed(1)}`;
    buildDiagram(m);
  },
  frame(m) {
    view.frame = m;
    view.running = m.running;
    appendCurves(m);
    $("epoch").textContent = String(m.epoch);
    const fmt = (x, digits) => (x === null || x === undefined ? "–" : formatNumber(x, digits));
    $("train-cost").textContent = fmt(m.metrics.cost, 4);
    $("dev-cost").textContent = fmt(m.metrics.dev_cost, 4);
    $("train-accuracy").textContent = fmt(m.metrics.accuracy, 3);
    $("dev-accuracy").textContent = fmt(m.metrics.dev_accuracy, 3);
    setStatus(m.running ? `training · ${m.epochs_per_update} epochs/update` : m.diverged ? "diverged"
      : m.at_limit ? `stopped at ${m.epoch.toLocaleString("en-US")} epochs (the limit)` : "paused");
    if (m.at_limit) $("play").disabled = true;  // until "stop at" is raised
    const over = $("overfitting");
    over.hidden = m.overfitting === null || m.overfitting === undefined;
    over.textContent = over.hidden ? "" : "dev cost rising while train cost falls: overfitting " +
      `(the dev cost was lowest at epoch ${m.overfitting.toLocaleString("en-US")}). ` +
      "Try L2 λ, dropout (keep_prob below 1), more examples, or stop near that epoch.";
    drawBoundary();
    drawUnits(m);
    drawWires(m);
    drawCharts();
    writeNote(m);
  },
  error(m) { showMessage(m.message); },
  diverged(m) { showMessage(m.message, "warning"); },
};

// ----- controls -------------------------------------------------------------------------
function fillSelect(select, values, label) {
  select.replaceChildren(...values.map((v) => new Option(label(v), v)));
}

// The menus that offer presets of a range (the server accepts any value in it): a value the
// server holds that is not among them gets an option of its own.
const PRESET_KEYS = ["batch_size", "speed", "max_epochs"];
function selectValue(key, value) {
  const select = $(key), text = String(value);
  if (![...select.options].some((o) => o.value === text)) {
    select.append(new Option(view.label ? view.label(key)(value) : text, text));
  }
  select.value = text;
}

function showConfig(c) {
  // A text box the user is typing in keeps its text: the server's value shows when they leave.
  const typing = document.activeElement;
  const set = (id, text) => { if ($(id) !== typing || typing.tagName !== "INPUT") $(id).value = text; };
  $("dataset").value = c.dataset;
  $("noise").value = c.noise; $("noise-value").textContent = c.noise.toFixed(2);
  $("dev_fraction").value = c.dev_fraction; $("dev-value").textContent = c.dev_fraction.toFixed(2);
  $("examples").value = c.examples; $("examples-value").textContent = String(c.examples);
  $("keep_prob").value = c.keep_prob; $("keep-value").textContent = c.keep_prob.toFixed(2);
  // With dropout the train curves follow the masked network each update trains (as the course
  // prints its cost); the dev curves and the table below are the whole network's.
  const masked = c.keep_prob < 1 && c.layers.length > 0;
  for (const key of document.querySelectorAll("figcaption .key.train")) key.textContent = masked ? "train (dropout on)" : "train";
  set("layers", c.layers.join(","));
  const same = c.activation.every((a) => a === c.activation[0]);
  $("activation").value = same && c.activation.length ? c.activation[0] : "";
  $("init").value = c.init;
  $("optimizer").value = c.optimizer;
  set("learning_rate", String(c.learning_rate));
  set("l2", String(c.l2));
  set("seed", String(c.seed));
  for (const key of PRESET_KEYS) selectValue(key, c[key]);
  $("remove-layer").disabled = c.layers.length === 0;
  $("add-layer").disabled = c.layers.length >= view.maxLayers;
}

// A typed number goes to the server as a number when it reads as one, otherwise as the text:
// the server checks every value and says what is wrong.
function typedNumber(text) {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) ? value : text;
}

function bindControls() {
  $("play").onclick = () => { clearMessage(); send({ type: "play" }); };
  $("pause").onclick = () => send({ type: "pause" });
  $("step").onclick = () => { clearMessage(); send({ type: "step" }); };
  $("reset").onclick = () => { clearMessage(); send({ type: "reset" }); };
  $("dataset").onchange = (e) => setConfig({ dataset: e.target.value });
  $("noise").oninput = (e) => { $("noise-value").textContent = Number(e.target.value).toFixed(2); };
  $("noise").onchange = (e) => setConfig({ noise: Number(e.target.value) });
  $("dev_fraction").oninput = (e) => { $("dev-value").textContent = Number(e.target.value).toFixed(2); };
  $("dev_fraction").onchange = (e) => setConfig({ dev_fraction: Number(e.target.value) });
  $("keep_prob").oninput = (e) => { $("keep-value").textContent = Number(e.target.value).toFixed(2); };
  $("keep_prob").onchange = (e) => setConfig({ keep_prob: Number(e.target.value) });
  $("examples").oninput = (e) => { $("examples-value").textContent = e.target.value; };
  $("examples").onchange = (e) => setConfig({ examples: Number(e.target.value) });
  $("layers").onchange = (e) => { markSent(e.target); setConfig({ layers: e.target.value }); };
  $("layers").oninput = (e) => previewLayers(e.target.value);
  $("activation").onchange = (e) => setConfig({ activation: e.target.value });
  $("init").onchange = (e) => setConfig({ init: e.target.value });
  $("optimizer").onchange = (e) => setConfig({ optimizer: e.target.value });
  $("learning_rate").onchange = (e) => { markSent(e.target); setConfig({ learning_rate: typedNumber(e.target.value) }); };
  $("batch_size").onchange = (e) => setConfig({ batch_size: e.target.value === "full" ? "full" : Number(e.target.value) });
  $("l2").onchange = (e) => { markSent(e.target); setConfig({ l2: typedNumber(e.target.value) }); };
  $("seed").onchange = (e) => { markSent(e.target); setConfig({ seed: typedNumber(e.target.value) }); };
  $("speed").onchange = (e) => setConfig({ speed: e.target.value === "auto" ? "auto" : Number(e.target.value) });
  $("max_epochs").onchange = (e) => setConfig({ max_epochs: e.target.value === "none" ? "none" : Number(e.target.value) });
  $("log-epochs").onchange = (e) => { view.logEpochs = e.target.checked; drawCharts(); };
  $("add-layer").onclick = () => {
    const layers = view.state.config.layers;
    setConfig({ layers: [...layers, layers.length ? layers[layers.length - 1] : 4] });
  };
  $("remove-layer").onclick = () => setConfig({ layers: view.state.config.layers.slice(0, -1) });
  // Space: play / pause, unless a control has the focus (it keeps its own keys).
  document.addEventListener("keydown", (e) => {
    if (e.key !== " " || ["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(e.target.tagName)) return;
    e.preventDefault();
    if (view.running) send({ type: "pause" }); else { clearMessage(); send({ type: "play" }); }
  });
  window.addEventListener("resize", () => { if (view.state) { buildDiagram(view.state); HANDLERS.frame(view.frame); } });
}

// While the hidden layers are typed: the layer_dims and W[l] shapes they would give.
function previewLayers(text) {
  const parts = text.trim() === "" ? [] : text.split(",").map((p) => p.trim());
  if (!parts.every((p) => /^[0-9]+$/.test(p) && Number(p) >= 1)) return;
  const dims = [2, ...parts.map(Number), 1];
  $("layers-value").textContent = `layer_dims = [${dims.join(", ")}]`;
  const shapes = dims.slice(1).map((n, l) => `W[${l + 1}] (${n}, ${dims[l]})`).join(" ");
  $("layer-dims").textContent = `layer_dims = [${dims.join(", ")}] · ${shapes} · Enter applies`;
}

let lastSent = null;
function markSent(input) { lastSent = input; }

function showMessage(text, kind = "error") {
  const box = $("error");
  const close = document.createElement("button");
  close.textContent = "×"; close.title = "Dismiss"; close.onclick = clearMessage;
  const span = document.createElement("span"); span.textContent = text;
  box.replaceChildren(span, close);
  box.className = `message ${kind === "warning" ? "warning" : ""}`;
  box.hidden = false;
  if (kind === "error" && lastSent) lastSent.classList.add("invalid");
}

function clearMessage() { $("error").hidden = true; $("error").replaceChildren(); }

function setStatus(text) {
  $("status").textContent = text;
  $("status").title = text;
  $("status").className = `status ${text.startsWith("training") ? "running" : ""}`;
  $("play").disabled = text.startsWith("training");
}

function formatNumber(x, digits) {
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(2);
  return x.toFixed(digits);
}

// ----- pictures -------------------------------------------------------------------------
function decode(b64) {
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// Paint n × n bytes as a heat map scaled onto `canvas` (smoothed, like a continuous field).
function paintMap(canvas, bytes, n, palette = PALETTE) {
  const small = document.createElement("canvas");
  small.width = n; small.height = n;
  const sctx = small.getContext("2d");
  const img = sctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const [r, g, b] = palette[bytes[i]];
    img.data[4 * i] = r; img.data[4 * i + 1] = g; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
  }
  sctx.putImageData(img, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

function drawBoundary() {
  const m = view.frame, s = view.state, canvas = $("boundary");
  const ctx = canvas.getContext("2d");
  if (!m || !s) return;
  if (m.boundary) paintMap(canvas, decode(m.boundary.data), s.grid, PALE);
  else { ctx.fillStyle = "#eee"; ctx.fillRect(0, 0, canvas.width, canvas.height); }
  const [lo, hi] = s.extent;
  const toPx = (v, flip) => ((flip ? hi - v : v - lo) / (hi - lo)) * canvas.width;
  const colour = (y) => {
    const t = s.task === "binary" ? y : (y - s.y_range[0]) / (s.y_range[1] - s.y_range[0] || 1);
    const [r, g, b] = PALETTE[Math.max(0, Math.min(255, Math.round(t * 255)))];
    return s.task === "binary" ? (y > 0.5 ? "#07568f" : "#c86a06") : `rgb(${r},${g},${b})`;
  };
  const r = canvas.width / 110;
  for (const [points, dev] of [[s.train, false], [s.dev, true]]) {
    ctx.lineWidth = dev ? r * 0.55 : r * 0.3;
    for (let i = 0; i < points.y.length; i++) {
      ctx.beginPath();
      ctx.arc(toPx(points.x1[i], false), toPx(points.x2[i], true), r, 0, 2 * Math.PI);
      if (dev) { ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = colour(points.y[i]); ctx.stroke(); }
      else { ctx.fillStyle = colour(points.y[i]); ctx.fill(); ctx.strokeStyle = "#fff"; ctx.stroke(); }
    }
  }
}

function buildDiagram(s) {
  const columns = $("columns");
  const dims = s.layer_dims, L = dims.length - 1;
  const shown = dims.map((n) => Math.min(n, 12));
  const height = $("diagram").clientHeight - 62 - 90;
  // The columns share the width (8 px apart): narrow ones (6 hidden layers) get smaller text
  // and maps, so that the output column always fits.
  const width = (columns.clientWidth - 8 * L) / (L + 1);
  columns.classList.toggle("compact", width < 96);
  const size = Math.max(14, Math.min(52, Math.floor(height / Math.max(...shown) - 6), Math.floor(width - 24)));
  view.mapSize = size;
  const cols = [];
  for (let l = 0; l <= L; l++) {
    const col = document.createElement("div");
    col.className = "column";
    const head = document.createElement("div");
    head.className = "head";
    if (l === 0) head.innerHTML = `<b>input</b>x₁, x₂<br><code>X (2, m)</code>`;
    else {
      const name = l === L ? "output" : `layer ${l}`;
      head.innerHTML = `<b>${name}</b><code>W[${l}] (${dims[l]}, ${dims[l - 1]})</code><br>` +
        `<code>b[${l}] (${dims[l]}, 1)</code>`;
      if (l < L) {
        const select = document.createElement("select");
        fillSelect(select, view.activations || [], (a) => a);
        select.value = s.activations[l - 1];
        select.title = `activation of layer ${l}`;
        select.onchange = () => {
          const acts = s.activations.slice(0, L - 1);
          acts[l - 1] = select.value;
          setConfig({ activation: acts });
        };
        head.append(document.createElement("br"), select);
      } else {
        const act = document.createElement("div");
        act.textContent = s.activations[L - 1];
        head.append(act);
      }
    }
    col.append(head);
    const units = document.createElement("div");
    units.className = "units";
    for (let j = 0; j < shown[l]; j++) {
      const c = document.createElement("canvas");
      c.className = l === 0 ? "unit input-map" : l === L ? "unit output-map" : "unit unit-map";
      c.dataset.layer = String(l); c.dataset.unit = String(j);
      c.width = size * 2; c.height = size * 2;
      c.style.width = `${size}px`; c.style.height = `${size}px`;
      c.title = l === 0 ? `x${j + 1}` : l === L ? "output" : `layer ${l}, unit ${j + 1}: A[${l}]${j + 1}`;
      units.append(c);
    }
    col.append(units);
    if (dims[l] > shown[l] && l > 0) {
      const more = document.createElement("div");
      more.className = "more"; more.textContent = `+ ${dims[l] - shown[l]} more`;
      col.append(more);
    }
    if (l > 0 && l < L) {
      const sym = document.createElement("div");
      sym.className = "sym"; sym.id = `sym-${l}`;
      const buttons = document.createElement("div");
      buttons.className = "unit-buttons";
      for (const [label, delta] of [["−", -1], ["+", 1]]) {
        const b = document.createElement("button");
        b.textContent = label; b.title = `${delta > 0 ? "add a unit to" : "remove a unit from"} layer ${l}`;
        b.disabled = dims[l] + delta < view.minUnits || dims[l] + delta > view.maxUnits;
        b.onclick = () => {
          const layers = s.config.layers.slice();
          layers[l - 1] += delta;
          setConfig({ layers });
        };
        buttons.append(b);
      }
      col.append(buttons, sym);
    } else {
      const spacer = document.createElement("div");
      spacer.style.height = "46px";
      col.append(spacer);
    }
    cols.push(col);
  }
  columns.replaceChildren(...cols);
  paintInputs(s);
}

// x1 and x2 themselves over the plane, on the same colour scale as the units.
function paintInputs(s) {
  const n = 25;
  document.querySelectorAll(".input-map").forEach((c) => {
    const j = Number(c.dataset.unit), bytes = new Uint8Array(n * n);
    for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) bytes[r * n + k] = Math.round(((j === 0 ? k : n - 1 - r) / (n - 1)) * 255);
    paintMap(c, bytes, n);
  });
}

function drawUnits(m) {
  if (!m.units) return;
  const s = view.state, n = s.unit_grid;
  m.units.forEach((layer, i) => {
    const l = i + 1;
    document.querySelectorAll(`.unit-map[data-layer="${l}"]`).forEach((c) => {
      const map = layer.maps[Number(c.dataset.unit)];
      if (map) paintMap(c, decode(map), n);
    });
    const sym = $(`sym-${l}`);
    if (!sym) return;
    const nUnits = s.layer_dims[l];
    const all = layer.identical.length === 1 && layer.identical[0].length === nUnits;
    sym.textContent = all ? `all ${nUnits} units identical` :
      layer.identical.length ? `${layer.identical.map((g) => g.length).join("+")} units identical` : "";
  });
  const out = document.querySelector(".output-map");
  if (out && m.boundary) paintMap(out, decode(m.boundary.data), s.grid);
}

function drawWires(m) {
  const svg = $("wires");
  const box = $("diagram").getBoundingClientRect();
  svg.setAttribute("viewBox", `0 0 ${box.width} ${box.height}`);
  if (!m.weights) { svg.replaceChildren(); return; }
  const centre = (el) => {
    const r = el.getBoundingClientRect();
    return [r.left - box.left, r.top - box.top + r.height / 2, r.right - box.left];
  };
  const lines = [];
  m.weights.forEach((W, i) => {
    const l = i + 1;
    const prev = document.querySelectorAll(`.unit[data-layer="${l - 1}"]`);
    const next = document.querySelectorAll(`.unit[data-layer="${l}"]`);
    const scale = Math.max(1e-9, ...W.flat().map(Math.abs));
    next.forEach((to, j) => prev.forEach((from, k) => {
      const w = W[j][k];
      const [, y1, x1] = centre(from), [x2, y2] = centre(to);
      const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
      line.setAttribute("x1", x1); line.setAttribute("y1", y1);
      line.setAttribute("x2", x2); line.setAttribute("y2", y2);
      line.setAttribute("stroke", w >= 0 ? "#0a6fb8" : "#e8861a");
      line.setAttribute("stroke-width", (0.3 + 3.2 * Math.abs(w) / scale).toFixed(2));
      line.setAttribute("stroke-opacity", "0.55");
      lines.push(line);
    }));
  });
  svg.replaceChildren(...lines);
}

// ----- curves ---------------------------------------------------------------------------
// The server keeps each chart's history bounded and spread evenly from epoch 0 (its
// history.py): each frame brings the points new since the last one and the stride. The page
// applies the same rule to what it holds, so it holds the server's points, never more.
function kept(epochs, stride) {
  const out = [];
  let bucket = null;
  epochs.forEach((e, i) => {
    if (Math.floor(e / stride) !== bucket || i === epochs.length - 1) {
      out.push(i);
      bucket = Math.floor(e / stride);
    }
  });
  return out;
}

function extend(buffer, points, stride) {
  if (!points) return buffer;
  // A history that starts again (a new network) replaces the old one.
  if (points.epoch.length && buffer.epoch.length && points.epoch[0] <= buffer.epoch.at(-1)) {
    for (const key of Object.keys(buffer)) buffer[key] = [];
  }
  for (const key of Object.keys(buffer)) buffer[key].push(...points[key]);
  const keep = kept(buffer.epoch, stride);
  if (keep.length < buffer.epoch.length) {
    for (const key of Object.keys(buffer)) buffer[key] = keep.map((i) => buffer[key][i]);
  }
  return buffer;
}

function appendCurves(m) {
  extend(view.curves, m.curves, m.stride);
  extend(view.grads, m.grads, m.grads_stride);
}

// A line chart. `log`: a log-scaled y axis, where 0 (which it cannot show) has a row of its
// own at the bottom; `logX`: epochs on a log scale (log10(1 + epoch): epoch 0 stays on it).
// The canvas's data-epochs says the first and last epoch plotted.
function chart(canvas, series, { log = false, logX = false, yMin = null, yMax = null, empty = "", legend = [] } = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = w * dpr; canvas.height = h * dpr;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = "11px system-ui, sans-serif";
  const f = (v) => (log ? Math.log10(v) : v);
  const gx = (x) => (logX ? Math.log10(1 + x) : x);
  const zero = (v) => log && v === 0;
  const ok = (v) => v !== null && v !== undefined && Number.isFinite(v) && (!log || v >= 0);
  const xs = [], ys = [];
  for (const s of series) s.y.forEach((v, i) => { if (ok(v)) { xs.push(s.x[i]); if (!zero(v)) ys.push(f(v)); } });
  const zeros = xs.length > ys.length;
  canvas.dataset.epochs = xs.length ? `${Math.min(...xs)},${Math.max(...xs)}` : "";
  if (xs.length === 0) {
    ctx.fillStyle = "#8a93a3"; ctx.textAlign = "center";
    ctx.fillText(empty || "press play or step", w / 2, h / 2);
    return;
  }
  let lo = yMin ?? (ys.length ? Math.min(...ys) : 0), hi = yMax ?? (ys.length ? Math.max(...ys) : 1);
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const pad = (hi - lo) * 0.06; lo -= yMin === null ? pad : 0; hi += yMax === null ? pad : 0;
  const x0 = gx(Math.min(0, ...xs)), x1 = gx(Math.max(1, ...xs));
  const left = 48, right = 8, top = 6, bottom = 18, floor = h - bottom;
  const plotBottom = zeros ? floor - 14 : floor;  // the 0 row, under the log scale
  const X = (x) => left + ((gx(x) - x0) / (x1 - x0)) * (w - left - right);
  const Y = (y) => top + (1 - (y - lo) / (hi - lo)) * (plotBottom - top);
  const py = (v) => (zero(v) ? floor : Y(f(v)));
  ctx.strokeStyle = "#e3e7ee"; ctx.fillStyle = "#5b6475"; ctx.lineWidth = 1;
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  const ticks = ys.length ? [0, 1, 2, 3].map((k) => lo + ((hi - lo) * k) / 3) : [];
  const labels = tickLabels(ticks.map((v) => (log ? 10 ** v : v)));
  const rows = ticks.map((v, k) => [Y(v), labels[k]]);
  if (zeros) rows.push([floor, "0"]);
  for (const [y, text] of rows) {
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(w - right, y); ctx.stroke();
    ctx.fillText(text, left - 4, y);
  }
  drawEpochAxis(ctx, { X, x1: Math.max(1, ...xs), logX, w, h, left });
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = 1.6; ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let started = false;
    s.y.forEach((v, i) => {
      if (!ok(v)) { started = false; return; }
      const px = X(s.x[i]);
      if (started) ctx.lineTo(px, py(v)); else { ctx.moveTo(px, py(v)); started = true; }
    });
    ctx.stroke();
    // A point with no plotted neighbour (epoch 0 before the first step) is a dot.
    ctx.fillStyle = s.color;
    s.y.forEach((v, i) => {
      if (ok(v) && !ok(s.y[i - 1]) && !ok(s.y[i + 1])) {
        ctx.beginPath(); ctx.arc(X(s.x[i]), py(v), 2.5, 0, 2 * Math.PI); ctx.fill();
      }
    });
  }
  ctx.setLineDash([]);
  // Legend, top right inside the plot: "l" in each series' colour.
  ctx.textAlign = "right"; ctx.textBaseline = "top"; ctx.font = "bold 11px system-ui, sans-serif";
  let x = w - right - 4;
  for (const item of [...legend].reverse()) {
    ctx.fillStyle = item.color; ctx.fillText(item.label, x, top + 3);
    x -= ctx.measureText(item.label).width + 6;
  }
}

// The epoch axis: the last epoch at the right; on a log scale, 0 and the powers of 10 instead.
function drawEpochAxis(ctx, { X, x1, logX, w, h, left }) {
  ctx.fillStyle = "#5b6475"; ctx.textBaseline = "alphabetic";
  if (!logX) {
    ctx.textAlign = "center";
    ctx.fillText(`epoch ${Math.round(x1).toLocaleString("en-US")}`, w - 48, h - 4);
    return;
  }
  ctx.textAlign = "left";
  ctx.fillText("epoch 0", left, h - 4);
  for (let k = 2; 10 ** k <= x1; k++) {  // (10 would crowd "epoch 0")
    const x = X(10 ** k);
    ctx.textAlign = x > w - 20 ? "right" : "center";
    ctx.fillText(k < 4 ? String(10 ** k) : `1e${k}`, Math.min(x, w - 2), h - 4);
  }
}

// The shortest labels (2 to 6 significant digits) that tell the ticks apart.
function tickLabels(values) {
  let labels = [];
  for (let p = 2; p <= 6; p++) {
    labels = values.map((v) => (Math.abs(v) >= 0.01 && Math.abs(v) < 1000) || v === 0
      ? String(Number(v.toPrecision(p))) : v.toExponential(p - 2).replace("e+", "e"));
    if (new Set(labels).size === labels.length) break;
  }
  return labels;
}

function drawCharts() {
  const c = view.curves;
  chart($("cost-chart"), [
    { x: c.epoch, y: c.cost, color: TRAIN_COLOR },
    { x: c.epoch, y: c.dev_cost, color: DEV_COLOR, dash: [4, 3] },
  ], { log: true, logX: view.logEpochs });
  const regression = view.state && view.state.task !== "binary";
  chart($("accuracy-chart"), regression ? [] : [
    { x: c.epoch, y: c.accuracy, color: TRAIN_COLOR },
    { x: c.epoch, y: c.dev_accuracy, color: DEV_COLOR, dash: [4, 3] },
  ], { yMax: 1, logX: view.logEpochs, empty: regression ? "no accuracy for regression" : "" });
  const g = view.grads, L = view.state ? view.state.layer_dims.length - 1 : 0;
  const series = [];
  for (let l = 0; l < L; l++) {
    series.push({ x: g.epoch, y: g.norms.map((n) => n[l]), color: LAYER_COLORS[l % LAYER_COLORS.length] });
  }
  const legend = series.map((s, l) => ({ label: `${l + 1}`, color: s.color }));
  if (legend.length) legend[0].label = "layer 1";
  chart($("grad-chart"), series, { log: true, logX: view.logEpochs, legend });
}

function writeNote(m) {
  const s = view.state;
  const notes = [];
  if (s.config.init === "zeros" && s.layer_dims.length > 2) {
    notes.push("Zero init: the units of a layer start equal, get equal gradients and stay " +
      "equal (the symmetry problem). Try ×0.01 or Xavier.");
  }
  const norms = m.grad_norms || [];
  const zeros = norms.map((n, l) => (n === 0 ? `‖dW[${l + 1}]‖` : null)).filter((l) => l !== null);
  if (zeros.length) {
    notes.push(zeros.length === norms.length
      ? "Every ‖dW[l]‖ is 0 (the gradient chart's 0 row): no weight changes."
      : `${zeros.join(", ")} = 0 (the gradient chart's 0 row): those weights do not change.`);
  }
  if (norms.length > 2 && norms[0] !== null && norms.at(-1) && norms[0] < 1e-3 * norms.at(-1)) {
    notes.push("‖dW[1]‖ is over 1000× smaller than the last layer's: vanishing gradients.");
  }
  $("note").textContent = notes.join(" ");
}

bindControls();
connect();
