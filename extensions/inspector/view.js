// The %%reactant inspector's view: tabs for the views, highlighted IR (highlight.js), two stages
// side by side, the sharding view (sharding.js) and the interactive graph viewer
// (extensions/graph/) in the graph tab. Its styles are inspector.css (the widget's _css).
// Everything the user wrote (scope names, constants) reaches the page through textContent (or
// SVG text) only: this module never parses user text as HTML.
//
// Model traits (see workbench/_src/notebook/inspector.py):
//   title        string
//   views        [{name, title, kind: "ir" | "text", text, note, data}]; data, where present,
//                is drawn instead of the text: the sharding view's ShardingReport.to_json(), the
//                NaN-origin view's NanReport.to_json() (nans.js); the result's and the gradients'
//                data.treescope, their arrays drawn by treescope above the text (arrays.js)
//   selected     the name of the shown view, or "compare"
//   compare      [left, right]: the names of the two IR views compared side by side
//   links        {view name: {line index: [graph ids]}}: what each IR line shows in the graph
//   ir_selection {view, line}: the selected IR line ({} for none)
//   graph, expanded, viewport, edges, search, highlight, _layout: the graph viewer's traits;
//                selecting an IR line sets highlight to its ids. graph is {} (or {too_large})
//                when the graph tab shows the view's text instead.
/**
 * @typedef {Object} ViewData  one tab (workbench/_src/notebook/views.py, View.to_json())
 * @property {string} name  "result", "jaxpr", "stablehlo", "hlo", "graph", "sharding", ...
 * @property {string} title  the tab's label
 * @property {"ir" | "text"} kind  IR views are highlighted and can be compared
 * @property {string} text  the content (bounded); the fallback of `data`
 * @property {string} note  why the view could not be built ("" when it was)
 * @property {Object | null} data  structured content drawn instead of the text (sharding)
 *
 * @typedef {Object<string, Object<string, string[]>>} Links  view name -> line index -> graph ids
 */
import { layoutEngine } from "../graph/engine.js";
import { mountGraph } from "../graph/view.js";
import { arrayFrame } from "./arrays.js";
import { highlight } from "./highlight.js";
import { nanBlock } from "./nans.js";
import { memoryBlock } from "./memory.js";
import { shardingBlock } from "./sharding.js";

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

function viewBlock(view, links, onSelect, onShow) {
  if (view.data && view.name === "nans") {
    try {
      return nanBlock(view, onShow || (() => {}), Boolean(onShow));
    } catch (err) {
      console.warn("workbench inspector: the NaN-origin view fell back to its text", err);
    }
  }
  if (view.data && view.name === "memory" && Array.isArray(view.data.residuals)) {
    try {
      return memoryBlock(view);
    } catch (err) {
      console.warn("workbench inspector: the memory view fell back to its text", err);
    }
  }
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
  if (view.data && typeof view.data.treescope === "string") box.append(arrayFrame(view.data.treescope));
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

/**
 * Draws the inspector for `model` into `el`; returns a function that removes it.
 * @param {{model: *, el: HTMLElement}} options
 */
export function mountInspector({ model, el }) {
  const root = document.createElement("div");
  root.className = "wb-inspector";
  const title = document.createElement("div");
  title.className = "wb-title";
  const tabs = document.createElement("div");
  tabs.className = "wb-tabs";
  tabs.setAttribute("role", "tablist");
  const body = document.createElement("div");
  body.className = "wb-body";
  root.append(title, tabs, body);
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
    for (const box of body.querySelectorAll(".wb-view, .wb-beside")) {
      if (box.dataset.view === "graph") continue;
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

  // The NaN-origin view's button: the graph tab, on the ids given (marked there in red).
  function showInGraph(ids) {
    model.set("viewport", { ...(model.get("viewport") || {}), focus: "" });
    model.set("highlight", ids);
    model.set("selected", "graph");
    model.save_changes();
  }
  const hasGraph = () => views().some((v) => v.name === "graph") && ((model.get("graph") || {}).nodes || []).length > 0;

  // The IR view drawn beside the graph in the graph tab ("" for none): a line selected there
  // highlights its node in the graph, a node clicked in the graph selects its lines there.
  let beside = "";
  const linkedViews = () => irViews().filter((v) => linksOf(v.name));

  // A node picked in the graph (its box clicked): the IR lines that compute it, selected.
  function pickNode(ids) {
    const links = linksOf(beside) || {};
    const wanted = new Set(ids);
    const first = Object.keys(links)
      .map(Number)
      .sort((a, b) => a - b)
      .find((i) => links[String(i)].some((id) => wanted.has(id)));
    model.set("ir_selection", first === undefined ? {} : { view: beside, line: first });
    model.set("highlight", ids);
    model.save_changes();
    markLines();
    scrollToSelected();
  }

  // The IR beside the graph scrolled (inside its own box) to its selected line.
  function scrollToSelected() {
    const pre = body.querySelector(".wb-beside pre");
    const line = pre && (pre.querySelector(".wb-line.wb-selected") || pre.querySelector(".wb-line.wb-related"));
    if (!line) return;
    const top = line.offsetParent === pre ? line.offsetTop : line.offsetTop - pre.offsetTop;
    if (top < pre.scrollTop || top + line.offsetHeight > pre.scrollTop + pre.clientHeight) pre.scrollTop = Math.max(0, top - pre.clientHeight / 3);
  }

  function besideSelect() {
    const label = document.createElement("label");
    label.className = "wb-beside-choice";
    label.append("IR beside the graph: ");
    const sel = document.createElement("select");
    sel.className = "wb-beside-select";
    for (const [value, text] of [["", "none"], ...linkedViews().map((v) => [v.name, v.title])]) {
      const opt = document.createElement("option");
      opt.value = value;
      opt.textContent = text;
      opt.selected = value === beside;
      sel.append(opt);
    }
    sel.addEventListener("change", () => {
      beside = sel.value;
      draw();
    });
    label.append(sel);
    return label;
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
    const side = beside ? irViews().find((v) => v.name === beside && linksOf(v.name)) : null;
    if (linkedViews().length) box.append(besideSelect());
    const holder = document.createElement("div");
    holder.className = "wb-graph-holder";
    if (!side) {
      box.append(holder);
      graphCleanup = mountGraph({ model, el: holder, engine: () => layoutEngine(model) });
      return box;
    }
    // Side by side: the graph, and the IR whose lines link to it; links both ways.
    const grid = document.createElement("div");
    grid.className = "wb-side-by-side";
    const right = document.createElement("div");
    right.className = "wb-beside";
    right.dataset.view = side.name;
    const hint = document.createElement("div");
    hint.className = "wb-hint";
    hint.textContent = "Click a line to show its node in the graph, or a node to show its lines here.";
    right.append(hint, irBlock(side, linksOf(side.name), (line) => selectLine(side.name, line)));
    grid.append(holder, right);
    box.append(grid);
    graphCleanup = mountGraph({ model, el: holder, engine: () => layoutEngine(model), onPick: pickNode });
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
      else if (view) body.append(viewBlock(view, linksOf(view.name), selectLine, hasGraph() ? showInGraph : null));
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
