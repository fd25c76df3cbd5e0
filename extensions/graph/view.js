// The graph viewer's view: the toolbar, the legend, the SVG drawing of a layout (layout.js) and
// what the user does with it (pan, zoom, fit, open and close regions, search, passes, full
// screen, SVG export). Its state lives in the widget's synced traits (graph_widget.py,
// GraphTraits), so a new view of the same model draws the same thing.
//
// Everything the user wrote (scope names, argument names, source lines) reaches the page through
// textContent or SVG text nodes only: this module never parses user text as HTML.
import { h, s } from "../common/dom.js";
import { formatProblem } from "./format.js";
import { pictureSvg } from "./snapshot.js";
import { labelMarked, nanMarks } from "./marks.js";
import { QUICK_LAYOUT_BOXES, SHAPE_GAP, estimateWidth, headerKey, layeredLayout, layout, placeEdgeLabels, sizes } from "./layout.js";
import {
  highlightTargets,
  nodeDetails,
  openableRegions,
  prepare,
  regionDetails,
  searchMatches,
  visibleGraph,
} from "./model.js";
import { centreOn, edgeLabelsLegible, fitTransform, roundedPath, union, zoomAt, zoomLimits } from "./viewport.js";

const EDGE_WORDS = { f: "forward", b: "backward", r: "residual (kept for the backward pass)" };
const LEGEND_NODES = [
  ["forward", "forward op"],
  ["backward", "backward op"],
  ["recompute", "recomputed op (remat)"],
  ["io", "argument / result"],
  ["region", "closed region (click)"],
  ["loop", "loop"],
];
const LEGEND_EDGES = [
  ["f", "forward value"],
  ["b", "backward value"],
  ["r", "residual"],
];
const MODES = [
  ["both", "both passes"],
  ["forward", "forward only"],
  ["backward", "backward only"],
];

// How long a large view waits for ELK before it is drawn with the quick layout first.
const QUICK_MS = 40;
// How long after a settled drawing its picture is made (snapshot.js), so that a burst of
// drawings (opening regions one after another) makes one.
const PICTURE_MS = 800;
// The boxes' text size (graph.css, .wb-node text) at scale 1, and the height below which the
// quick drawing leaves texts out (they would be specks).
const NODE_FONT_PX = 11;
const TEXT_MIN_PX = 4;

let viewCount = 0;

/** Text widths in the fonts the style sheet gives each kind of text, measured once each. */
class TextMeasure {
  constructor(canvasSvg) {
    this.svg = canvasSvg;
    this.cache = new Map();
    this.fonts = null;
    this.ctx = null;
  }

  fontsOf() {
    const probe = s("g", { class: "wb-probe", visibility: "hidden" }, this.svg);
    const node = s("g", { class: "wb-node" }, probe);
    const cluster = s("g", { class: "wb-cluster" }, probe);
    const kinds = {
      node: s("text", {}, node, "x"),
      sub: s("text", { class: "wb-sub" }, node, "x"),
      head: s("text", { class: "wb-head-title" }, cluster, "x"),
      edge: s("text", { class: "wb-edge-label" }, probe, "x"),
    };
    const fonts = {};
    for (const [k, el] of Object.entries(kinds)) {
      const st = getComputedStyle(el);
      fonts[k] = st.fontSize ? `${st.fontStyle} ${st.fontWeight} ${st.fontSize} ${st.fontFamily}` : "";
    }
    probe.remove();
    return fonts;
  }

  /** @type {import("./layout.js").Measure} */
  width(text, kind) {
    const key = `${kind}\u0000${text}`;
    let w = this.cache.get(key);
    if (w !== undefined) return w;
    if (!this.fonts) {
      this.fonts = this.fontsOf();
      this.ctx = document.createElement("canvas").getContext("2d");
    }
    const font = this.fonts[kind];
    if (font && this.ctx) {
      this.ctx.font = font;
      w = Math.ceil(this.ctx.measureText(text).width) + 2;
    } else {
      w = estimateWidth(text, kind);
    }
    this.cache.set(key, w);
    return w;
  }
}

/**
 * Draws the graph viewer for `model` into `el`; returns a function that removes it. With
 * `onPicture`, each settled drawing is also given to it, a moment later, as a standalone SVG
 * (snapshot.js): the picture that pages without widgets show.
 * @param {{model: *, el: HTMLElement, engine: function(): Promise<*>,
 *   onPicture?: function(string): void}} options
 */
export function mountGraph({ model, el, engine, onPicture }) {
  const view = new GraphView(model, el, engine);
  view.onPicture = onPicture || null;
  return () => view.destroy();
}

class GraphView {
  constructor(model, el, engine) {
    viewCount += 1;
    this.uid = `wbg${viewCount}`;
    this.model = model;
    this.engine = engine;
    this.graph = prepare(model.get("graph") || {});
    this.visible = null;
    this.layout = null;
    this.transform = { x: 0, y: 0, k: 1 };
    this.limits = { min: 0.05, max: 4 };
    this.generation = 0;
    this.saveTimer = null;
    this.userMoved = false;
    this.dragged = false;
    this.search = { items: [], current: -1 };
    this.pending = null; // what to pan to once the next drawing is done
    this.focus = (model.get("viewport") || {}).focus || "";
    this.handlers = [];
    this.build(el);
    this.root.dataset.createdAt = String(Math.round(performance.now()));
    this.listen();
    this.frame = requestAnimationFrame(() => this.firstDraw());
  }

