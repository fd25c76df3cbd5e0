// The checkpoint trade-off explorer's view: the memory-vs-recomputation curve of a loop's
// checkpointing schemes (chart.js: a log y axis where bytes span more than 10x, round ticks,
// labels placed clear of each other), a progress bar while they compile, a snapshot slider (the
// arrow keys move it) and the chosen Binomial(s) schedule drawn as a timeline. Its styles are
// tradeoffs.css (the widget's _css). Text reaches the page through textContent only.
//
// Model traits (see workbench/_src/notebook/tradeoff_widget.py):
//   title, steps, carry_bytes, step_residual_bytes
//   rows       [{scheme, label, snapshots, taped_steps, evaluations, theory_bytes,
//               measured_temp_bytes, seconds, failure}]
//   progress   {done, total, label}: label "" once every scheme is done
//   error      "" or why the table could not be made
//   snapshots  the slider's value; max_snapshots its top
//   timeline   {scheme, steps, evaluations, used_snapshots, taped_steps, total_actions, note,
//               actions: [[kind, a, b]]}: computed in Python whenever the slider moves
/**
 * @typedef {Object} Row  one scheme (tradeoff_widget.py, rows_data)
 * @property {string} scheme  repr of the scheme ("False", "True", "Binomial(snapshots=4)")
 * @property {string} label  its name on the curve ("store all", "Binomial(4)")
 * @property {number} snapshots
 * @property {number} taped_steps
 * @property {number} evaluations  forward step evaluations
 * @property {number} theory_bytes
 * @property {number | null} measured_temp_bytes
 * @property {number | null} seconds
 * @property {string | null} [failure]  why the measured gradient did not run (out of memory)
 *
 * @typedef {Object} Timeline  the chosen plan (tradeoff_widget.py, timeline_data)
 * @property {string} scheme
 * @property {number} steps
 * @property {number} evaluations
 * @property {number} used_snapshots
 * @property {number} taped_steps
 * @property {number} total_actions
 * @property {string} note
 * @property {Array<[string, number, number]>} actions  [kind, a, b]
 */
import { formatBytes, h, s } from "../common/dom.js";
import { byteScale, countScale, placeLabels, tickBytes } from "./chart.js";

export const MARKS = {
  advance: "#8c959f",
  tape: "#2da44e",
  snapshot: "#0969da",
  restore: "#8250df",
  recompute: "#fb8500",
  reverse: "#cf222e",
};
const CURVE = { W: 720, H: 300, L: 72, R: 16, T: 14, B: 40 };
const TIMELINE = { W: 720, H: 240, L: 44, R: 10, T: 10, B: 30 };

function family(scheme) {
  if (scheme === undefined) return "store";
  if (scheme.startsWith("Binomial")) return "binomial";
  if (scheme === "False") return "store";
  return "periodic";
}

