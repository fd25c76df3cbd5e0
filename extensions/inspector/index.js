// The %%reactant inspector: tabs for the views, highlighted IR, two stages side by side, and the
// interactive graph viewer (extensions/graph/index.js) in the graph tab.
// Everything the user wrote (scope names, constants) reaches the page through textContent (or
// SVG text) only: this module never parses user text as HTML.
//
// Model traits (see workbench/_src/notebook/inspector.py):
//   title        string
//   views        [{name, title, kind: "ir" | "text", text, note, data}]; data, where present,
//                is drawn instead of the text: the sharding view's ShardingReport.to_json()
//   selected     the name of the shown view, or "compare"
//   compare      [left, right]: the names of the two IR views compared side by side
//   links        {view name: {line index: [graph ids]}}: what each IR line shows in the graph
//   ir_selection {view, line}: the selected IR line ({} for none)
//   graph, expanded, viewport, edges, search, highlight: the graph viewer's traits; selecting
//                an IR line sets highlight to its ids. graph is {} (or {too_large}) when the
//                graph tab shows the view's text instead.
import { formatBytes, h as el, s as svgEl } from "../common/dom.js";
import { render as renderGraph } from "../graph/index.js";

const STYLE = `
.wb-inspector { font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px;
  border: 1px solid #d0d7de; border-radius: 6px; margin: 4px 0; background: #fff; color: #1f2328; }
.wb-inspector .wb-title { padding: 6px 10px; font-weight: 600; border-bottom: 1px solid #d0d7de; }
.wb-inspector .wb-tabs { display: flex; flex-wrap: wrap; gap: 2px; padding: 4px 6px 0;
  border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
.wb-inspector .wb-tab { border: 1px solid transparent; border-bottom: none; background: none;
  padding: 4px 10px; cursor: pointer; border-radius: 6px 6px 0 0; font: inherit; color: inherit; }
.wb-inspector .wb-tab.wb-active { background: #fff; border-color: #d0d7de; font-weight: 600; }
.wb-inspector .wb-tab.wb-failed { color: #cf222e; }
.wb-inspector .wb-body { padding: 6px 10px; }
.wb-inspector pre { margin: 0; max-height: 420px; overflow: auto; font-size: 12px; line-height: 1.4;
  font-family: var(--jp-code-font-family, monospace); white-space: pre; }
.wb-inspector .wb-note { color: #9a6700; margin: 4px 0; }
.wb-inspector .wb-compare { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 8px; }
.wb-inspector .wb-compare > div { min-width: 0; }
.wb-inspector .wb-compare select { margin-bottom: 4px; font: inherit; }
.wb-inspector .tok-comment { color: #6e7781; }
.wb-inspector .tok-string { color: #0a3069; }
.wb-inspector .tok-value { color: #8250df; }
.wb-inspector .tok-type { color: #116329; }
.wb-inspector .tok-op { color: #cf222e; font-weight: 600; }
.wb-inspector .tok-number { color: #0550ae; }
.wb-inspector .wb-line { display: block; min-height: 1.4em; }
.wb-inspector .wb-line.wb-linked { cursor: pointer; }
.wb-inspector .wb-line.wb-linked:hover { background: #f6f8fa; }
.wb-inspector .wb-line.wb-linked.wb-related { background: #fff8c5; }
.wb-inspector .wb-line.wb-linked.wb-selected { background: #ffe8a3; box-shadow: inset 3px 0 0 #e36209; }
.wb-inspector .wb-line:focus { outline: 1px dotted #0969da; }
.wb-inspector .wb-hint { color: #57606a; font-size: 11px; margin: 2px 0 4px; }
.wb-inspector .wb-graph { margin: 0; }
.wb-inspector .wb-sharding h4 { margin: 10px 0 4px; font-size: 13px; }
.wb-inspector .wb-arrays { display: flex; flex-wrap: wrap; gap: 10px; }
.wb-inspector .wb-array { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 8px; }
.wb-inspector .wb-array-head { font-family: var(--jp-code-font-family, monospace); font-size: 12px; }
.wb-inspector .wb-array-sub { color: #57606a; font-size: 11px; margin: 2px 0 4px; }
.wb-inspector svg.wb-grid rect { stroke: #1f2328; stroke-width: 1; }
.wb-inspector svg.wb-grid text { font-size: 11px; fill: #1f2328; font-family: var(--jp-code-font-family, monospace); }
.wb-inspector table.wb-table { border-collapse: collapse; font-size: 12px; }
.wb-inspector table.wb-table th, .wb-inspector table.wb-table td { border: 1px solid #d0d7de; padding: 2px 6px; text-align: left; }
.wb-inspector table.wb-table th { background: #f6f8fa; }
`;

