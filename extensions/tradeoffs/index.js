// The checkpoint trade-off explorer: the memory-vs-recomputation curve of a loop's checkpointing
// schemes, a progress bar while they compile, a snapshot slider and the chosen Binomial(s)
// schedule drawn as a timeline. Text reaches the page through textContent only.
//
// Model traits (see workbench/_src/notebook/tradeoff_widget.py):
//   title, steps, carry_bytes, step_residual_bytes
//   rows       [{scheme, snapshots, taped_steps, evaluations, theory_bytes, measured_temp_bytes, seconds}]
//   progress   {done, total, label}
//   error      "" or why the table could not be made
//   snapshots  the slider's value; max_snapshots its top
//   timeline   {scheme, steps, evaluations, used_snapshots, taped_steps, total_actions, note,
//               actions: [[kind, a, b]]}: computed in Python whenever the slider moves

import { formatBytes as fmtBytes, h, s } from "../common/dom.js";

const MARKS = {
  advance: "#8c959f",
  tape: "#2da44e",
  snapshot: "#0969da",
  restore: "#8250df",
  recompute: "#fb8500",
  reverse: "#cf222e",
};

const STYLE = `
.wb-tradeoffs { font-family: var(--jp-ui-font-family, sans-serif); font-size: 12px; border: 1px solid #d0d7de;
  border-radius: 6px; margin: 4px 0; padding: 6px 10px; background: #fff; color: #1f2328; }
.wb-tradeoffs .wb-title { font-weight: 600; margin-bottom: 4px; }
.wb-tradeoffs .wb-progress { display: flex; gap: 8px; align-items: center; margin: 4px 0; }
.wb-tradeoffs .wb-progress-track { width: 260px; height: 10px; background: #eaeef2; border-radius: 5px; overflow: hidden; }
.wb-tradeoffs .wb-progress-bar { height: 100%; width: 0; background: #2da44e; transition: width .2s; }
.wb-tradeoffs .wb-error { color: #cf222e; white-space: pre-wrap; }
.wb-tradeoffs .wb-note { color: #9a6700; }
.wb-tradeoffs svg { display: block; width: 100%; max-width: 760px; }
.wb-tradeoffs svg text { font-size: 10px; fill: #1f2328; }
.wb-tradeoffs .wb-slider-row { display: flex; gap: 8px; align-items: center; margin: 6px 0; }
.wb-tradeoffs .wb-slider-row input { width: 260px; }
.wb-tradeoffs table { border-collapse: collapse; margin: 4px 0; }
.wb-tradeoffs td, .wb-tradeoffs th { border-bottom: 1px solid #eaeef2; padding: 1px 8px; text-align: right; }
.wb-tradeoffs td:first-child, .wb-tradeoffs th:first-child { text-align: left; }
.wb-tradeoffs .wb-legend span { margin-right: 10px; }
`;




function family(scheme) {
  if (scheme === undefined) return "#57606a";
  if (scheme.startsWith("Binomial")) return "#0969da";
  if (scheme === "False") return "#57606a";
  return "#2da44e";
}