let canvas = null;
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
  const xs = [];
  for (const r of rows) {
    ys.push(r.theory_bytes);
    if (r.measured_temp_bytes !== null && r.measured_temp_bytes > 0) ys.push(r.measured_temp_bytes);
    xs.push(r.evaluations);
  }
  if (chosen) {
    ys.push(chosen.y);
    xs.push(chosen.x);
  }
  const X = countScale(xs, [L, W - R]);
  const Y = byteScale(ys, [H - B, T]);
  svg.dataset.yScale = Y.log ? "log" : "linear";
  svg.dataset.xScale = X.log ? "log" : "linear";
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
  s("text", { class: "wb-axis-title", x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, axes, `forward step evaluations (recomputation)${X.log ? ", log scale" : ""}`);
  s("text", { class: "wb-axis-title", x: 14, y: (T + H - B) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(T + H - B) / 2})` }, axes, `bytes kept${Y.log ? " (log scale)" : ""}`);
  const binom = rows.filter((r) => family(r.scheme) === "binomial").sort((a, b) => a.evaluations - b.evaluations);
  if (binom.length > 1) {
    s("polyline", { class: "wb-binomial-line", points: binom.map((r) => `${X.map(r.evaluations)},${Y.map(r.theory_bytes)}`).join(" ") }, svg);
  }
  const marks = [];
  const pointsG = s("g", { class: "wb-points" }, svg);
  const requests = [];
  // The chosen point's label is placed first: it is the one the slider moves.
  if (chosen) {
    const text = `chosen: ${chosen.label.replace("snapshots=", "")}`;
    requests.push({ x: X.map(chosen.x), y: Y.map(chosen.y), text, width: textWidth(text), chosen: true });
  }
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
    const cls = requests[i].chosen ? "wb-point-label wb-chosen-label" : "wb-point-label";
    if (p) s("text", { class: cls, x: p.x, y: p.y, "text-anchor": p.anchor }, labelsG, requests[i].text);
  });
  svg.dataset.labels = String(placed.filter(Boolean).length);
}

function drawTimeline(svg, t) {
  svg.textContent = "";
  const acts = t.actions || [];
  const { W, H, L, R, T, B } = TIMELINE;
  const n = Math.max(1, t.steps || 1);
  const m = Math.max(1, acts.length);
  const X = (i) => L + ((W - L - R) * (i + 0.5)) / m;
  const Y = (step) => H - B - ((H - B - T) * step) / n;
  s("line", { class: "wb-axis", x1: L, y1: H - B, x2: W - R, y2: H - B }, svg);
  s("line", { class: "wb-axis", x1: L, y1: T, x2: L, y2: H - B }, svg);
  s("text", { class: "wb-axis-title", x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, svg, `action (time), ${acts.length.toLocaleString("en-US")} shown`);
  s("text", { class: "wb-tick", x: L - 4, y: Y(0) + 3, "text-anchor": "end" }, svg, "0");
  s("text", { class: "wb-tick", x: L - 4, y: Y(n) + 3, "text-anchor": "end" }, svg, n.toLocaleString("en-US"));
  s("text", { class: "wb-axis-title", x: 12, y: T + (H - B - T) / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${T + (H - B - T) / 2})` }, svg, "loop step");
  // Marks stay visible however many actions there are: at least 2 px wide, and a one-step mark
  // (recompute, reverse) at least 3 px tall.
  const bw = Math.max(2, ((W - L - R) / m) * 0.8);
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

/**
 * Draws the explorer for `model` into `el`; returns a function that removes it.
 * @param {{model: *, el: HTMLElement}} options
 */
export function mountTradeoffs({ model, el }) {
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
  slider.setAttribute("aria-label", "snapshots kept by the binomial schedule");
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
    bar.style.width = total ? `${(100 * done) / total}%` : "0";
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
    const timeCell = (r) => r.failure || (r.seconds === null ? "-" : `${(r.seconds * 1e3).toFixed(3)} ms`);
    const head = h("tr", null, table);
    for (const c of ["scheme", "snapshots", "taped", "evaluations", "theory bytes", "measured temp", "time"]) h("th", null, head, c);
    for (const r of rows) {
      const tr = h("tr", null, table);
      for (const v of [r.label || r.scheme, r.snapshots, r.taped_steps, r.evaluations, formatBytes(r.theory_bytes), formatBytes(r.measured_temp_bytes), timeCell(r)]) h("td", null, tr, String(v));
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
  const setSnapshots = (value) => {
    const v = Math.max(1, Math.min(Number(model.get("max_snapshots")) || 1, value));
    slider.value = String(v);
    sliderValue.textContent = String(v);
    model.set("snapshots", v);
    model.save_changes();
  };
  slider.addEventListener("input", () => setSnapshots(Number(slider.value)));
  // The arrow keys move the slider even where the page (JupyterLab's notebook) takes them.
  slider.addEventListener("keydown", (ev) => {
    const v = Number(slider.value);
    const max = Number(model.get("max_snapshots")) || 1;
    const to = { ArrowLeft: v - 1, ArrowDown: v - 1, ArrowRight: v + 1, ArrowUp: v + 1, PageDown: v - 5, PageUp: v + 5, Home: 1, End: max }[ev.key];
    if (to === undefined) return;
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
    root.remove();
  };
}