// One regex, one group per token class; anything else is plain text.
const TOKENS = new RegExp(
  [
    String.raw`(#[^\n]*|\/\/[^\n]*)`, // 1 comment
    String.raw`("(?:[^"\\\n]|\\.)*")`, // 2 string
    String.raw`([%^][\w.#-]+)`, // 3 SSA value or block
    String.raw`(\b(?:tensor|memref|tuple)<[^>\n]*>|\b(?:f|bf|s|u|i|c)\d+\[[^\]\n]*\](?:\{[^}\n]*\})?|\b(?:f|bf|i|u|c)\d+\b|\bpred\b)`, // 4 type
    String.raw`(\b(?:stablehlo|mhlo|func|chlo|sdy|call|tt)\.[\w.]+|\b[a-z_][\w-]*(?=\())`, // 5 op
    String.raw`(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)`, // 6 number
  ].join("|"),
  "g",
);
const CLASSES = [null, "tok-comment", "tok-string", "tok-value", "tok-type", "tok-op", "tok-number"];

/** Fills `pre` with `text`, highlighted; every piece goes in through textContent. */
export function highlight(pre, text) {
  pre.replaceChildren();
  let last = 0;
  for (const m of text.matchAll(TOKENS)) {
    if (m.index > last) pre.append(document.createTextNode(text.slice(last, m.index)));
    const k = m.slice(1).findIndex((g) => g !== undefined) + 1;
    const span = document.createElement("span");
    span.className = CLASSES[k];
    span.textContent = m[0];
    pre.append(span);
    last = m.index + m[0].length;
  }
  if (last < text.length) pre.append(document.createTextNode(text.slice(last)));
}

function note(text) {
  const div = document.createElement("div");
  div.className = "wb-note";
  div.textContent = text;
  return div;
}

// An IR view, one element per line (highlighted); lines that show graph nodes (`links`) can be
// selected with the mouse or the arrow keys, which calls `onSelect(line index)`.
function irBlock(view, links, onSelect) {
  const pre = document.createElement("pre");
  const lines = (view.text || "").split("\n");
  const linked = [];
  lines.forEach((text, i) => {
    const line = document.createElement("span");
    line.className = "wb-line";
    line.dataset.line = String(i);
    highlight(line, text);
    if (links && links[String(i)]) {
      line.classList.add("wb-linked");
      line.tabIndex = -1;
      line.title = "show in the graph";
      linked.push(line);
    }
    pre.append(line);
  });
  if (linked.length) {
    pre.tabIndex = 0;
    pre.setAttribute("role", "listbox");
    pre.setAttribute("aria-label", `${view.title}: select a line to show it in the graph`);
    for (const line of linked) line.setAttribute("role", "option");
    pre.addEventListener("click", (ev) => {
      const line = ev.target.closest && ev.target.closest(".wb-line.wb-linked");
      if (line && pre.contains(line)) onSelect(Number(line.dataset.line));
    });
    pre.addEventListener("keydown", (ev) => {
      const cur = pre.querySelector(".wb-line.wb-selected") || document.activeElement;
      let at = linked.indexOf(cur);
      if (ev.key === "ArrowDown") at = Math.min(linked.length - 1, at + 1);
      else if (ev.key === "ArrowUp") at = at < 0 ? 0 : Math.max(0, at - 1);
      else if ((ev.key === "Enter" || ev.key === " ") && linked.includes(document.activeElement)) at = linked.indexOf(document.activeElement);
      else return;
      ev.preventDefault();
      const line = linked[Math.max(0, at)];
      line.focus({ preventScroll: true });
      line.scrollIntoView({ block: "nearest" });
      onSelect(Number(line.dataset.line));
    });
  }
  return pre;
}

