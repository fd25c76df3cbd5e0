// The graph viewer's toolbar and legend: the DOM that GraphView (view.js) builds once, with the
// elements the other parts of the view use (search box, buttons, status line, canvas).
import { h, s } from "../common/dom.js";
import { TextMeasure } from "./drawing.js";
import { openableRegions } from "./model.js";

export const LEGEND_NODES = [
  ["forward", "forward op"],
  ["backward", "backward op"],
  ["recompute", "recomputed op (remat)"],
  ["io", "argument / result"],
  ["region", "closed region (click)"],
  ["loop", "loop"],
];
export const LEGEND_EDGES = [
  ["f", "forward value"],
  ["b", "backward value"],
  ["r", "residual"],
];
const MODES = [
  ["both", "both passes"],
  ["forward", "forward only"],
  ["backward", "backward only"],
];

/** GraphView's methods that build its DOM (view.js copies them onto its prototype). */
export class Toolbar {
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
}