function drawCurve(svg, rows, chosen) {
  svg.textContent = "";
  const W = 700, H = 280, L = 70, R = 20, T = 16, B = 36;
  const pts = [];
  for (const r of rows) {
    pts.push({ x: r.evaluations, y: r.theory_bytes });
    if (r.measured_temp_bytes !== null && r.measured_temp_bytes >= 0) pts.push({ x: r.evaluations, y: r.measured_temp_bytes });
  }
  if (chosen) pts.push(chosen);
  if (!pts.length) {
    s("text", { x: L, y: H / 2 }, svg, "computing\u2026");
    return;
  }
  const xmax = Math.max(...pts.map((p) => p.x)) * 1.08 || 1;
  const ymax = Math.max(...pts.map((p) => p.y)) * 1.1 || 1;
  const X = (v) => L + ((W - L - R) * v) / xmax;
  const Y = (v) => H - B - ((H - B - T) * v) / ymax;
  s("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#57606a" }, svg);
  s("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#57606a" }, svg);
  for (let i = 0; i <= 4; i++) {
    const xv = (xmax * i) / 4;
    const yv = (ymax * i) / 4;
    s("text", { x: X(xv), y: H - B + 14, "text-anchor": "middle" }, svg, String(Math.round(xv)));
    s("text", { x: L - 4, y: Y(yv) + 3, "text-anchor": "end" }, svg, fmtBytes(Math.round(yv)));
  }
  s("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, svg, "forward step evaluations (recomputation)");
  s("text", { x: 12, y: T - 4 }, svg, "bytes kept");
  const binom = rows.filter((r) => r.scheme.startsWith("Binomial")).sort((a, b) => a.evaluations - b.evaluations);
  if (binom.length > 1) {
    s("polyline", { points: binom.map((r) => `${X(r.evaluations)},${Y(r.theory_bytes)}`).join(" "), fill: "none", stroke: "#0969da", "stroke-opacity": 0.5 }, svg);
  }
  for (const r of rows) {
    const c = s("circle", { class: "wb-theory", cx: X(r.evaluations), cy: Y(r.theory_bytes), r: 5, fill: family(r.scheme) }, svg);
    s("title", {}, c, `${r.label || r.scheme}: ${r.evaluations} evaluations, ${fmtBytes(r.theory_bytes)} (theory)`);
    s("text", { x: X(r.evaluations) + 7, y: Y(r.theory_bytes) - 6 }, svg, r.label || r.scheme);
    if (r.measured_temp_bytes !== null && r.measured_temp_bytes >= 0) {
      const m = s("rect", { class: "wb-measured", x: X(r.evaluations) - 4, y: Y(r.measured_temp_bytes) - 4, width: 8, height: 8, fill: "none", stroke: family(r.scheme), "stroke-width": 1.5 }, svg);
      s("title", {}, m, `${r.scheme}: ${fmtBytes(r.measured_temp_bytes)} temp (measured)`);
    }
  }
  if (chosen) {
    const x = X(chosen.x), y = Y(chosen.y);
    const d = s("path", { class: "wb-chosen", d: `M${x},${y - 8}L${x + 8},${y}L${x},${y + 8}L${x - 8},${y}Z`, fill: "#bf3989", "fill-opacity": 0.8 }, svg);
    s("title", {}, d, `${chosen.label}: ${chosen.x} evaluations, ${fmtBytes(chosen.y)} (theory)`);
  }
}

function drawTimeline(svg, t) {
  svg.textContent = "";
  const acts = t.actions || [];
  const W = 700, H = 260, L = 40, R = 10, T = 10, B = 28;
  const n = Math.max(1, t.steps || 1);
  const m = Math.max(1, acts.length);
  const X = (i) => L + ((W - L - R) * (i + 0.5)) / m;
  const Y = (step) => H - B - ((H - B - T) * step) / n;
  s("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#57606a" }, svg);
  s("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#57606a" }, svg);
  s("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, svg, `action (time), ${acts.length} shown`);
  s("text", { x: L - 4, y: Y(0) + 3, "text-anchor": "end" }, svg, "0");
  s("text", { x: L - 4, y: Y(n) + 3, "text-anchor": "end" }, svg, String(n));
  s("text", { x: 4, y: T + (H - B - T) / 2, transform: `rotate(-90 8 ${T + (H - B - T) / 2})` }, svg, "step");
  const bw = Math.max(1, ((W - L - R) / m) * 0.8);
  const g = s("g", { class: "wb-actions" }, svg);
  acts.forEach(([kind, a, b], i) => {
    const x = X(i);
    const c = MARKS[kind] || "#000";
    if (kind === "advance" || kind === "tape") {
      s("rect", { class: `wb-mark wb-${kind}`, x: x - bw / 2, y: Y(b), width: bw, height: Math.max(1, Y(a) - Y(b)), fill: c, "fill-opacity": kind === "tape" ? 0.9 : 0.5 }, g);
    } else if (kind === "snapshot") {
      s("circle", { class: "wb-mark wb-snapshot", cx: x, cy: Y(b), r: Math.min(4, bw + 1), fill: c }, g);
    } else if (kind === "restore") {
      const y = Y(b), r = Math.min(4, bw + 1);
      s("path", { class: "wb-mark wb-restore", d: `M${x - r},${y + r}L${x + r},${y + r}L${x},${y - r}Z`, fill: c }, g);
    } else {
      s("rect", { class: `wb-mark wb-${kind}`, x: x - bw / 2, y: Y(a + 1), width: bw, height: Math.max(2, Y(a) - Y(a + 1)), fill: c }, g);
    }
  });
}