// Sharding: one grid of blocks per array, as jax.debug.visualize_array_sharding draws it (each
// block sized by its boundaries, labelled and coloured by the devices holding it), then the
// collectives and the memory per device.
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
  "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
  "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"];



export function deviceRanges(ids) {
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length) out.push(run.length > 2 ? `${run[0]}-${run[run.length - 1]}` : run.join(","));
  };
  for (const i of ids) {
    if (run.length && i === run[run.length - 1] + 1) run.push(i);
    else {
      flush();
      run = [i];
    }
  }
  flush();
  return out.join(",") || "-";
}


function arrayGrid(a, devices) {
  // Dimension 0 down, 1 across; a 1-D array's blocks run across, as JAX draws them.
  const flat = (a.shape || []).length === 1;
  const rows = flat ? [0, 1] : a.rows || [0, 1];
  const cols = flat ? a.rows || [0, 1] : a.cols || [0, 1];
  const cells = flat ? [(a.cells || []).map((row) => row[0])] : a.cells || [];
  const H0 = rows[rows.length - 1] - rows[0] || 1;
  const W0 = cols[cols.length - 1] - cols[0] || 1;
  const W = 240;
  const H = flat ? 40 : Math.max(36, Math.min(200, (W * H0) / W0));
  const svg = svgEl("svg", { class: "wb-grid", width: W + 2, height: H + 2, viewBox: `-1 -1 ${W + 2} ${H + 2}` });
  let blocks = 0;
  cells.forEach((row, i) => {
    row.forEach((cell, j) => {
      const x = ((cols[j] - cols[0]) / W0) * W;
      const y = ((rows[i] - rows[0]) / H0) * H;
      const w = ((cols[j + 1] - cols[j]) / W0) * W;
      const h = ((rows[i + 1] - rows[i]) / H0) * H;
      const g = svgEl("g", { class: "wb-block", "data-row": i, "data-col": j, "data-devices": cell.join(",") }, svg);
      const color = PALETTE[(cell[0] ?? 0) % PALETTE.length];
      svgEl("rect", { x, y, width: w, height: h, fill: color, "fill-opacity": cell.length > 1 ? 0.35 : 0.6 }, g);
      const label = svgEl("text", { x: x + w / 2, y: y + h / 2 + 4, "text-anchor": "middle" }, g);
      label.textContent = deviceRanges(cell);
      const tip = svgEl("title", {}, g);
      const names = cell.map((d) => devices[d] ?? String(d)).join(", ");
      const where = flat ? `elements ${cols[j]}:${cols[j + 1]}` : `rows ${rows[i]}:${rows[i + 1]}, columns ${cols[j]}:${cols[j + 1]}`;
      tip.textContent = `${where} on ${names}`;
      blocks += 1;
    });
  });
  svg.dataset.blocks = String(blocks);
  return svg;
}

function table(parent, head, rows) {
  const t = el("table", "wb-table", parent);
  const tr = el("tr", null, el("thead", null, t));
  for (const h of head) el("th", null, tr, h);
  const tb = el("tbody", null, t);
  for (const r of rows) {
    const row = el("tr", null, tb);
    for (const c of r) el("td", null, row, String(c));
  }
  return t;
}

