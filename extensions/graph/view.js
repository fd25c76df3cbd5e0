// The graph viewer's view: GraphView, its state and its drawing cycle (draw, show), pan and zoom,
// regions, passes and full screen. Its other methods are written by job in modules of their own
// and copied onto its prototype below: toolbar.js (toolbar and legend), drawing.js (the SVG of a
// layout), interaction.js (pointer, selection, search, highlight, tooltip), export.js (the
// static picture and the SVG file). Its state lives in the widget's synced traits
// (graph_widget.py, GraphTraits), so a new view of the same model draws the same thing.
//
// Everything the user wrote (scope names, argument names, source lines) reaches the page through
// textContent or SVG text nodes only: these modules never parse user text as HTML.
import { formatProblem } from "./format.js";
import { labelMarked } from "./marks.js";
import { QUICK_LAYOUT_BOXES, layeredLayout, layout, sizes } from "./layout.js";
import { prepare } from "./model.js";
import { visibleGraph } from "./visible.js";
import { centreOn, edgeLabelsLegible, fitTransform, union, zoomLimits } from "./viewport.js";
import { Drawing } from "./drawing.js";
import { Exporting } from "./export.js";
import { Interaction } from "./interaction.js";
import { Toolbar } from "./toolbar.js";

// How long a large view waits for ELK before it is drawn with the quick layout first.
const QUICK_MS = 40;
// The boxes' text size (graph.css, .wb-node text) at scale 1, and the height below which the
// quick drawing leaves texts out (they would be specks).
const NODE_FONT_PX = 11;
const TEXT_MIN_PX = 4;
// Views prepared ahead (prepareOpening): how long after a drawing settles, for how many of its
// folded boxes, the most kept, and the largest view prepared (more boxes: ELK takes long).
const PREPARE_AFTER_MS = 200;
const PREPARE_FOLDED = 3;
const PREPARED_MAX = 8;
const HOVER_MS = 120;

let viewCount = 0;

/**
 * Draws the graph viewer for `model` into `el`; returns a function that removes it. With
 * `onPicture`, each settled drawing is also given to it, a moment later, as a standalone SVG
 * (snapshot.js): the picture that pages without widgets show. With `onPick`, a click on a node's
 * box gives it the node's ids (the inspector shows the IR lines that compute it) and highlights
 * the node where it is, without panning.
 * @param {{model: *, el: HTMLElement, engine: function(): Promise<*>,
 *   onPicture?: function(string): void, onPick?: function(string[]): void}} options
 */