function render({ model, el }) {
  const root = h("div", "wb-tradeoffs", el);
  h("style", null, root, STYLE);
  const title = h("div", "wb-title", root);
  const prog = h("div", "wb-progress", root);
  const track = h("div", "wb-progress-track", prog);
  const bar = h("div", "wb-progress-bar", track);
  const progText = h("span", "wb-progress-text", prog);
  const err = h("div", "wb-error", root);
  const curve = s("svg", { class: "wb-curve", viewBox: "0 0 700 280" }, root);
  const legend = h("div", "wb-legend", root);
  for (const [c, name] of [["#57606a", "\u25CF store all"], ["#2da44e", "\u25CF periodic"], ["#0969da", "\u25CF binomial"], ["#57606a", "\u25A1 measured temp"], ["#bf3989", "\u25C6 chosen"]]) {
    h("span", null, legend, name).style.color = c;
  }
  const sliderRow = h("div", "wb-slider-row", root);
  h("label", null, sliderRow, "snapshots");
  const slider = h("input", "wb-slider", sliderRow);
  slider.type = "range";
  slider.min = "1";
  const sliderValue = h("span", "wb-slider-value", sliderRow);
  const summary = h("div", "wb-summary", root);
  const note = h("div", "wb-note", root);
  const timeline = s("svg", { class: "wb-timeline", viewBox: "0 0 700 260" }, root);
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
    bar.style.width = total ? `${(100 * done) / total}%` : "0";
    progText.textContent = total ? `${done} of ${total} schemes${p.label ? ": " + p.label : ""}` : "";
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
      for (const v of [r.label || r.scheme, r.snapshots, r.taped_steps, r.evaluations, fmtBytes(r.theory_bytes), fmtBytes(r.measured_temp_bytes), r.seconds === null ? "-" : `${(r.seconds * 1e3).toFixed(3)} ms`]) h("td", null, tr, String(v));
    }
    root.dataset.rows = String(rows.length);
  };
  const onTimeline = () => {
    const t = model.get("timeline") || {};
    drawTimeline(timeline, t);
    summary.textContent = t.scheme
      ? `${t.scheme} over ${t.steps} steps: ${t.evaluations} forward evaluations, ${t.used_snapshots} snapshots, at most ${t.taped_steps} taped step(s) alive, ${t.total_actions} actions`
      : "";
    note.textContent = t.note || "";
    root.dataset.timeline = `${t.scheme || ""}:${t.evaluations || 0}:${(t.actions || []).length}`;
    onRows();
  };
  const onSlider = () => {
    slider.max = String(model.get("max_snapshots"));
    slider.value = String(model.get("snapshots"));
    sliderValue.textContent = String(model.get("snapshots"));
  };
  const onError = () => {
    err.textContent = model.get("error") || "";
  };
  const onTitle = () => {
    title.textContent = model.get("title") || "";
  };
  slider.addEventListener("input", () => {
    sliderValue.textContent = slider.value;
    model.set("snapshots", Number(slider.value));
    model.save_changes();
  });
  const handlers = {
    "change:progress": onProgress,
    "change:rows": onRows,
    "change:carry_bytes": onRows,
    "change:timeline": onTimeline,
    "change:snapshots": onSlider,
    "change:max_snapshots": onSlider,
    "change:error": onError,
    "change:title": onTitle,
  };
  for (const [ev, fn] of Object.entries(handlers)) model.on(ev, fn);
  onTitle();
  onProgress();
  onError();
  onSlider();
  onTimeline();
  return () => {
    for (const [ev, fn] of Object.entries(handlers)) model.off(ev, fn);
  };
}

export default { render };
