// The graph viewer's drawing of a layout (layout.js) in SVG: regions, edges, boxes, the shapes
// on the edges, and the text measure the layout sizes boxes with. Everything the user wrote
// reaches the page through SVG text nodes only.
import { s } from "../common/dom.js";
import { SHAPE_GAP, estimateWidth, headerKey, placeEdgeLabels } from "./layout.js";
import { nodeDetails, regionDetails } from "./model.js";
import { roundedPath } from "./viewport.js";

const EDGE_WORDS = { f: "forward", b: "backward", r: "residual (kept for the backward pass)" };

/** Text widths in the fonts the style sheet gives each kind of text, measured once each. */
export class TextMeasure {
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

/** GraphView's methods that draw a layout (view.js copies them onto its prototype). */
export class Drawing {
  render(V, L, { texts = true, hover = true } = {}) {
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
    // The selected edge stays selected while it is drawn between the same ends: a redraw of
    // the same view between two clicks on it made the second select it again.
    const sel = this.selected;
    this.markSelected(sel && V.edges.some((e) => e.id === sel.id && e.a === sel.a && e.b === sel.b) ? sel : null);
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
      if (this.selected && this.selected.id === e.id) lg.classList.add("wb-selected");
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
      if (this.onPick) {
        g.classList.add("wb-pickable");
        g.addEventListener("click", (ev) => {
          ev.stopPropagation();
          if (this.dragged) return;
          this.picked = JSON.stringify([n.id]);
          this.onPick([n.id]);
        });
      }
    } else {
      const r = leaf.region;
      g.classList.add("wb-collapsed");
      Object.assign(g.dataset, { region: r.id, phase: r.phase, kind: r.kind });
      g.addEventListener("pointerenter", (ev) => {
        this.showTip(ev, regionDetails(this.graph, r));
        this.prepareSoon(r.id); // laid out while the pointer rests on it (view.js)
      });
      g.addEventListener("pointerleave", () => this.prepareSoon(null));
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
}