function shardingBlock(view) {
  const d = view.data;
  const box = el("div", "wb-view wb-sharding");
  box.dataset.view = view.name;
  if (view.note) box.append(note(view.note));
  const devices = d.devices || [];
  const mesh = (d.mesh || []).map(([n, k]) => `${n}=${k}`).join(" \u00d7 ") || "no named mesh";
  el("div", "wb-array-sub", box, `${devices.length} devices (${devices.join(", ")}); mesh ${mesh}. Each block is labelled with the indices of the devices that hold it.`);
  for (const [key, label] of [["arguments", "Arguments"], ["outputs", "Outputs"]]) {
    el("h4", null, box, label);
    const list = el("div", "wb-arrays", box);
    list.dataset.kind = key;
    for (const a of d[key] || []) {
      const card = el("div", "wb-array", list);
      card.dataset.name = a.name;
      el("div", "wb-array-head", card, `${a.name}  ${a.dtype}[${(a.shape || []).join(",")}]`);
      const how = a.replicated ? "replicated" : "sharded";
      el("div", "wb-array-sub", card, `${a.spec}; ${how}, ${formatBytes(a.bytes_per_device)} per device`);
      if (a.spec !== "unused") card.append(arrayGrid(a, devices));
      if (a.clipped) el("div", "wb-array-sub", card, `first ${a.rows.length - 1} \u00d7 ${a.cols.length - 1} of ${a.clipped[0]} \u00d7 ${a.clipped[1]} blocks shown`);
      if (a.note) el("div", "wb-array-sub", card, a.note);
    }
    const cut = (d.left_out || {})[key];
    if (cut) el("div", "wb-array-sub", box, `... ${cut} more not shown`);
  }
  el("h4", null, box, `Collectives (${(d.collectives || []).length})`);
  if ((d.collectives || []).length) {
    const t = table(box, ["name", "kind", "shape", "bytes", "phase", "device groups"], d.collectives.map((c) => [c.name, c.kind, c.shape, formatBytes(c.bytes), c.phase || "", c.groups]));
    t.classList.add("wb-collectives");
  } else el("div", "wb-array-sub", box, "none: no data moves between devices");
  const mem = d.memory_per_device || {};
  el("h4", null, box, "Memory per device (XLA)");
  if (Object.keys(mem).length) {
    const t = table(box, ["arguments", "outputs", "temp", "total"], [[mem.argument_bytes, mem.output_bytes, mem.temp_bytes, mem.total_bytes].map(formatBytes)]);
    t.classList.add("wb-memory");
  } else el("div", "wb-array-sub", box, "not available");
  return box;
}

