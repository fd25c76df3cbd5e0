// What the user does with the graph viewer's drawing: pan and zoom with the pointer and keys,
// select an edge, search, the highlight and the NaN marks, the tooltip.
import { highlightTargets, searchMatches } from "./model.js";
import { nanMarks } from "./marks.js";
import { zoomAt } from "./viewport.js";

/** GraphView's methods for the user's actions (view.js copies them onto its prototype). */
export class Interaction {
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

  /** A click on an edge (a residual, say) selects it: drawn thick with its two ends, and said
   * in the status line; a second click, or one on another edge, changes the selection. */
  selectEdge(e, words) {
    const again = this.selected && this.selected.id === e.id;
    this.markSelected(again ? null : { id: e.id, a: e.a, b: e.b, words });
  }

  /** Draws the selection `sel` ({id, a, b, words} of an edge), or none. */
  markSelected(sel) {
    this.selected = sel;
    for (const el of this.viewport.querySelectorAll(".wb-selected")) el.classList.remove("wb-selected");
    this.root.dataset.selectedEdge = sel ? sel.id : "";
    if (sel) {
      for (const el of this.viewport.querySelectorAll(`.wb-edge-group[data-edge="${CSS.escape(sel.id)}"]`)) el.classList.add("wb-selected");
      for (const key of [sel.a, sel.b]) {
        const end = this.viewport.querySelector(`[data-key="${CSS.escape(key)}"]`);
        if (end) end.classList.add("wb-selected");
      }
    }
    this.selectionEl.textContent = sel ? sel.words : "";
    this.selectionEl.hidden = !sel;
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
    if (item.node !== undefined) return this.visible.keyOf(item.node);
    return this.visible.clusters.has("c:" + item.region) ? "c:" + item.region : this.visible.keyOf(this.graph.regions.get(item.region).first);
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
    for (const i of T.nodes) keys.add(this.visible.keyOf(i));
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
}