export function mountGraph({ model, el, engine, onPicture, onPick }) {
  const view = new GraphView(model, el, engine);
  view.onPicture = onPicture || null;
  view.onPick = onPick || null;
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
    this.selected = null; // the selected edge (interaction.js, selectEdge)
    this.picked = ""; // the ids of the node last picked (onPick), as JSON
    this.focus = (model.get("viewport") || {}).focus || "";
    this.handlers = [];
    this.prepared = new Map(); // sorted open regions (JSON) -> {V, L}: views laid out ahead
    this.build(el);
    this.root.dataset.createdAt = String(Math.round(performance.now()));
    this.listen();
    this.frame = requestAnimationFrame(() => this.firstDraw());
  }

  // Model events ----------------------------------------------------------------------------

  on(name, fn) {
    this.model.on(name, fn);
    this.handlers.push([name, fn]);
  }

  listen() {
    this.on("change:graph", () => {
      this.graph = prepare(this.model.get("graph") || {});
      this.forgetPrepared();
      this.draw();
    });
    this.on("change:expanded", () => this.draw());
    this.on("change:_layout", () => this.draw()); // ELK arrived (graph_widget.py, live_bundle)
    this.on("change:search", () => this.applySearch());
    this.on("change:edges", () => this.applyMode());
    this.on("change:viewport", () => this.onViewport());
    this.on("change:highlight", () => {
      if (!this.visible) return;
      const ids = JSON.stringify(this.model.get("highlight") || []);
      if (ids === this.picked) {
        // Picked here (onPick): the node is in view already; mark it, keep the viewport.
        this.focus = ids;
        this.picked = "";
        this.applyHighlight();
      } else this.focusHighlight();
    });
    this.on("change:marks", () => {
      this.forgetPrepared(); // the marked boxes' labels change their size
      this.draw();
    });
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
    const expanded = new Set(this.model.get("expanded") || []);
    if (!this.aheadOn()) this.forgetPrepared();
    const ready = this.prepared.get(openKey(expanded));
    if (ready && this.elk) {
      this.show(ready.V, ready.L, t0, true); // laid out ahead (prepareOpening)
      this.root.dataset.drawnAhead = String(Number(this.root.dataset.drawnAhead || "0") + 1);
      return;
    }
    const V = this.visibleView(expanded);
    const measure = (text, kind) => this.measure.width(text, kind);
    this.frameEl.classList.add("wb-busy");
    try {
      // Once the engine is known, the layout is asked for at once, in the event that asked for
      // the drawing (a click): the worker lays out while the page does the rest of the event.
      const ref = this.model.get("_layout");
      let elk = this.elkRef === ref ? this.elk : null;
      if (!elk) {
        elk = await this.engine();
        if (generation !== this.generation) return;
        if (elk) [this.elk, this.elkRef] = [elk, ref];
      }
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
    if (settled) {
      this.schedulePicture();
      clearTimeout(this.prepareTimer);
    clearTimeout(this.hoverTimer);
      this.prepareTimer = setTimeout(() => this.prepareFolded(), PREPARE_AFTER_MS);
    }
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
  forgetPrepared() {
    this.prepared.clear();
    delete this.root.dataset.preparedRegions;
  }

  /** The view of the regions `expanded` open, the NaN marks' words in their boxes. */
  visibleView(expanded) {
    const V = visibleGraph(this.graph, expanded);
    labelMarked(this.graph, V, this.model.get("marks") || {});
    return V;
  }

  /**
   * Lays out, ahead, the view that opening region `rid` draws (in ELK's worker, while the user
   * reads or points at its box), so that the click draws it at once. Only while ELK is here
   * and for views ELK lays out whole; kept until the graph or its marks change.
   */
  async prepareOpening(rid) {
    // One at a time, so that the worker is never queued up with layouts a click would wait for.
    while (this.preparing) await this.preparing;
    const elk = this.elk;
    if (!elk || !this.aheadOn() || !this.visible || this.visible.leaves.size > QUICK_LAYOUT_BOXES) return;
    const expanded = new Set(this.model.get("expanded") || []);
    expanded.add(rid);
    const key = openKey(expanded);
    if (this.prepared.has(key)) return;
    const graph = this.graph;
    const marks = this.model.get("marks");
    this.prepared.set(key, null); // asked for
    const work = (async () => {
      try {
        const V = this.visibleView(expanded);
        if (V.leaves.size > QUICK_LAYOUT_BOXES) throw new Error("too large to prepare");
        const L = await layout(V, elk, (text, kind) => this.measure.width(text, kind), { edgeLabels: false });
        if (graph !== this.graph || marks !== this.model.get("marks") || L.engine !== "elk") throw new Error("stale");
        this.prepared.set(key, { V, L });
        while (this.prepared.size > PREPARED_MAX) this.prepared.delete(this.prepared.keys().next().value);
        // What was laid out ahead, for tests and benchmarks: how many, and the last regions.
        const d = this.root.dataset;
        d.prepared = String(Number(d.prepared || "0") + 1);
        d.preparedRegions = [...(d.preparedRegions || "").split(" ").filter(Boolean), rid].slice(-PREPARED_MAX).join(" ");
      } catch {
        if (this.prepared.get(key) === null) this.prepared.delete(key);
      }
    })();
    this.preparing = work;
    await work;
    if (this.preparing === work) this.preparing = null;
  }

  /** Prepares the opening of region `rid` once the pointer has rested on its box a moment. */
  prepareSoon(rid) {
    clearTimeout(this.hoverTimer);
    this.hoverTimer = rid === null ? null : setTimeout(() => this.prepareOpening(rid), HOVER_MS);
  }

  /** Whether views are laid out ahead: a page can turn it off with the root's
   * `data-prepare-ahead="off"` (bench_graph_viewer.py times a click without it). */
  aheadOn() {
    return this.root.dataset.prepareAhead !== "off";
  }

  /** Prepares the opening of the first few folded boxes (xN) of the view drawn, one by one. */
  async prepareFolded() {
    if (!this.visible || !this.root.isConnected) return;
    const generation = this.generation;
    const folded = [...this.visible.leaves.values()].filter((l) => l.type === "region" && l.repeat > 1).slice(0, PREPARE_FOLDED);
    for (const leaf of folded) {
      if (generation !== this.generation) return; // drawn again meanwhile: prepared from there
      await this.prepareOpening(leaf.region.id);
    }
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

  // Regions, passes, full screen -----------------------------------------------------------

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

  destroy() {
    cancelAnimationFrame(this.frame);
    clearTimeout(this.pictureTimer);
    clearTimeout(this.prepareTimer);
    clearTimeout(this.hoverTimer);
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

/** The key of a set of open regions, whatever their order. */
function openKey(expanded) {
  return JSON.stringify([...expanded].sort());
}

// One class, its methods in several modules: copied, not inherited, so a name defined twice is
// an error here rather than one part silently hiding another.
for (const part of [Toolbar, Drawing, Interaction, Exporting]) {
  for (const name of Object.getOwnPropertyNames(part.prototype)) {
    if (name === "constructor") continue;
    if (Object.prototype.hasOwnProperty.call(GraphView.prototype, name)) throw new Error(`GraphView.${name} is defined twice`);
    Object.defineProperty(GraphView.prototype, name, Object.getOwnPropertyDescriptor(part.prototype, name));
  }
}
