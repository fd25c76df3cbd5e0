// Built by extensions/build.mjs from extensions/tradeoffs/index.js (source sha256: 5df691a9751029594ceea118dc4129801841ff98f7c60ea7149dc72022687054); imports extensions/common/dom.js (sha256: 987494bcbeae84c57bea371ac9a98ab35a4f40b76e03ecde4c1c68f1fba5180a); imports extensions/tradeoffs/chart.js (sha256: 577ffd3e2c753fab149b15445ddde8cbb503ff96264c3ca1016dd53343ff8d1b); imports extensions/tradeoffs/view.js (sha256: 22b20b19afddcbee24970f582508a69b294ca250b795c85a41310e7db21d592b). Do not edit.

// extensions/common/dom.js
var SVGNS = "http://www.w3.org/2000/svg";
function h(tag, cls, parent, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== void 0) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function s(tag, attrs, parent, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== void 0) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function formatBytes(n) {
  if (n === null || n === void 0) return "-";
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

// extensions/tradeoffs/chart.js
var LOG_RATIO = 10;
function linearTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s2) => s2 >= raw) || 10 * power;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}
var UNIT = 1024;
function logByteTicks(lo, hi, count = 6) {
  const all = [];
  for (let u = 0; u < 5; u += 1) for (const m of [1, 10, 100]) all.push(m * UNIT ** u);
  let ticks = all.filter((v) => v >= lo * 0.999 && v <= hi * 1.001);
  if (ticks.length < 2) {
    for (let u = 0; u < 5; u += 1) for (const m of [2, 5, 20, 50, 200, 500]) all.push(m * UNIT ** u);
    ticks = all.filter((v) => v >= lo * 0.999 && v <= hi * 1.001).sort((a, b) => a - b);
  }
  const every = Math.ceil(ticks.length / count);
  return ticks.filter((_, i) => i % every === 0);
}
function byteScale(values, range) {
  const positive = values.filter((v) => v > 0);
  const max = Math.max(1, ...positive);
  const min = positive.length ? Math.min(...positive) : 1;
  const [r0, r1] = range;
  if (max / min > LOG_RATIO) {
    const lo = 2 ** Math.floor(Math.log2(min));
    const hi2 = 2 ** Math.ceil(Math.log2(max * 1.05));
    const a = Math.log(lo);
    const b = Math.log(hi2);
    const map = (v) => r0 + (r1 - r0) * (Math.log(Math.max(v, lo)) - a) / (b - a);
    return { log: true, map, ticks: logByteTicks(lo, hi2), lo, hi: hi2 };
  }
  const ticks = linearTicks(0, max * 1.05, 4);
  const hi = Math.max(max * 1.05, ticks[ticks.length - 1]);
  return { log: false, map: (v) => r0 + (r1 - r0) * v / hi, ticks, lo: 0, hi };
}
function countScale(max, range) {
  const ticks = linearTicks(0, Math.max(1, max) * 1.05, 5);
  const hi = Math.max(ticks[ticks.length - 1], Math.max(1, max) * 1.05);
  const [r0, r1] = range;
  return { map: (v) => r0 + (r1 - r0) * v / hi, ticks, hi };
}
function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
function placeLabels(labels, marks, bounds, height = 12) {
  const placed = [];
  const gap = 7;
  return labels.map((l) => {
    const candidates = [
      [l.x + gap, l.y - gap - height, "start"],
      [l.x + gap, l.y + gap, "start"],
      [l.x - gap - l.width, l.y - gap - height, "end"],
      [l.x - gap - l.width, l.y + gap, "end"],
      [l.x - l.width / 2, l.y - gap - 4 - height, "middle"],
      [l.x - l.width / 2, l.y + gap + 4, "middle"],
      [l.x + gap + 2, l.y - height / 2, "start"],
      [l.x - gap - 2 - l.width, l.y - height / 2, "end"]
    ];
    for (const [x, y, anchor] of candidates) {
      const box = { x, y, width: l.width, height };
      const inside = x >= bounds.x && y >= bounds.y && x + l.width <= bounds.x + bounds.width && y + height <= bounds.y + bounds.height;
      if (!inside) continue;
      if (placed.some((p) => overlaps(p, box)) || marks.some((m) => overlaps(m, box))) continue;
      placed.push(box);
      const tx = anchor === "start" ? x : anchor === "end" ? x + l.width : x + l.width / 2;
      return { x: tx, y: y + height - 2, anchor, box };
    }
    return null;
  });
}
function tickBytes(n) {
  if (n < UNIT) return `${Math.round(n)} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / UNIT;
  let i = 0;
  while (v >= UNIT && i < units.length - 1) {
    v /= UNIT;
    i += 1;
  }
  const text = v >= 10 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
  return `${text} ${units[i]}`;
}

// extensions/tradeoffs/view.js
var MARKS = {
  advance: "#8c959f",
  tape: "#2da44e",
  snapshot: "#0969da",
  restore: "#8250df",
  recompute: "#fb8500",
  reverse: "#cf222e"
};
var CURVE = { W: 720, H: 300, L: 72, R: 16, T: 14, B: 40 };
var TIMELINE = { W: 720, H: 240, L: 44, R: 10, T: 10, B: 30 };
function family(scheme) {
  if (scheme === void 0) return "store";
  if (scheme.startsWith("Binomial")) return "binomial";
  if (scheme === "False") return "store";
  return "periodic";
}
var canvas = null;
function textWidth(text, px = 10) {
  if (typeof document === "undefined") return text.length * px * 0.6;
  canvas = canvas || document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  ctx.font = `${px}px ${getComputedStyle(document.body).fontFamily || "sans-serif"}`;
  return Math.ceil(ctx.measureText(text).width) + 2;
}
function drawCurve(svg, rows, chosen) {
  svg.textContent = "";
  const { W, H, L, R, T, B } = CURVE;
  if (!rows.length) {
    s("text", { x: L, y: H / 2, class: "wb-waiting" }, svg, "computing\u2026");
    return;
  }
  const ys = [];
  let xmax = 1;
  for (const r of rows) {
    ys.push(r.theory_bytes);
    if (r.measured_temp_bytes !== null && r.measured_temp_bytes > 0) ys.push(r.measured_temp_bytes);
    xmax = Math.max(xmax, r.evaluations);
  }
  if (chosen) {
    ys.push(chosen.y);
    xmax = Math.max(xmax, chosen.x);
  }
  const X = countScale(xmax, [L, W - R]);
  const Y = byteScale(ys, [H - B, T]);
  svg.dataset.yScale = Y.log ? "log" : "linear";
  const axes = s("g", { class: "wb-axes" }, svg);
  for (const v of Y.ticks) {
    const y = Y.map(v);
    s("line", { class: "wb-grid", x1: L, y1: y, x2: W - R, y2: y }, axes);
    s("text", { class: "wb-tick wb-tick-y", x: L - 6, y: y + 3, "text-anchor": "end" }, axes, tickBytes(v));
  }
  for (const v of X.ticks) {
    const x = X.map(v);
    s("line", { class: "wb-grid", x1: x, y1: T, x2: x, y2: H - B }, axes);
    s("text", { class: "wb-tick wb-tick-x", x, y: H - B + 14, "text-anchor": "middle" }, axes, v.toLocaleString("en-US"));
  }
  s("line", { class: "wb-axis", x1: L, y1: H - B, x2: W - R, y2: H - B }, axes);
  s("line", { class: "wb-axis", x1: L, y1: T, x2: L, y2: H - B }, axes);
  s("text", { class: "wb-axis-title", x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, axes, "forward step evaluations (recomputation)");
  s("text", { class: "wb-axis-title", x: 14, y: (T + H - B) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(T + H - B) / 2})` }, axes, `bytes kept${Y.log ? " (log scale)" : ""}`);
  const binom = rows.filter((r) => family(r.scheme) === "binomial").sort((a, b) => a.evaluations - b.evaluations);
  if (binom.length > 1) {
    s("polyline", { class: "wb-binomial-line", points: binom.map((r) => `${X.map(r.evaluations)},${Y.map(r.theory_bytes)}`).join(" ") }, svg);
  }
  const marks = [];
  const pointsG = s("g", { class: "wb-points" }, svg);
  const requests = [];
  for (const r of rows) {
    const x = X.map(r.evaluations);
    const y = Y.map(r.theory_bytes);
    const c = s("circle", { class: `wb-theory wb-${family(r.scheme)}`, cx: x, cy: y, r: 5 }, pointsG);
    s("title", {}, c, `${r.label || r.scheme}: ${r.evaluations.toLocaleString("en-US")} evaluations, ${formatBytes(r.theory_bytes)} kept (theory)`);
    marks.push({ x: x - 6, y: y - 6, width: 12, height: 12 });
    const text = r.label || r.scheme;
    requests.push({ x, y, text, width: textWidth(text) });
    if (r.measured_temp_bytes !== null && r.measured_temp_bytes > 0) {
      const my = Y.map(r.measured_temp_bytes);
      const m = s("rect", { class: `wb-measured wb-${family(r.scheme)}`, x: x - 4, y: my - 4, width: 8, height: 8 }, pointsG);
      s("title", {}, m, `${r.label || r.scheme}: ${formatBytes(r.measured_temp_bytes)} temp (measured by XLA)`);
      marks.push({ x: x - 5, y: my - 5, width: 10, height: 10 });
    }
  }
  if (chosen) {
    const x = X.map(chosen.x);
    const y = Y.map(chosen.y);
    const d = s("path", { class: "wb-chosen", d: `M${x},${y - 8}L${x + 8},${y}L${x},${y + 8}L${x - 8},${y}Z` }, pointsG);
    s("title", {}, d, `${chosen.label}: ${chosen.x.toLocaleString("en-US")} evaluations, ${formatBytes(chosen.y)} kept (theory)`);
    marks.push({ x: x - 9, y: y - 9, width: 18, height: 18 });
  }
  const placed = placeLabels(requests, marks, { x: L + 2, y: T, width: W - R - L - 2, height: H - B - T });
  const labelsG = s("g", { class: "wb-labels" }, svg);
  placed.forEach((p, i) => {
    if (p) s("text", { class: "wb-point-label", x: p.x, y: p.y, "text-anchor": p.anchor }, labelsG, requests[i].text);
  });
  svg.dataset.labels = String(placed.filter(Boolean).length);
}
function drawTimeline(svg, t) {
  svg.textContent = "";
  const acts = t.actions || [];
  const { W, H, L, R, T, B } = TIMELINE;
  const n = Math.max(1, t.steps || 1);
  const m = Math.max(1, acts.length);
  const X = (i) => L + (W - L - R) * (i + 0.5) / m;
  const Y = (step) => H - B - (H - B - T) * step / n;
  s("line", { class: "wb-axis", x1: L, y1: H - B, x2: W - R, y2: H - B }, svg);
  s("line", { class: "wb-axis", x1: L, y1: T, x2: L, y2: H - B }, svg);
  s("text", { class: "wb-axis-title", x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, svg, `action (time), ${acts.length.toLocaleString("en-US")} shown`);
  s("text", { class: "wb-tick", x: L - 4, y: Y(0) + 3, "text-anchor": "end" }, svg, "0");
  s("text", { class: "wb-tick", x: L - 4, y: Y(n) + 3, "text-anchor": "end" }, svg, n.toLocaleString("en-US"));
  s("text", { class: "wb-axis-title", x: 12, y: T + (H - B - T) / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${T + (H - B - T) / 2})` }, svg, "loop step");
  const bw = Math.max(2, (W - L - R) / m * 0.8);
  const g = s("g", { class: "wb-actions" }, svg);
  acts.forEach(([kind, a, b], i) => {
    const x = X(i);
    if (kind === "advance" || kind === "tape") {
      const top = Y(b);
      s("rect", { class: `wb-mark wb-${kind}`, x: x - bw / 2, y: top, width: bw, height: Math.max(2, Y(a) - top), fill: MARKS[kind] }, g);
    } else if (kind === "snapshot" || kind === "restore") {
      const y = Y(b);
      const r = Math.max(2.5, Math.min(4, bw));
      const d = kind === "snapshot" ? `M${x},${y - r}L${x + r},${y}L${x},${y + r}L${x - r},${y}Z` : `M${x - r},${y + r}L${x + r},${y + r}L${x},${y - r}Z`;
      s("path", { class: `wb-mark wb-${kind}`, d, fill: MARKS[kind] }, g);
    } else {
      const top = Y(a + 1);
      const hgt = Math.max(3, Y(a) - top);
      s("rect", { class: `wb-mark wb-${kind}`, x: x - bw / 2, y: Y(a) - hgt, width: bw, height: hgt, fill: MARKS[kind] }, g);
    }
  });
}
function mountTradeoffs({ model, el }) {
  const root = h("div", "wb-tradeoffs", el);
  const title = h("div", "wb-title", root);
  const prog = h("div", "wb-progress", root);
  const track = h("div", "wb-progress-track", prog);
  const bar = h("div", "wb-progress-bar", track);
  const progText = h("span", "wb-progress-text", prog);
  const err = h("div", "wb-error", root);
  const curve = s("svg", { class: "wb-curve", viewBox: `0 0 ${CURVE.W} ${CURVE.H}` }, root);
  const legend = h("div", "wb-legend", root);
  for (const [cls, name] of [["wb-store", "\u25CF store all"], ["wb-periodic", "\u25CF periodic"], ["wb-binomial", "\u25CF binomial"], ["wb-measured-key", "\u25A1 measured temp"], ["wb-chosen-key", "\u25C6 chosen"]]) {
    h("span", cls, legend, name);
  }
  const sliderRow = h("div", "wb-slider-row", root);
  const label = h("label", null, sliderRow, "snapshots");
  const slider = h("input", "wb-slider", sliderRow);
  slider.type = "range";
  slider.min = "1";
  slider.id = `wb-slider-${Math.random().toString(36).slice(2)}`;
  label.htmlFor = slider.id;
  const sliderValue = h("span", "wb-slider-value", sliderRow);
  const summary = h("div", "wb-summary", root);
  const note = h("div", "wb-note", root);
  const timeline = s("svg", { class: "wb-timeline", viewBox: `0 0 ${TIMELINE.W} ${TIMELINE.H}` }, root);
  const marks = h("div", "wb-legend", root);
  for (const k of Object.keys(MARKS)) h("span", null, marks, `\u25A0 ${k}`).style.color = MARKS[k];
  const table = h("table", "wb-table", root);
  const chosenPoint = () => {
    const t = model.get("timeline") || {};
    if (!t.scheme) return null;
    const y = (t.used_snapshots || 0) * model.get("carry_bytes") + (t.taped_steps || 0) * model.get("step_residual_bytes");
    return { x: t.evaluations, y, label: t.scheme };
  };
  const onProgress = () => {
    const p = model.get("progress") || {};
    const total = p.total || 0;
    const done = p.done || 0;
    bar.style.width = total ? `${100 * done / total}%` : "0";
    if (!total) progText.textContent = "";
    else if (done >= total && !p.label) progText.textContent = `all ${total} schemes computed`;
    else progText.textContent = `${done} of ${total} schemes${p.label ? `: computing ${p.label}` : ""}`;
    prog.classList.toggle("wb-done", total > 0 && done >= total && !p.label);
    root.dataset.progress = `${done}/${total}`;
  };
  const onRows = () => {
    const rows = model.get("rows") || [];
    drawCurve(curve, rows, rows.length ? chosenPoint() : null);
    table.textContent = "";
    const head = h("tr", null, table);
    for (const c of ["scheme", "snapshots", "taped", "evaluations", "theory bytes", "measured temp", "time"]) h("th", null, head, c);
    for (const r of rows) {
      const tr = h("tr", null, table);
      for (const v of [r.label || r.scheme, r.snapshots, r.taped_steps, r.evaluations, formatBytes(r.theory_bytes), formatBytes(r.measured_temp_bytes), r.seconds === null ? "-" : `${(r.seconds * 1e3).toFixed(3)} ms`]) h("td", null, tr, String(v));
    }
    root.dataset.rows = String(rows.length);
  };
  const onTimeline = () => {
    const t = model.get("timeline") || {};
    drawTimeline(timeline, t);
    summary.textContent = t.scheme ? `${t.scheme} over ${t.steps} steps: ${t.evaluations} forward evaluations, ${t.used_snapshots} snapshots, at most ${t.taped_steps} taped step(s) alive, ${t.total_actions} actions` : "";
    note.textContent = t.note || "";
    root.dataset.timeline = `${t.scheme || ""}:${t.evaluations || 0}:${(t.actions || []).length}`;
    onRows();
  };
  const onSlider = () => {
    slider.max = String(model.get("max_snapshots"));
    slider.value = String(model.get("snapshots"));
    sliderValue.textContent = String(model.get("snapshots"));
  };
  const setSnapshots = (value) => {
    const v = Math.max(1, Math.min(Number(model.get("max_snapshots")) || 1, value));
    slider.value = String(v);
    sliderValue.textContent = String(v);
    model.set("snapshots", v);
    model.save_changes();
  };
  slider.addEventListener("input", () => setSnapshots(Number(slider.value)));
  slider.addEventListener("keydown", (ev) => {
    const v = Number(slider.value);
    const max = Number(model.get("max_snapshots")) || 1;
    const to = { ArrowLeft: v - 1, ArrowDown: v - 1, ArrowRight: v + 1, ArrowUp: v + 1, PageDown: v - 5, PageUp: v + 5, Home: 1, End: max }[ev.key];
    if (to === void 0) return;
    ev.preventDefault();
    ev.stopPropagation();
    setSnapshots(to);
  });
  const onError = () => {
    err.textContent = model.get("error") || "";
  };
  const onTitle = () => {
    title.textContent = model.get("title") || "";
  };
  const handlers = {
    "change:progress": onProgress,
    "change:rows": onRows,
    "change:carry_bytes": onRows,
    "change:timeline": onTimeline,
    "change:snapshots": onSlider,
    "change:max_snapshots": onSlider,
    "change:error": onError,
    "change:title": onTitle
  };
  for (const [ev, fn] of Object.entries(handlers)) model.on(ev, fn);
  onTitle();
  onProgress();
  onError();
  onSlider();
  onTimeline();
  return () => {
    for (const [ev, fn] of Object.entries(handlers)) model.off(ev, fn);
    root.remove();
  };
}

// extensions/tradeoffs/index.js
var index_default = {
  // Tells the kernel that this front end draws the workbench's widgets (html.py, show).
  initialize({ model }) {
    model.send({ type: "wb-live" });
  },
  render({ model, el }) {
    return mountTradeoffs({ model, el });
  }
};
export {
  index_default as default
};