  // Building the DOM ------------------------------------------------------------------------

  build(el) {
    const root = (this.root = h("div", "wb-graph", el));
    const bar = h("div", "wb-toolbar", root);
    this.titleEl = h("span", "wb-title", bar);
    const find = h("span", "wb-group", bar);
    this.searchInput = h("input", "wb-search", find);
    this.searchInput.type = "search";
    this.searchInput.placeholder = "search by name\u2026";
    this.searchInput.setAttribute("aria-label", "search nodes and regions by name");
    this.prevButton = this.button(find, "wb-search-prev", "\u2039", "previous match (Shift+Enter)", () => this.step(-1));
    this.nextButton = this.button(find, "wb-search-next", "\u203A", "next match (Enter)", () => this.step(1));
    this.matchesEl = h("span", "wb-matches", bar);
    const modes = h("span", "wb-group", bar);
    this.modeButtons = {};
    for (const [mode, label] of MODES) {
      const b = this.button(modes, "wb-edges-mode", label, `show ${label}`, () => this.setMode(mode));
      b.dataset.edges = mode;
      this.modeButtons[mode] = b;
    }
    const tools = h("span", "wb-group", bar);
    this.button(tools, "wb-fit", "fit", "show the whole graph", () => {
      this.fit();
      this.saveViewport();
    });
    this.expandAllButton = this.button(tools, "wb-expand-all", "expand all", "open every region", () => this.setExpanded(openableRegions(this.graph)));
    this.collapseAllButton = this.button(tools, "wb-collapse-all", "collapse all", "close every region", () => this.setExpanded([]));
    if (!openableRegions(this.graph).length) {
      // A flat graph (no jit, loop or named scope): the buttons say so rather than do nothing.
      for (const b of [this.expandAllButton, this.collapseAllButton]) {
        b.disabled = true;
        b.title = "this graph has no regions to open or close (no jit, loop, or named scope)";
      }
    }
    this.fullButton = this.button(tools, "wb-fullscreen", "full screen", "full screen (Esc to leave)", () => this.toggleFullScreen());
    this.button(tools, "wb-export", "SVG", "save the drawing as an SVG file", () => this.exportSvg());
    this.statusEl = h("span", "wb-status", bar);
    this.selectionEl = h("span", "wb-selection", bar); // the selected edge, in words
    this.selectionEl.hidden = true;
    this.buildLegend(h("div", "wb-legend", root));
    this.messageEl = h("div", "wb-message", root);
    this.messageEl.hidden = true;
    this.frameEl = h("div", "wb-frame", root);
    const canvas = (this.canvas = s("svg", { class: "wb-canvas", tabindex: 0 }, this.frameEl));
    s("title", {}, canvas, "drag to pan, wheel to zoom, click a region's header to open or close it");
    const defs = s("defs", {}, canvas);
    for (const k of ["f", "b", "r"]) {
      const m = s("marker", { id: `${this.uid}-arrow-${k}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse", markerUnits: "userSpaceOnUse" }, defs);
      s("path", { d: "M0,0L10,5L0,10z", class: `wb-arrow-${k}` }, m);
    }
    this.viewport = s("g", { class: "wb-viewport" }, canvas);
    this.tooltip = h("div", "wb-tooltip", this.frameEl);
    this.measure = new TextMeasure(canvas);
  }

  button(parent, cls, text, title, onClick) {
    const b = h("button", cls, parent, text);
    b.type = "button";
    b.title = title;
    b.addEventListener("click", onClick);
    return b;
  }

  buildLegend(legend) {
    for (const [role, label] of LEGEND_NODES) {
      const item = h("span", "wb-legend-item", legend);
      item.dataset.role = role;
      const svg = s("svg", { width: 16, height: 11 }, item);
      s("rect", { class: `wb-swatch wb-role-${role}`, x: 0.5, y: 0.5, width: 15, height: 10, rx: 2 }, svg);
      h("span", null, item, label);
    }
    for (const [k, label] of LEGEND_EDGES) {
      const item = h("span", "wb-legend-item", legend);
      item.dataset.edge = k;
      const svg = s("svg", { width: 30, height: 10 }, item);
      s("line", { class: `wb-edge wb-e-${k}`, x1: 0, y1: 5, x2: 22, y2: 5 }, svg);
      s("path", { d: "M22,1L30,5L22,9z", class: `wb-arrow-${k}` }, svg);
      h("span", null, item, label);
    }
    // Shown only while a non-finite value's way is marked (the `marks` trait).
    const nan = (this.nanLegend = h("span", "wb-legend-item wb-legend-nan", legend));
    nan.dataset.role = "nan";
    const svg = s("svg", { width: 16, height: 11 }, nan);
    s("rect", { class: "wb-swatch wb-role-nan", x: 0.5, y: 0.5, width: 15, height: 10, rx: 2 }, svg);
    h("span", null, nan, "where the NaN / inf is made, and its way to the outputs");
    nan.hidden = true;
  }

  // Model events ----------------------------------------------------------------------------

  on(name, fn) {
    this.model.on(name, fn);
    this.handlers.push([name, fn]);
  }

  listen() {
    this.on("change:graph", () => {
      this.graph = prepare(this.model.get("graph") || {});
      this.draw();
    });
    this.on("change:expanded", () => this.draw());
    this.on("change:_layout", () => this.draw()); // ELK arrived (graph_widget.py, live_bundle)
    this.on("change:search", () => this.applySearch());
    this.on("change:edges", () => this.applyMode());
    this.on("change:viewport", () => this.onViewport());
    this.on("change:highlight", () => {
      if (this.visible) this.focusHighlight();
    });
    this.on("change:marks", () => this.draw()); // the marked boxes' labels change their size
    this.searchInput.addEventListener("input", () => {
      this.model.set("search", this.searchInput.value);
      this.model.save_changes();
    });
    this.searchInput.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        this.step(ev.shiftKey ? -1 : 1);
      } else if (ev.key === "Escape") {
        this.searchInput.value = "";
        this.model.set("search", "");
        this.model.save_changes();
      }
    });
    this.listenPointer();
    this.onFullScreen = () => this.afterResize();
    document.addEventListener("fullscreenchange", this.onFullScreen);
    if (typeof ResizeObserver !== "undefined") {
      this.resizer = new ResizeObserver(() => this.afterResize());
      this.resizer.observe(this.frameEl);
    }
  }

  listenPointer() {
    const canvas = this.canvas;
    let start = null;
    canvas.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      start = { x: ev.clientX, y: ev.clientY, t: { ...this.transform } };
      this.dragged = false;
    });
    canvas.addEventListener("pointermove", (ev) => {
      if (!start) return;
      const dx = ev.clientX - start.x;
      const dy = ev.clientY - start.y;
      if (!this.dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!this.dragged) {
        this.dragged = true;
        canvas.classList.add("wb-dragging");
        canvas.setPointerCapture(ev.pointerId);
        this.hideTip();
      }
      this.setTransform({ ...start.t, x: start.t.x + dx, y: start.t.y + dy });
    });
    const end = () => {
      if (start && this.dragged) {
        this.userMoved = true;
        this.saveViewport();
      }
      start = null;
      canvas.classList.remove("wb-dragging");
      setTimeout(() => {
        this.dragged = false;
      }, 0);
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener(
      "wheel",
      (ev) => {
        ev.preventDefault();
        const box = canvas.getBoundingClientRect();
        this.zoom(Math.exp(-ev.deltaY * 0.0015), ev.clientX - box.left, ev.clientY - box.top);
      },
      { passive: false },
    );
    canvas.addEventListener("keydown", (ev) => {
      const W = canvas.clientWidth;
      const H = canvas.clientHeight;
      const pan = { ArrowLeft: [60, 0], ArrowRight: [-60, 0], ArrowUp: [0, 60], ArrowDown: [0, -60] }[ev.key];
      if (ev.key === "+" || ev.key === "=") this.zoom(1.25, W / 2, H / 2);
      else if (ev.key === "-") this.zoom(0.8, W / 2, H / 2);
      else if (ev.key === "0") {
        this.fit();
        this.saveViewport();
      } else if (pan) {
        this.userMoved = true;
        this.setTransform({ ...this.transform, x: this.transform.x + pan[0], y: this.transform.y + pan[1] });
        this.saveViewport();
      } else return;
      ev.preventDefault();
    });
  }

  zoom(factor, px, py) {
    this.userMoved = true;
    this.setTransform(zoomAt(this.transform, px, py, factor, this.limits));
    this.saveViewport();
  }

  // Drawing ---------------------------------------------------------------------------------

  firstDraw() {
    this.draw().then(() => {
      // A highlight set while this view was not drawn (from the inspector's IR, or Python).
      const key = JSON.stringify(this.model.get("highlight") || []);
      if ((this.model.get("highlight") || []).length && this.focus !== key) this.focusHighlight();
    });
  }

  async draw() {
    const generation = ++this.generation;
    const t0 = performance.now();
    const problem = formatProblem(this.model.get("graph") || {});
    this.messageEl.hidden = !problem;
    this.messageEl.textContent = problem;
    if (problem) return;
    const V = visibleGraph(this.graph, new Set(this.model.get("expanded") || []));
    labelMarked(this.graph, V, this.model.get("marks") || {});
    const measure = (text, kind) => this.measure.width(text, kind);
    this.frameEl.classList.add("wb-busy");
    try {
      const elk = await this.engine();
      if (generation !== this.generation) return;
      const laid = layout(V, elk, measure, { edgeLabels: false }); // placed when first drawn
      if (V.leaves.size > QUICK_LAYOUT_BOXES) {
        // A large view is drawn at once with the linear-time layered layout if ELK (in its
        // worker) takes longer than a moment; ELK's drawing replaces it when it comes.
        const first = await Promise.race([laid, new Promise((done) => setTimeout(() => done(null), QUICK_MS))]);
        if (generation !== this.generation) return;
        if (first === null) this.show(V, layeredLayout(V, sizes(V, measure)), t0, false);
      }
      const L = await laid;
      if (generation !== this.generation) return; // a newer drawing was asked for meanwhile
      this.show(V, L, t0, true);
    } finally {
      if (generation === this.generation) this.frameEl.classList.remove("wb-busy");
    }
  }

  /** Draws the layout `L` of the view `V`; `settled` once it is the final one (ELK's). */
  show(V, L, t0, settled) {
    const G = this.graph;
    const t1 = performance.now();
    this.visible = V;
    this.layout = L;
    // The canvas is measured before the new elements go in (with the old ones gone), so that
    // no reading of the page's layout below makes the browser style and lay them out twice.
    this.viewport.textContent = "";
    this.sizeFrame(L);
    this.sizeNow = null;
    this.updateLimits();
    this.sizeNow = this.size();
    // Level of detail: where the view, fitted, would make the boxes' texts specks (under
    // TEXT_MIN_PX), they are drawn once the zoom makes them bigger; the quick drawing of a large
    // view (replaced by ELK's within a second) has no hover targets on its edges either. Fewer
    // elements to style and lay out (beside ELK's worker, for the quick drawing).
    const specks = fitTransform(L.bounds, this.sizeNow.W, this.sizeNow.H).k * NODE_FONT_PX < TEXT_MIN_PX;
    this.render(V, L, { texts: !specks, hover: settled });
    const saved = this.model.get("viewport") || {};
    if (settled && typeof saved.k === "number" && saved.k > 0) {
      this.userMoved = true;
      this.setTransform({ x: saved.x || 0, y: saved.y || 0, k: saved.k });
    } else {
      this.fit();
    }
    this.applySearch();
    this.applyMode();
    this.applyHighlight();
    this.applyMarks();
    if (settled && this.pending) {
      const target = this.pending;
      this.pending = null;
      target();
    }
    if (settled) this.schedulePicture();
    this.sizeNow = null;
    const t2 = performance.now();
    this.titleEl.textContent = G.title;
    const engine = L.engine === "elk" ? "ELK" : settled ? "layered layout, regions not boxed" : "quick layout; ELK\u2026";
    this.statusEl.textContent = `${G.nodes.length} nodes, ${G.edges.length} edges; ${V.leaves.size} boxes, ${V.clusters.size} open regions (${engine}, ${Math.round(t2 - t0)} ms)`;
    const d = this.root.dataset;
    d.nodes = String(G.nodes.length);
    d.visible = String(V.leaves.size);
    d.layoutMs = String(Math.round(t1 - t0));
    d.drawMs = String(Math.round(t2 - t0));
    d.engine = L.engine;
    d.settled = String(settled);
    d.drawnAt = String(Math.round(performance.now()));
    d.ready = String(Number(d.ready || "0") + 1);
  }

  render(V, L, { texts = true, hover = true } = {}) {
    this.root.dataset.selectedEdge = ""; // a new drawing: no edge selected
    this.selectionEl.hidden = true;
    this.deferTexts = !texts;
    this.hover = hover;
    this.textless = []; // [g, leaf] of the boxes drawn without their texts yet
    this.hideTip();
    const view = this.viewport;
    view.textContent = "";
    const gClusters = s("g", { class: "wb-clusters" }, view);
    const gEdges = s("g", { class: "wb-edges" }, view);
    const gNodes = s("g", { class: "wb-nodes" }, view);
    const gLabels = (this.gLabels = s("g", { class: "wb-edge-labels" }, view));
    this.labelsDrawn = false; // drawn the first time they are legible (drawLabels)
    if (L.clustersDrawn) {
      const depth = (c) => {
        let d = 0;
        for (let p = c.parent; p; p = V.clusters.get(p).parent) d += 1;
        return d;
      };
      for (const c of [...V.clusters.values()].sort((a, b) => depth(a) - depth(b))) {
        const box = L.boxes.get(c.key);
        if (box) this.drawCluster(gClusters, c, box);
      }
    }
    for (const routed of L.edges) this.drawEdge(gEdges, gLabels, routed, V);
    for (const leaf of V.leaves.values()) this.drawLeaf(gNodes, leaf, L.boxes.get(leaf.key));
  }

  drawCluster(parent, c, box) {
    const reg = c.region;
    const role = reg.kind === "named_scope" && reg.label === "rematted_computation" ? "recompute" : ["scan", "while", "loop"].includes(reg.kind) ? "loop" : "region";
    const g = s("g", { class: "wb-cluster", "data-region": reg.id, "data-key": c.key, "data-parent": c.parent || "", "data-phase": reg.phase, "data-role": role, "data-kind": reg.kind }, parent);
    s("rect", { class: "wb-box", x: box.x, y: box.y, width: box.width, height: box.height, rx: 6 }, g);
    // The header sits where the layout put it (a box of its own, clear of every edge).
    const hb = this.layout.boxes.get(headerKey(c.key)) || { x: box.x + 8, y: box.y + 4, width: box.width - 16, height: c.detail ? 34 : 20 };
    const head = s("rect", { class: "wb-head", x: hb.x, y: hb.y, width: hb.width, height: hb.height, rx: 4 }, g);
    s("text", { class: "wb-head-title", x: hb.x + 4, y: hb.y + 13 }, g, c.title);
    if (c.detail) s("text", { class: "wb-head-detail", x: hb.x + 4, y: hb.y + 27 }, g, c.detail);
    head.addEventListener("click", (ev) => {
      ev.stopPropagation();
      if (!this.dragged) this.toggle(reg.id, false);
    });
    head.addEventListener("pointerenter", (ev) => this.showTip(ev, regionDetails(this.graph, reg)));
    head.addEventListener("pointerleave", () => this.hideTip());
  }

  drawEdge(parent, labels, routed, V) {
    const e = routed.edge;
    if (!routed.points.length) return;
    const g = s("g", { class: `wb-edge-group wb-e-${e.k}`, "data-edge": e.id, "data-from": e.a, "data-to": e.b }, parent);
    const d = roundedPath(routed.points, 6);
    s("path", { class: `wb-edge wb-e-${e.k}`, d, "marker-end": `url(#${this.uid}-arrow-${e.k})` }, g);
    if (!this.hover) return; // no hover target in the quick drawing
    const hit = s("path", { class: "wb-edge-hit", d }, g);
    const name = (key) => {
      const leaf = V.leaves.get(key);
      return leaf ? leaf.label.replace(/^\u25B8 /, "") : key;
    };
    hit.addEventListener("pointerenter", (ev) => this.showTip(ev, [`${e.label || "value"}`, `${EDGE_WORDS[e.k]}: ${name(e.a)} \u2192 ${name(e.b)}`]));
    hit.addEventListener("pointerleave", () => this.hideTip());
    hit.addEventListener("click", (ev) => {
      ev.stopPropagation();
      if (!this.dragged) this.selectEdge(e, `${EDGE_WORDS[e.k]}: ${name(e.a)} \u2192 ${name(e.b)} (${e.label || "value"})`);
    });
  }

  /** A click on an edge (a residual, say) selects it: drawn thick with its two ends, and said
   * in the status line; a second click, or one on another edge, changes the selection. */
  selectEdge(e, words) {
    for (const el of this.viewport.querySelectorAll(".wb-selected")) el.classList.remove("wb-selected");
    const again = this.root.dataset.selectedEdge === e.id;
    this.root.dataset.selectedEdge = again ? "" : e.id;
    this.selectedWords = again ? "" : words;
    if (!again) {
      for (const el of this.viewport.querySelectorAll(`.wb-edge-group[data-edge="${CSS.escape(e.id)}"]`)) el.classList.add("wb-selected");
      for (const key of [e.a, e.b]) {
        const end = this.viewport.querySelector(`[data-key="${CSS.escape(key)}"]`);
        if (end) end.classList.add("wb-selected");
      }
    }
    this.selectionEl.textContent = this.selectedWords;
    this.selectionEl.hidden = !this.selectedWords;
  }

  /** The shapes on the edges (layout.js, placeEdgeLabels), drawn the first time the zoom makes
   * them legible: a large view seen whole never needs them, and has that many fewer elements
   * to style and lay out. */
  drawLabels() {
    if (this.labelsDrawn || !this.layout || !this.gLabels) return;
    this.labelsDrawn = true;
    if (!this.layout.edgeLabels) placeEdgeLabels(this.layout, this.visible, (text, kind) => this.measure.width(text, kind));
    for (const routed of this.layout.edges) {
      const e = routed.edge;
      const b = routed.label;
      if (!b || !e.label) continue;
      const lg = s("g", { class: `wb-edge-group wb-e-${e.k}`, "data-edge": e.id, "data-from": e.a, "data-to": e.b }, this.gLabels);
      s("rect", { class: "wb-edge-label-bg", x: b.x, y: b.y, width: b.width, height: b.height, rx: 2 }, lg);
      s("text", { class: "wb-edge-label", x: b.x + 2, y: b.y + b.height - 3 }, lg, e.label);
    }
  }

  drawLeaf(parent, leaf, box) {
    const g = s("g", { class: "wb-node", "data-key": leaf.key, "data-parent": leaf.parent || "", "data-role": leaf.role, transform: `translate(${box.x},${box.y})` }, parent);
    s("rect", { width: box.width, height: box.height, rx: 4 }, g);
    if (this.deferTexts) this.textless.push([g, leaf]);
    else this.drawTexts(g, leaf);
    if (leaf.type === "node") {
      const n = leaf.node;
      Object.assign(g.dataset, { id: n.id, kind: n.kind, phase: n.phase, primitive: n.primitive });
      g.addEventListener("pointerenter", (ev) => this.showTip(ev, nodeDetails(this.graph, n)));
    } else {
      const r = leaf.region;
      g.classList.add("wb-collapsed");
      Object.assign(g.dataset, { region: r.id, phase: r.phase, kind: r.kind });
      g.addEventListener("pointerenter", (ev) => this.showTip(ev, regionDetails(this.graph, r)));
      g.addEventListener("click", (ev) => {
        ev.stopPropagation();
        if (!this.dragged) this.toggle(r.id, true);
      });
    }
    g.addEventListener("pointerleave", () => this.hideTip());
  }

  /** The texts of the boxes drawn without them (render's level of detail). */
  drawAllTexts() {
    if (!this.textless || !this.textless.length) return;
    for (const [g, leaf] of this.textless) this.drawTexts(g, leaf);
    this.textless = [];
  }

  /** A box's texts: its label, the shape of its value, the line below. */
  drawTexts(g, leaf) {
    const text = s("text", { x: 8, y: 5 + 11 }, g, leaf.label);
    if (leaf.shape) s("tspan", { class: "wb-shape", dx: SHAPE_GAP }, text, leaf.shape);
    if (leaf.sub) s("text", { class: "wb-sub", x: 8, y: 5 + 14 + 10 }, g, leaf.sub);
  }

  // The viewport ----------------------------------------------------------------------------

  size() {
    if (this.sizeNow) return this.sizeNow; // while a drawing is being made (show)
    return { W: this.canvas.clientWidth || 900, H: this.canvas.clientHeight || 560 };
  }

  /** On the first drawing, the canvas takes the graph's height at scale 1, between 320 px and
   * 80% of the window (the user can then drag its corner, or go full screen). */
  sizeFrame(L) {
    if (this.frameSized) return;
    this.frameSized = true;
    const want = Math.round(L.bounds.height + 40);
    const most = Math.max(560, Math.round(0.8 * (window.innerHeight || 900)));
    this.frameEl.style.height = `${Math.max(320, Math.min(most, want))}px`;
  }

  updateLimits() {
    if (!this.layout) return;
    const { W, H } = this.size();
    this.limits = zoomLimits(this.layout.bounds, W, H);
  }

  setTransform(t) {
    this.transform = t;
    this.viewport.setAttribute("transform", `translate(${t.x.toFixed(2)},${t.y.toFixed(2)}) scale(${t.k.toFixed(4)})`);
    this.root.dataset.scale = t.k.toFixed(4);
    // The edges' shapes only where they are legible (at least 8 px high on the screen).
    const legible = edgeLabelsLegible(t.k);
    if (legible) this.drawLabels();
    if (t.k * NODE_FONT_PX >= TEXT_MIN_PX) this.drawAllTexts();
    this.viewport.classList.toggle("wb-labels-small", !legible);
  }

  fit(box) {
    if (!this.layout) return;
    const { W, H } = this.size();
    this.userMoved = false;
    this.setTransform(fitTransform(box || this.layout.bounds, W, H));
  }

  afterResize() {
    this.root.classList.toggle("wb-full", document.fullscreenElement === this.root);
    this.fullButton.classList.toggle("wb-active", document.fullscreenElement === this.root || this.root.classList.contains("wb-maximized"));
    this.updateLimits();
    if (this.layout && !this.userMoved) this.fit();
  }

  writeViewport() {
    this.saveTimer = null;
    const t = this.transform;
    this.model.set("viewport", { x: t.x, y: t.y, k: t.k, focus: this.focus });
    this.model.save_changes();
  }

  saveViewport() {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.writeViewport(), 250);
  }

  onViewport() {
    const saved = this.model.get("viewport") || {};
    const t = this.transform;
    if (typeof saved.k === "number" && saved.k > 0 && (saved.x !== t.x || saved.y !== t.y || saved.k !== t.k)) {
      this.setTransform({ x: saved.x || 0, y: saved.y || 0, k: saved.k });
    }
  }

  /** Pans (and zooms out if needed) so that `boxes` are all in view; false if none is drawn. */
  panTo(boxes, minScale = 0.8) {
    const box = union(boxes);
    const { W, H } = this.size();
    if (!box || !this.canvas.clientWidth) return false;
    this.userMoved = true;
    this.setTransform(centreOn(box, W, H, Math.max(this.transform.k, minScale), this.limits));
    return true;
  }

  // Regions, passes, full screen, export ----------------------------------------------------

  setExpanded(ids) {
    this.model.set("expanded", ids);
    this.model.save_changes();
  }

  toggle(rid, open) {
    const cur = new Set(this.model.get("expanded") || []);
    if (open) cur.add(rid);
    else cur.delete(rid);
    this.setExpanded([...cur]);
  }

  setMode(mode) {
    this.model.set("edges", mode);
    this.model.save_changes();
    this.applyMode();
    // Bring the pass asked for into view.
    if (!this.layout) return;
    if (mode === "both") {
      this.fit();
    } else {
      const boxes = [];
      for (const el of this.viewport.querySelectorAll(`.wb-node[data-phase="${mode}"], .wb-cluster[data-phase="${mode}"]`)) {
        const b = this.layout.boxes.get(el.dataset.key);
        if (b) boxes.push(b);
      }
      const box = union(boxes);
      if (box) this.fit(box);
    }
    this.saveViewport();
  }

  applyMode() {
    const mode = this.model.get("edges") || "both";
    this.root.dataset.edges = mode;
    this.viewport.dataset.edges = mode;
    for (const [k, b] of Object.entries(this.modeButtons)) b.classList.toggle("wb-active", k === mode);
  }

  toggleFullScreen() {
    const root = this.root;
    if (document.fullscreenElement === root) {
      document.exitFullscreen();
    } else if (root.classList.contains("wb-maximized")) {
      root.classList.remove("wb-maximized");
      this.afterResize();
    } else if (root.requestFullscreen && document.fullscreenEnabled) {
      root.requestFullscreen().catch(() => {
        root.classList.add("wb-maximized");
        this.afterResize();
      });
    } else {
      root.classList.add("wb-maximized");
      this.afterResize();
    }
  }

  /** `onPicture` gets the settled drawing as a picture, once the page is quiet (a second
   * later; a newer drawing meanwhile replaces it), and only when it changed. */
  schedulePicture() {
    if (!this.onPicture) return;
    clearTimeout(this.pictureTimer);
    this.pictureTimer = setTimeout(() => {
      if (!this.layout || !this.root.isConnected) return;
      this.drawAllTexts();
      const svg = pictureSvg({
        defs: this.canvas.querySelector("defs"),
        viewport: this.viewport,
        bounds: this.layout.bounds,
        legendNodes: LEGEND_NODES,
        legendEdges: LEGEND_EDGES,
        edges: this.model.get("edges") || "both",
      });
      if (svg === this.lastPicture) return;
      this.lastPicture = svg;
      this.root.dataset.pictures = String(Number(this.root.dataset.pictures || "0") + 1);
      this.onPicture(svg);
    }, PICTURE_MS);
  }

  /** The drawing as a standalone SVG document: the whole graph, with the styles it uses. */
  svgText() {
    const b = this.layout ? this.layout.bounds : { x: 0, y: 0, width: 100, height: 100 };
    const pad = 10;
    const out = s("svg", { xmlns: "http://www.w3.org/2000/svg", viewBox: `${b.x - pad} ${b.y - pad} ${b.width + 2 * pad} ${b.height + 2 * pad}`, width: b.width + 2 * pad, height: b.height + 2 * pad, class: "wb-graph-export" });
    const rules = [];
    for (const sheet of document.styleSheets) {
      let list;
      try {
        list = sheet.cssRules;
      } catch {
        continue; // another origin's style sheet
      }
      for (const rule of list) if (rule.cssText.includes(".wb-") || rule.cssText.includes("data-edges")) rules.push(rule.cssText);
    }
    s("style", {}, out, rules.join("\n"));
    out.appendChild(this.canvas.querySelector("defs").cloneNode(true));
    this.drawLabels();
    this.drawAllTexts();
    const content = this.viewport.cloneNode(true);
    content.removeAttribute("transform");
    content.classList.remove("wb-labels-small"); // the file shows every edge's shape
    out.appendChild(content);
    return new XMLSerializer().serializeToString(out);
  }

  exportSvg() {
    const blob = new Blob([this.svgText()], { type: "image/svg+xml" });
    const a = h("a", null, this.root);
    a.href = URL.createObjectURL(blob);
    a.download = `${(this.graph.title || "graph").replace(/[^\w.-]+/g, "_")}.svg`;
    a.click();
    setTimeout(() => {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 1000);
  }

  // Search ----------------------------------------------------------------------------------

  applySearch() {
    const query = this.model.get("search") || "";
    if (this.searchInput.value !== query) this.searchInput.value = query;
    if (!this.visible) return;
    const found = searchMatches(this.graph, this.visible, query);
    const items = [...found.nodes.map((i) => ({ node: i, order: i })), ...found.regions.map((id) => ({ region: id, order: this.graph.regions.get(id).first }))];
    items.sort((a, b) => a.order - b.order);
    const same = JSON.stringify(items) === JSON.stringify(this.search.items);
    this.search = { items, current: same ? this.search.current : -1, query };
    const hit = new Set(found.keys);
    for (const g of this.viewport.querySelectorAll(".wb-node, .wb-cluster")) g.classList.toggle("wb-match", hit.has(g.dataset.key));
    this.markCurrent();
    this.root.dataset.matches = String(found.count);
  }

  markCurrent() {
    const { items, current } = this.search;
    const key = current >= 0 ? this.keyOfItem(items[current]) : null;
    for (const g of this.viewport.querySelectorAll(".wb-current")) g.classList.remove("wb-current");
    if (key) {
      const el = this.viewport.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (el) el.classList.add("wb-current");
    }
    const n = items.length;
    this.matchesEl.textContent = !this.search.query ? "" : n === 0 ? "no match" : current >= 0 ? `${current + 1} of ${n}` : `${n} match${n === 1 ? "" : "es"}`;
    this.prevButton.disabled = this.nextButton.disabled = n === 0;
    this.root.dataset.current = current >= 0 ? `${current + 1}/${n}` : "";
    this.root.dataset.currentKey = key || "";
  }

  keyOfItem(item) {
    if (!item || !this.visible) return null;
    if (item.node !== undefined) return this.visible.keyOf[item.node];
    return this.visible.clusters.has("c:" + item.region) ? "c:" + item.region : this.visible.keyOf[this.graph.regions.get(item.region).first];
  }

  /** Goes to the next (+1) or previous (-1) match: opens the regions that hide it, pans to it. */
  step(delta) {
    const { items } = this.search;
    if (!items.length) return;
    const current = (this.search.current + delta + items.length) % items.length;
    this.search.current = current;
    const item = items[current];
    const ids = item.node !== undefined ? [this.graph.nodes[item.node].id] : [item.region];
    const open = highlightTargets(this.graph, ids).open;
    const expanded = new Set(this.model.get("expanded") || []);
    const missing = [...open].filter((r) => !expanded.has(r));
    const go = () => {
      this.markCurrent();
      const key = this.keyOfItem(item);
      const box = key && this.layout.boxes.get(key);
      if (box && this.panTo([box])) this.saveViewport();
    };
    if (missing.length) {
      this.pending = go;
      this.setExpanded([...expanded, ...missing]);
    } else {
      go();
    }
  }

  // Highlight -------------------------------------------------------------------------------

  applyHighlight() {
    const T = highlightTargets(this.graph, this.model.get("highlight"));
    const keys = new Set();
    for (const i of T.nodes) keys.add(this.visible.keyOf[i]);
    for (const r of T.regions) keys.add("r:" + r);
    let count = 0;
    for (const g of this.viewport.querySelectorAll(".wb-node")) {
      const on = keys.has(g.dataset.key);
      g.classList.toggle("wb-highlight", on);
      if (on) g.dataset.highlight = "true";
      else delete g.dataset.highlight;
      count += on ? 1 : 0;
    }
    for (const g of this.viewport.querySelectorAll(".wb-cluster")) {
      const on = T.regions.has(g.dataset.region);
      g.classList.toggle("wb-highlight", on);
      if (on) g.dataset.highlight = "true";
      else delete g.dataset.highlight;
      count += on ? 1 : 0;
    }
    this.root.dataset.highlighted = String(count);
    return { T, keys };
  }

  /** Marks where a non-finite value is made and its way to the outputs (the `marks` trait). */
  applyMarks() {
    const marks = this.model.get("marks") || {};
    const M = nanMarks(this.graph, this.visible, marks);
    let count = 0;
    for (const g of this.viewport.querySelectorAll(".wb-node, .wb-cluster")) {
      const k = g.dataset.key;
      const on = M.boxes.has(k) || k === M.origin || k === M.source;
      g.classList.toggle("wb-nan-path", on);
      g.classList.toggle("wb-nan-origin", k === M.origin);
      g.classList.toggle("wb-nan-source", k === M.source && k !== M.origin);
      count += on ? 1 : 0;
    }
    for (const g of this.viewport.querySelectorAll(".wb-edge-group[data-edge]")) {
      g.classList.toggle("wb-nan-edge", M.edges.has(g.dataset.edge));
      g.classList.toggle("wb-nan-residual", M.residual.has(g.dataset.edge));
    }
    this.nanLegend.hidden = !marks.origin;
    this.root.dataset.nanMarked = String(count);
    this.root.dataset.nanEdges = String(M.edges.size);
    this.root.dataset.nanResidual = String(M.residual.size);
  }

  focusHighlight() {
    const ids = this.model.get("highlight") || [];
    this.focus = JSON.stringify(ids);
    if (!ids.length) {
      this.applyHighlight();
      return;
    }
    const T = highlightTargets(this.graph, ids);
    const cur = new Set(this.model.get("expanded") || []);
    const missing = [...T.open].filter((r) => !cur.has(r));
    if (missing.length) {
      this.pending = () => this.panToHighlight();
      this.setExpanded([...cur, ...missing]);
      return;
    }
    this.panToHighlight();
  }

  panToHighlight() {
    const { T, keys } = this.applyHighlight();
    const boxes = [...keys].map((k) => this.layout.boxes.get(k));
    for (const r of T.regions) boxes.push(this.layout.boxes.get("c:" + r));
    if (this.panTo(boxes, 0.6)) {
      clearTimeout(this.saveTimer);
      this.writeViewport();
    } else {
      this.focus = ""; // not shown yet: pan when the view is drawn in the page
    }
  }

  // Tooltip ---------------------------------------------------------------------------------

  showTip(ev, lines) {
    if (this.dragged) return;
    const tip = this.tooltip;
    tip.textContent = lines.filter((x) => x).join("\n");
    tip.style.display = "block";
    const box = this.frameEl.getBoundingClientRect();
    const x = ev.clientX - box.left + 14;
    const y = ev.clientY - box.top + 14;
    tip.style.left = `${Math.min(x, Math.max(0, box.width - tip.offsetWidth - 4))}px`;
    tip.style.top = `${y + tip.offsetHeight > box.height ? Math.max(0, ev.clientY - box.top - tip.offsetHeight - 8) : y}px`;
  }

  hideTip() {
    this.tooltip.style.display = "none";
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    clearTimeout(this.pictureTimer);
    this.generation += 1;
    if (this.saveTimer !== null) {
      clearTimeout(this.saveTimer);
      this.writeViewport(); // a pan or zoom of the last 250 ms is kept for the next view
    }
    for (const [name, fn] of this.handlers) this.model.off(name, fn);
    document.removeEventListener("fullscreenchange", this.onFullScreen);
    if (this.resizer) this.resizer.disconnect();
    this.root.remove();
  }
}