function viewBlock(view, links, onSelect) {
  if (view.data && view.name === "sharding") {
    try {
      return shardingBlock(view);
    } catch (err) {
      console.warn("workbench inspector: the sharding view fell back to its text", err);
    }
  }
  const box = document.createElement("div");
  box.className = "wb-view";
  box.dataset.view = view.name;
  if (view.note) box.append(note(view.note));
  if (view.kind === "ir") {
    if (links) {
      const hint = document.createElement("div");
      hint.className = "wb-hint";
      hint.textContent = "Click a line (or use \u2191 \u2193) to show it in the graph tab.";
      box.append(hint);
    }
    box.append(irBlock(view, links, (line) => onSelect(view.name, line)));
  } else {
    const pre = document.createElement("pre");
    pre.textContent = view.text || "";
    box.append(pre);
  }
  return box;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "wb-inspector";
  const style = document.createElement("style");
  style.textContent = STYLE;
  const title = document.createElement("div");
  title.className = "wb-title";
  const tabs = document.createElement("div");
  tabs.className = "wb-tabs";
  tabs.setAttribute("role", "tablist");
  const body = document.createElement("div");
  body.className = "wb-body";
  root.append(style, title, tabs, body);
  el.append(root);

  const views = () => model.get("views") || [];
  const irViews = () => views().filter((v) => v.kind === "ir");
  const linksOf = (name) => (model.get("links") || {})[name] || null;
  let graphCleanup = null; // the graph viewer drawn in the graph tab, while it is shown

  function select(name) {
    model.set("selected", name);
    model.save_changes();
  }

  // An IR line selected: its graph ids become the highlight (the graph tab shows them).
  function selectLine(viewName, line) {
    const ids = linksOf(viewName)?.[String(line)] || [];
    if (JSON.stringify(ids) === JSON.stringify(model.get("highlight") || [])) {
      // The same nodes again: the graph tab pans back to them even if the user panned away.
      model.set("viewport", { ...(model.get("viewport") || {}), focus: "" });
    }
    model.set("ir_selection", { view: viewName, line });
    model.set("highlight", ids);
    model.save_changes();
  }

  // Marks the selected IR line, and the other lines that show a highlighted node.
  function markLines() {
    const sel = model.get("ir_selection") || {};
    const hl = new Set(model.get("highlight") || []);
    for (const box of body.querySelectorAll(".wb-view")) {
      const links = linksOf(box.dataset.view);
      if (!links) continue;
      for (const line of box.querySelectorAll(".wb-line.wb-linked")) {
        const i = line.dataset.line;
        const selected = sel.view === box.dataset.view && String(sel.line) === i;
        line.classList.toggle("wb-selected", selected);
        line.setAttribute("aria-selected", String(selected));
        const related = !selected && (links[i] || []).some((id) => hl.has(id));
        line.classList.toggle("wb-related", related);
      }
    }
  }

  function graphBlock(view) {
    const box = document.createElement("div");
    box.className = "wb-view";
    box.dataset.view = view.name;
    const data = model.get("graph") || {};
    if (view.note || !data.nodes || !data.nodes.length) {
      if (view.note) box.append(note(view.note));
      else if (data.too_large)
        box.append(note(`This graph has ${data.too_large} nodes, more than the inspector draws (${data.limit}); wb.graph(f, *args) draws it in a viewer of its own. Its outline:`));
      const pre = document.createElement("pre");
      pre.textContent = view.text || "";
      box.append(pre);
      return box;
    }
    const holder = document.createElement("div");
    holder.className = "wb-graph-holder";
    box.append(holder);
    graphCleanup = renderGraph({ model, el: holder });
    return box;
  }

  function stageSelect(side, current) {
    const sel = document.createElement("select");
    sel.className = `wb-compare-${side}`;
    for (const v of irViews()) {
      const opt = document.createElement("option");
      opt.value = v.name;
      opt.textContent = v.title;
      opt.selected = v.name === current;
      sel.append(opt);
    }
    sel.addEventListener("change", () => {
      const pair = [...(model.get("compare") || [])];
      pair[side === "left" ? 0 : 1] = sel.value;
      model.set("compare", pair);
      model.save_changes();
    });
    return sel;
  }

  function draw() {
    title.textContent = model.get("title") || "";
    const all = views();
    const ir = irViews();
    let selected = model.get("selected");
    const names = all.map((v) => v.name);
    if (selected !== "compare" && !names.includes(selected)) selected = names[0];
    tabs.replaceChildren();
    const entries = all.map((v) => [v.name, v.title, Boolean(v.note)]);
    if (ir.length >= 2) entries.push(["compare", "compare stages", false]);
    for (const [name, label, failed] of entries) {
      const b = document.createElement("button");
      b.className = "wb-tab" + (name === selected ? " wb-active" : "") + (failed ? " wb-failed" : "");
      b.dataset.view = name;
      b.setAttribute("role", "tab");
      b.textContent = label;
      b.addEventListener("click", () => select(name));
      tabs.append(b);
    }
    if (graphCleanup) {
      graphCleanup();
      graphCleanup = null;
    }
    body.replaceChildren();
    if (selected === "compare") {
      const pair = model.get("compare") || [];
      const left = ir.find((v) => v.name === pair[0]) || ir[0];
      const right = ir.find((v) => v.name === pair[1]) || ir[ir.length - 1];
      const grid = document.createElement("div");
      grid.className = "wb-compare";
      for (const [side, v] of [["left", left], ["right", right]]) {
        const col = document.createElement("div");
        col.append(stageSelect(side, v.name), viewBlock(v, linksOf(v.name), selectLine));
        grid.append(col);
      }
      body.append(grid);
    } else {
      const view = all.find((v) => v.name === selected);
      if (view && view.name === "graph") body.append(graphBlock(view));
      else if (view) body.append(viewBlock(view, linksOf(view.name), selectLine));
    }
    markLines();
  }

  draw();
  const events = ["change:views", "change:selected", "change:compare", "change:title", "change:links"];
  for (const e of events) model.on(e, draw);
  model.on("change:ir_selection", markLines);
  model.on("change:highlight", markLines);
  return () => {
    for (const e of events) model.off(e, draw);
    model.off("change:ir_selection", markLines);
    model.off("change:highlight", markLines);
    if (graphCleanup) graphCleanup();
    root.remove();
  };
}

export default { render };
