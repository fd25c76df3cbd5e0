// The graph viewer: the introspection graph model drawn as SVG, laid out in the browser.
// Everything the user wrote (scope names, argument names, source lines) reaches the page through
// textContent or SVG text nodes only: this module never parses user text as HTML.
//
// Model traits (see workbench/_src/notebook/graph_widget.py):
//   graph     {title, summary, strings, nodes: [[id, kind, primitive, name, phase, region, inputs,
//              outputs, source, name_stack, residual_bytes]], regions: [[id, kind, label, parent,
//              phase, source, residual_bytes]], edges: [[source index, target index,
//              "f"|"b"|"r", aval]]}; kind, name, phase, source, name_stack and the aval texts
//              (inputs, outputs, aval) are indices into strings, region and parent are indices
//              into regions (parent null for the program)
//   expanded  ids of the regions drawn open (the program itself is always open)
//   viewport  {x, y, k}: pan and zoom ({} fits the graph)
//   edges     "both" | "forward" | "backward" (backward shows the residual edges too)
//   search    highlights nodes (and the collapsed regions holding them) whose name contains it
//   highlight ids of nodes or regions drawn distinctly; when it changes (or when a view opens
//             with a highlight it has not shown yet) the regions holding them open and the
//             viewport pans to them. viewport.focus records the highlight last panned to.
//
// The inspector's graph tab calls this module's `render` with its own model, which has the same
// traits (workbench/_src/notebook/inspector.py).
import dagre from "@dagrejs/dagre";
import { formatBytes, h, s } from "../common/dom.js";

const DAGRE_LIMIT = 400; // boxes + edge dummies above this: a linear-time layered layout instead
const NODE_H = 30;
const COLORS = { f: "#1f77b4", b: "#d62728", r: "#ff7f0e" };

const STYLE = `
.wb-graph { font-family: var(--jp-ui-font-family, sans-serif); font-size: 12px; position: relative;
  border: 1px solid #d0d7de; border-radius: 6px; margin: 4px 0; background: #fff; color: #1f2328; }
.wb-graph .wb-toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center;
  padding: 4px 8px; border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
.wb-graph .wb-toolbar button { font: inherit; padding: 2px 8px; border: 1px solid #d0d7de;
  background: #fff; border-radius: 4px; cursor: pointer; }
.wb-graph .wb-toolbar button.wb-active { background: #ddf4ff; border-color: #54aeff; font-weight: 600; }
.wb-graph .wb-toolbar input { font: inherit; padding: 2px 6px; width: 14em; }
.wb-graph .wb-title { font-weight: 600; }
.wb-graph .wb-status { color: #57606a; margin-left: auto; }
.wb-graph svg.wb-canvas { display: block; width: 100%; height: 560px; cursor: grab; user-select: none; }
.wb-graph svg.wb-canvas.wb-dragging { cursor: grabbing; }
.wb-graph .wb-node rect { fill: #fff; stroke: #8c959f; rx: 4; }
.wb-graph .wb-node[data-phase="forward"] rect { fill: #eef6fc; }
.wb-graph .wb-node[data-phase="backward"] rect { fill: #fdf0f0; }
.wb-graph .wb-node[data-kind="argument"] rect, .wb-graph .wb-node[data-kind="result"] rect { fill: #f3f0ff; }
.wb-graph .wb-node.wb-collapsed rect { fill: #fff8c5; stroke: #9a6700; stroke-width: 1.5; cursor: pointer; }
.wb-graph .wb-node.wb-collapsed[data-phase="forward"] rect { stroke: #0969da; }
.wb-graph .wb-node.wb-collapsed[data-phase="backward"] rect { stroke: #cf222e; }
.wb-graph .wb-node.wb-match rect { stroke: #bf3989; stroke-width: 3; }
.wb-graph .wb-node.wb-highlight rect { fill: #ffe8a3; stroke: #e36209; stroke-width: 3.5; }
.wb-graph .wb-cluster.wb-highlight > rect.wb-box { fill: rgba(255, 232, 163, 0.35); stroke: #e36209; stroke-width: 3; stroke-dasharray: none; }
.wb-graph .wb-node text { font-size: 11px; fill: #1f2328; pointer-events: none; }
.wb-graph .wb-node text.wb-bytes { font-size: 9px; fill: #9a6700; }
.wb-graph .wb-cluster > rect.wb-box { fill: rgba(175, 184, 193, 0.08); stroke: #afb8c1; stroke-dasharray: 4 2; }
.wb-graph .wb-cluster.wb-match > rect.wb-box { stroke: #bf3989; stroke-width: 2; }
.wb-graph .wb-cluster rect.wb-head { fill: #eaeef2; cursor: pointer; }
.wb-graph .wb-cluster text { font-size: 10px; fill: #57606a; pointer-events: none; }
.wb-graph .wb-edge { fill: none; stroke-width: 1.3; }
.wb-graph .wb-edge.wb-e-r { stroke-dasharray: 5 3; }
.wb-graph[data-edges="forward"] .wb-edge:not(.wb-e-f) { display: none; }
.wb-graph[data-edges="backward"] .wb-edge.wb-e-f { display: none; }
.wb-graph[data-edges="forward"] .wb-node[data-phase="backward"] { opacity: 0.3; }
.wb-graph[data-edges="backward"] .wb-node[data-phase="forward"] { opacity: 0.3; }
.wb-graph .wb-legend span { margin-right: 8px; }
.wb-graph .wb-tooltip { position: absolute; pointer-events: none; background: #fff; border: 1px solid #8c959f;
  border-radius: 4px; padding: 4px 8px; box-shadow: 0 2px 6px rgba(0,0,0,.15); font-size: 11px;
  max-width: 520px; white-space: pre-wrap; font-family: var(--jp-code-font-family, monospace); display: none; z-index: 10; }
`;




// The graph model, indexed: nodes, regions (with their descendant op counts) and edges. The rows
// hold indices into data.strings for their repeated strings, and region indices for a node's
// region and a region's parent (graph_widget.graph_data); decoded here, once.
export function prepare(data) {
  const S = data.strings || [];
  const str = (i) => (typeof i === "number" ? S[i] ?? "" : i ?? "");
  const rows = data.regions || [];
  const regionId = (i) => (typeof i === "number" ? (rows[i] ? rows[i][0] : null) : i ?? null);
  const nodes = (data.nodes || []).map((r, i) => ({
    index: i,
    id: r[0],
    kind: str(r[1]),
    primitive: r[2],
    name: str(r[3]),
    phase: str(r[4]),
    region: regionId(r[5]),
    inputs: (r[6] || []).map(str),
    outputs: (r[7] || []).map(str),
    source: str(r[8]),
    stack: str(r[9]),
    bytes: r[10],
  }));
  const regions = new Map();
  let root = null;
  for (const r of rows) {
    const reg = { id: r[0], kind: str(r[1]), label: r[2], parent: regionId(r[3]), phase: str(r[4]), source: str(r[5]), bytes: r[6], count: 0, first: Infinity };
    regions.set(reg.id, reg);
    if (reg.parent === null && root === null) root = reg.id;
  }
  for (const n of nodes) {
    let rid = n.region;
    while (rid !== null && rid !== undefined) {
      const reg = regions.get(rid);
      if (!reg) break;
      reg.count += 1;
      if (n.index < reg.first) reg.first = n.index;
      rid = reg.parent;
    }
  }
  const edges = (data.edges || []).map((e) => ({ s: e[0], t: e[1], k: e[2], aval: str(e[3]) }));
  return { nodes, regions, edges, root };
}

function label(n) {
  if (n.kind === "op") return n.primitive;
  if (n.kind === "constant") return "const";
  return n.name ? `${n.kind === "argument" ? "arg" : "out"} ${n.name}` : n.kind;
}

function textWidth(t) {
  return Math.max(44, Math.min(260, 7 * t.length + 16));
}

// What is drawn for a set of open regions: leaves (nodes and collapsed regions), clusters (open
// regions) and the edges between leaves, merged where a collapsed region swallows their ends.
export function visibleGraph(G, expanded) {
  const memo = new Map();
  const rep = (rid) => {
    if (memo.has(rid)) return memo.get(rid);
    const r = G.regions.get(rid);
    let out = null;
    if (r && r.parent !== null && r.parent !== undefined) {
      const up = rep(r.parent);
      out = up !== null ? up : expanded.has(rid) ? null : rid;
    }
    memo.set(rid, out);
    return out;
  };
  const clusterOf = (rid) => (rid === G.root || rid === null || rid === undefined ? null : "c:" + rid);
  const leaves = new Map();
  const keyOf = new Array(G.nodes.length);
  for (const n of G.nodes) {
    const r = rep(n.region);
    let key;
    if (r === null) {
      key = "n:" + n.index;
      const lab = label(n);
      leaves.set(key, { key, type: "node", node: n, parent: clusterOf(n.region), order: n.index, label: lab, width: textWidth(lab) });
    } else {
      key = "r:" + r;
      if (!leaves.has(key)) {
        const reg = G.regions.get(r);
        const lab = `\u25B8 ${reg.label} (${reg.count})`;
        leaves.set(key, { key, type: "region", region: reg, parent: clusterOf(reg.parent), order: reg.first, label: lab, width: textWidth(lab) });
      }
    }
    keyOf[n.index] = key;
  }
  const clusters = new Map();
  for (const leaf of leaves.values()) {
    let c = leaf.parent;
    while (c !== null && !clusters.has(c)) {
      const reg = G.regions.get(c.slice(2));
      clusters.set(c, { key: c, region: reg, parent: clusterOf(reg.parent) });
      c = clusterOf(reg.parent);
    }
  }
  const merged = new Map();
  for (const e of G.edges) {
    const a = keyOf[e.s];
    const b = keyOf[e.t];
    if (a === undefined || b === undefined || a === b) continue;
    const id = `${a}|${b}|${e.k}`;
    const m = merged.get(id);
    if (m) m.count += 1;
    else merged.set(id, { a, b, k: e.k, count: 1 });
  }
  return { leaves, clusters, edges: [...merged.values()], keyOf };
}

function layoutDagre(V) {
  const g = new dagre.graphlib.Graph({ compound: true });
  g.setGraph({ rankdir: "TB", nodesep: 14, ranksep: 26, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const c of V.clusters.values()) g.setNode(c.key, { paddingTop: 18 });
  for (const c of V.clusters.values()) if (c.parent) g.setParent(c.key, c.parent);
  for (const l of V.leaves.values()) {
    g.setNode(l.key, { width: l.width, height: NODE_H });
    if (l.parent) g.setParent(l.key, l.parent);
  }
  for (const e of V.edges) g.setEdge(e.a, e.b);
  dagre.layout(g);
  const pos = new Map();
  for (const l of V.leaves.values()) pos.set(l.key, g.node(l.key));
  for (const c of V.clusters.values()) pos.set(c.key, g.node(c.key));
  const paths = new Map();
  for (const e of g.edges()) paths.set(`${e.v}|${e.w}`, g.edge(e).points);
  return { pos, paths, engine: "dagre" };
}

// Longest-path ranks along program order (edges that run backwards through a collapsed region
// are ignored): the rank of every leaf, the predecessors kept, and the leaves by rank.
function rankLeaves(V) {
  const leaves = [...V.leaves.values()].sort((x, y) => x.order - y.order);
  const rank = new Map();
  const preds = new Map();
  for (const e of V.edges) {
    const la = V.leaves.get(e.a);
    const lb = V.leaves.get(e.b);
    if (la.order >= lb.order) continue;
    if (!preds.has(e.b)) preds.set(e.b, []);
    preds.get(e.b).push(e.a);
  }
  const ranks = [];
  for (const l of leaves) {
    let r = 0;
    for (const p of preds.get(l.key) || []) r = Math.max(r, (rank.get(p) ?? 0) + 1);
    rank.set(l.key, r);
    (ranks[r] = ranks[r] || []).push(l);
  }
  return { leaves, rank, preds, ranks };
}

// Linear-time layered layout for very large views: ranks by longest path along program order,
// one barycentre pass for the order within a rank, clusters as the boxes around their leaves,
// and long edges routed around the boxes (routeLongEdges).
function layoutFast(V, R) {
  const { leaves, preds, ranks, rank } = R;
  const pos = new Map();
  const gapX = 14;
  const gapY = 26;
  ranks.forEach((row, r) => {
    if (r > 0) {
      const bary = (l) => {
        const ps = preds.get(l.key) || [];
        if (!ps.length) return Infinity;
        return ps.reduce((acc, p) => acc + pos.get(p).x, 0) / ps.length;
      };
      row = row.map((l) => [bary(l), l]).sort((x, y) => x[0] - y[0]).map((x) => x[1]);
    }
    let x = 12;
    for (const l of row) {
      pos.set(l.key, { x: x + l.width / 2, y: 12 + r * (NODE_H + gapY) + NODE_H / 2, width: l.width, height: NODE_H });
      x += l.width + gapX;
    }
  });
  // Clusters: the box around their leaves and inner clusters, innermost first.
  const depth = (c) => {
    let d = 0;
    for (let p = c.parent; p; p = V.clusters.get(p).parent) d += 1;
    return d;
  };
  const boxes = new Map();
  const grow = (key, b) => {
    const cur = boxes.get(key);
    if (!cur) boxes.set(key, { ...b });
    else {
      cur.x0 = Math.min(cur.x0, b.x0);
      cur.y0 = Math.min(cur.y0, b.y0);
      cur.x1 = Math.max(cur.x1, b.x1);
      cur.y1 = Math.max(cur.y1, b.y1);
    }
  };
  for (const l of leaves) {
    const p = pos.get(l.key);
    if (l.parent) grow(l.parent, { x0: p.x - p.width / 2, y0: p.y - NODE_H / 2, x1: p.x + p.width / 2, y1: p.y + NODE_H / 2 });
  }
  const cs = [...V.clusters.values()].sort((a, b) => depth(b) - depth(a));
  for (const c of cs) {
    const b = boxes.get(c.key) || { x0: 0, y0: 0, x1: 40, y1: 20 };
    const padded = { x0: b.x0 - 6, y0: b.y0 - 18, x1: b.x1 + 6, y1: b.y1 + 6 };
    pos.set(c.key, { x: (padded.x0 + padded.x1) / 2, y: (padded.y0 + padded.y1) / 2, width: padded.x1 - padded.x0, height: padded.y1 - padded.y0 });
    if (c.parent) grow(c.parent, padded);
  }
  const depthMax = cs.length ? depth(cs[0]) + 1 : 0;
  const { paths, minX } = routeLongEdges(V, rank, pos, 12 - 6 * depthMax, gapY);
  return { pos, paths, engine: "layered", minX };
}

// The layered layout's edges that do not join adjacent ranks (a residual edge from early in the
// forward pass to late in the backward pass spans nearly all of them) would cut straight through
// the boxes in between. One bend point per crossed rank costs the sum of the spans, which grows
// quadratically (2.7 million points for 5,000 equations expanded): instead each such edge leaves
// its source into the gap below it, runs along that gap to a lane left of every box, down (or
// up) the lane to the gap above its target, and into the target: six points, whatever the span.
// Every rank starts at the same x, so the left margin is free at every rank, and the horizontal
// legs run in the gaps between ranks: no box is crossed. The lane's distance from the boxes grows
// with log2 of the span, so nested spans (the residuals of a loop) stack without crossing.
// `left` is the left edge of the outermost cluster box.
function routeLongEdges(V, rank, pos, left, gapY) {
  const paths = new Map();
  let minX = Infinity;
  for (const e of V.edges) {
    const d = rank.get(e.b) - rank.get(e.a);
    if (d === 1) continue;
    const a = pos.get(e.a);
    const b = pos.get(e.b);
    const lane = left - 10 - 5 * Math.log2(Math.abs(d) + 1);
    const ya = a.y + a.height / 2;
    const yb = b.y - b.height / 2;
    paths.set(`${e.a}|${e.b}`, [
      { x: a.x, y: ya },
      { x: a.x, y: ya + gapY / 2 },
      { x: lane, y: ya + gapY / 2 },
      { x: lane, y: yb - gapY / 2 },
      { x: b.x, y: yb - gapY / 2 },
      { x: b.x, y: yb },
    ]);
    minX = Math.min(minX, lane);
  }
  return { paths, minX };
}

export function layout(V) {
  const R = rankLeaves(V);
  // dagre's work grows with the dummy nodes it puts on edges that span many ranks (a residual
  // edge from early in the forward pass to late in the backward pass spans nearly all of them).
  let size = V.leaves.size + V.clusters.size;
  for (const e of V.edges) size += Math.max(0, Math.abs(R.rank.get(e.b) - R.rank.get(e.a)) - 1);
  if (size <= DAGRE_LIMIT) {
    try {
      return layoutDagre(V);
    } catch (err) {
      console.warn("workbench graph: dagre failed, using the layered layout", err);
    }
  }
  return layoutFast(V, R);
}

// A polyline with its corners rounded (a quadratic curve of at most `radius` at each bend), so a
// routed edge reads as one smooth stroke.
export function roundedPath(pts, radius) {
  const f = (p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  let d = `M${f(pts[0])}`;
  for (let i = 1; i < pts.length - 1; i += 1) {
    const [A, P, B] = [pts[i - 1], pts[i], pts[i + 1]];
    const la = Math.hypot(A.x - P.x, A.y - P.y);
    const lb = Math.hypot(B.x - P.x, B.y - P.y);
    const r = Math.min(radius, la / 2, lb / 2);
    if (r < 0.5) {
      d += `L${f(P)}`;
      continue;
    }
    const p1 = { x: P.x + ((A.x - P.x) * r) / la, y: P.y + ((A.y - P.y) * r) / la };
    const p2 = { x: P.x + ((B.x - P.x) * r) / lb, y: P.y + ((B.y - P.y) * r) / lb };
    d += `L${f(p1)}Q${f(P)} ${f(p2)}`;
  }
  return pts.length > 1 ? `${d}L${f(pts[pts.length - 1])}` : d;
}

function edgePath(e, L) {
  const pts = L.paths.get(`${e.a}|${e.b}`);
  if (pts && pts.length && L.engine === "layered") return roundedPath(pts, 8);
  if (pts && pts.length) return "M" + pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("L");
  const a = L.pos.get(e.a);
  const b = L.pos.get(e.b);
  return `M${a.x.toFixed(1)},${(a.y + a.height / 2).toFixed(1)}L${b.x.toFixed(1)},${(b.y - b.height / 2).toFixed(1)}`;
}

let uid = 0;

// The highlighted ids: nodes by index, regions by id, and the regions to open to show them.
export function highlightTargets(G, ids) {
  const nodes = new Set();
  const regions = new Set();
  const open = new Set();
  const byId = new Map(G.nodes.map((n) => [n.id, n]));
  const openAbove = (rid) => {
    for (let r = rid; r !== null && r !== undefined && r !== G.root; ) {
      const reg = G.regions.get(r);
      if (!reg) break;
      open.add(r);
      r = reg.parent;
    }
  };
  for (const id of ids || []) {
    const n = byId.get(id);
    if (n) {
      nodes.add(n.index);
      openAbove(n.region);
    } else if (G.regions.has(id)) {
      regions.add(id);
      openAbove(G.regions.get(id).parent);
    }
  }
  return { nodes, regions, open };
}

export function render({ model, el }) {
  uid += 1;
  const me = `wbg${uid}`;
  const root = h("div", "wb-graph", el);
  h("style", null, root, STYLE);
  const bar = h("div", "wb-toolbar", root);
  const title = h("span", "wb-title", bar);
  const search = h("input", "wb-search", bar);
  search.type = "search";
  search.placeholder = "search by name\u2026";
  const matches = h("span", "wb-matches", bar);
  const modes = {};
  for (const m of ["both", "forward", "backward"]) {
    const b = h("button", "wb-edges-mode", bar, m === "both" ? "both passes" : `${m} only`);
    b.dataset.edges = m;
    b.addEventListener("click", () => {
      model.set("edges", m);
      model.save_changes();
    });
    modes[m] = b;
  }
  const fitBtn = h("button", "wb-fit", bar, "fit");
  const expandAll = h("button", "wb-expand-all", bar, "expand all");
  const collapseAll = h("button", "wb-collapse-all", bar, "collapse all");
  const legend = h("span", "wb-legend", bar);
  for (const [k, name] of [["f", "forward"], ["b", "backward"], ["r", "residual"]]) {
    const sp = h("span", null, legend, `\u2014 ${name}`);
    sp.style.color = COLORS[k];
  }
  const status = h("span", "wb-status", bar);
  const canvas = s("svg", { class: "wb-canvas" }, root);
  s("title", {}, canvas).textContent = "drag to pan, wheel to zoom; click a region to open or close it";
  const defs = s("defs", {}, canvas);
  for (const k of Object.keys(COLORS)) {
    const m = s("marker", { id: `${me}-arrow-${k}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, defs);
    s("path", { d: "M0,0L10,5L0,10z", fill: COLORS[k] }, m);
  }
  const view = s("g", { class: "wb-viewport" }, canvas);
  const tip = h("div", "wb-tooltip", root);

  let G = prepare(model.get("graph") || {});
  let V = null;
  let L = null;
  let vp = { x: 0, y: 0, k: 1 };
  let saveTimer = null;
  let focus = (model.get("viewport") || {}).focus || "";
  let pendingFocus = false;
  const highlightKey = () => JSON.stringify(model.get("highlight") || []);

  const applyViewport = () => view.setAttribute("transform", `translate(${vp.x},${vp.y}) scale(${vp.k})`);
  const writeViewport = () => {
    saveTimer = null;
    model.set("viewport", { x: vp.x, y: vp.y, k: vp.k, focus });
    model.save_changes();
  };
  const saveViewport = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(writeViewport, 250);
  };
  const fit = () => {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const p of L.pos.values()) {
      x0 = Math.min(x0, p.x - p.width / 2);
      y0 = Math.min(y0, p.y - p.height / 2);
      x1 = Math.max(x1, p.x + p.width / 2);
      y1 = Math.max(y1, p.y + p.height / 2);
    }
    if (!isFinite(x0)) return;
    if (L.minX !== undefined) x0 = Math.min(x0, L.minX - 4); // the lanes of long edges
    const W = canvas.clientWidth || 900;
    const H = canvas.clientHeight || 560;
    const w = x1 - x0 + 1;
    const hh = y1 - y0 + 1;
    const whole = 0.95 * Math.min(W / w, H / hh);
    if (whole >= 0.6) {
      const k = Math.min(1.5, whole);
      vp = { k, x: (W - k * (x1 + x0)) / 2, y: (H - k * (y1 + y0)) / 2 };
    } else {
      // Too big to read whole: a readable scale, the start of the program at the top.
      const k = Math.max(0.6, Math.min(1, (0.95 * W) / w));
      let cx = (x0 + x1) / 2;
      if (w * k > W) {
        let top = null;
        for (const l of V.leaves.values()) {
          const p = L.pos.get(l.key);
          if (p && (top === null || p.y < top.y)) top = p;
        }
        if (top) cx = top.x;
      }
      vp = { k, x: W / 2 - k * cx, y: 8 - k * y0 };
    }
    applyViewport();
  };

  const setExpanded = (ids) => {
    model.set("expanded", ids);
    model.save_changes();
  };
  const toggle = (rid, open) => {
    const cur = new Set(model.get("expanded") || []);
    if (open) cur.add(rid);
    else cur.delete(rid);
    setExpanded([...cur]);
  };

  const showTip = (ev, lines) => {
    tip.textContent = lines.filter((x) => x).join("\n");
    tip.style.display = "block";
    const box = root.getBoundingClientRect();
    tip.style.left = `${ev.clientX - box.left + 14}px`;
    tip.style.top = `${ev.clientY - box.top + 14}px`;
  };
  const hideTip = () => {
    tip.style.display = "none";
  };
  const nodeLines = (n) => [
    n.kind === "op" ? `${n.primitive}  (${n.id})` : `${n.kind} ${n.name}  (${n.id})`,
    n.inputs.length ? `in:  ${n.inputs.join(", ")}` : "",
    n.outputs.length ? `out: ${n.outputs.join(", ")}` : "",
    `phase: ${n.phase}`,
    n.source ? `source: ${n.source}` : "",
    n.stack ? `name stack: ${n.stack}` : "",
    n.bytes ? `kept for the backward pass: ${formatBytes(n.bytes)}` : "",
  ];
  const regionLines = (r) => [
    `${r.label}  [${r.kind}]  (${r.id})`,
    `${r.count} nodes inside; click to ${"expand / collapse"}`,
    `phase: ${r.phase}`,
    r.source ? `source: ${r.source}` : "",
    r.bytes ? `kept for the backward pass: ${formatBytes(r.bytes)}` : "",
  ];

  let dragged = false;
  const draw = () => {
    const t0 = performance.now();
    hideTip();
    V = visibleGraph(G, new Set(model.get("expanded") || []));
    L = layout(V);
    const t1 = performance.now();
    view.textContent = "";
    const gClusters = s("g", { class: "wb-clusters" }, view);
    const gEdges = s("g", { class: "wb-edges" }, view);
    const gNodes = s("g", { class: "wb-nodes" }, view);
    const depth = (c) => {
      let d = 0;
      for (let p = c.parent; p; p = V.clusters.get(p).parent) d += 1;
      return d;
    };
    for (const c of [...V.clusters.values()].sort((a, b) => depth(a) - depth(b))) {
      const p = L.pos.get(c.key);
      if (!p) continue;
      const g = s("g", { class: "wb-cluster", "data-region": c.region.id }, gClusters);
      s("rect", { class: "wb-box", x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height, rx: 6 }, g);
      const lab = `\u25BE ${c.region.label}`;
      const head = s("rect", { class: "wb-head", x: p.x - p.width / 2, y: p.y - p.height / 2, width: Math.min(p.width, textWidth(lab) * 0.9), height: 14, rx: 3 }, g);
      const t = s("text", { x: p.x - p.width / 2 + 4, y: p.y - p.height / 2 + 11 }, g);
      t.textContent = lab;
      head.addEventListener("click", (ev) => {
        ev.stopPropagation();
        if (!dragged) toggle(c.region.id, false);
      });
      head.addEventListener("pointerenter", (ev) => showTip(ev, regionLines(c.region)));
      head.addEventListener("pointerleave", hideTip);
    }
    for (const e of V.edges) {
      s("path", { class: `wb-edge wb-e-${e.k}`, d: edgePath(e, L), stroke: COLORS[e.k], "marker-end": `url(#${me}-arrow-${e.k})` }, gEdges);
    }
    for (const l of V.leaves.values()) {
      const p = L.pos.get(l.key);
      const g = s("g", { class: "wb-node", "data-key": l.key, transform: `translate(${p.x - l.width / 2},${p.y - NODE_H / 2})` }, gNodes);
      s("rect", { width: l.width, height: NODE_H }, g);
      const t = s("text", { x: 6, y: 13 }, g);
      t.textContent = l.label;
      let bytes = 0;
      if (l.type === "node") {
        const n = l.node;
        g.dataset.id = n.id;
        g.dataset.kind = n.kind;
        g.dataset.phase = n.phase;
        g.dataset.primitive = n.primitive;
        bytes = n.bytes;
        g.addEventListener("pointerenter", (ev) => showTip(ev, nodeLines(n)));
      } else {
        const r = l.region;
        g.classList.add("wb-collapsed");
        g.dataset.region = r.id;
        g.dataset.phase = r.phase;
        bytes = r.bytes;
        g.addEventListener("pointerenter", (ev) => showTip(ev, regionLines(r)));
        g.addEventListener("click", (ev) => {
          ev.stopPropagation();
          if (!dragged) toggle(r.id, true);
        });
      }
      g.addEventListener("pointerleave", hideTip);
      if (bytes) {
        const b = s("text", { class: "wb-bytes", x: 6, y: 25 }, g);
        b.textContent = `residual ${formatBytes(bytes)}`;
      }
    }
    const saved = model.get("viewport") || {};
    if (typeof saved.k === "number" && saved.k > 0) {
      vp = { x: saved.x || 0, y: saved.y || 0, k: saved.k };
      applyViewport();
    } else {
      fit();
    }
    applySearch();
    applyEdges();
    applyHighlight();
    if (pendingFocus) {
      pendingFocus = false;
      panNow(highlightTargets(G, model.get("highlight")));
    }
    const t2 = performance.now();
    const total = G.nodes.length;
    title.textContent = (model.get("graph") || {}).title || "";
    status.textContent = `${total} nodes, ${G.edges.length} edges; showing ${V.leaves.size} boxes in ${V.clusters.size} open regions (${L.engine}, ${Math.round(t2 - t0)} ms)`;
    root.dataset.nodes = String(total);
    root.dataset.visible = String(V.leaves.size);
    root.dataset.layoutMs = String(Math.round(t1 - t0));
    root.dataset.drawMs = String(Math.round(t2 - t0));
    root.dataset.engine = L.engine;
    root.dataset.ready = String(Number(root.dataset.ready || "0") + 1);
  };

  const applySearch = () => {
    const q = (model.get("search") || "").trim().toLowerCase();
    if (search.value.trim().toLowerCase() !== q) search.value = model.get("search") || "";
    const hit = new Set();
    let count = 0;
    if (q) {
      for (const n of G.nodes) {
        const text = `${n.primitive} ${n.name} ${n.id}`.toLowerCase();
        if (text.includes(q)) {
          count += 1;
          hit.add(V.keyOf[n.index]);
        }
      }
      for (const r of G.regions.values()) {
        if (r.id !== G.root && r.label.toLowerCase().includes(q)) {
          count += 1;
          hit.add("c:" + r.id);
          hit.add("r:" + r.id);
        }
      }
    }
    for (const g of view.querySelectorAll(".wb-node")) {
      g.classList.toggle("wb-match", hit.has(g.dataset.key));
    }
    for (const g of view.querySelectorAll(".wb-cluster")) g.classList.toggle("wb-match", hit.has("c:" + g.dataset.region));
    matches.textContent = q ? `${count} match${count === 1 ? "" : "es"}` : "";
    root.dataset.matches = String(count);
  };
  // The highlighted nodes and regions: drawn distinctly; focusHighlight opens the regions that
  // hold them and pans to them.
  const applyHighlight = () => {
    const T = highlightTargets(G, model.get("highlight"));
    const keys = new Set();
    for (const i of T.nodes) keys.add(V.keyOf[i]);
    for (const r of T.regions) keys.add("r:" + r);
    let count = 0;
    for (const g of view.querySelectorAll(".wb-node")) {
      const on = keys.has(g.dataset.key);
      g.classList.toggle("wb-highlight", on);
      if (on) g.dataset.highlight = "true";
      else delete g.dataset.highlight;
      count += on ? 1 : 0;
    }
    for (const g of view.querySelectorAll(".wb-cluster")) {
      const on = T.regions.has(g.dataset.region);
      g.classList.toggle("wb-highlight", on);
      if (on) g.dataset.highlight = "true";
      else delete g.dataset.highlight;
      count += on ? 1 : 0;
    }
    root.dataset.highlighted = String(count);
    return { T, keys };
  };
  const panToHighlight = (keys, T) => {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    const boxes = [...keys].map((k) => L.pos.get(k));
    for (const r of T.regions) boxes.push(L.pos.get("c:" + r));
    for (const p of boxes) {
      if (!p) continue;
      x0 = Math.min(x0, p.x - p.width / 2);
      y0 = Math.min(y0, p.y - p.height / 2);
      x1 = Math.max(x1, p.x + p.width / 2);
      y1 = Math.max(y1, p.y + p.height / 2);
    }
    const W = canvas.clientWidth;
    const H = canvas.clientHeight;
    if (!isFinite(x0) || !W || !H) return false; // nothing drawn, or the canvas is hidden
    let k = vp.k;
    const need = Math.min(W / (x1 - x0 + 40), H / (y1 - y0 + 40));
    if (need < k) k = Math.max(0.05, need); // zoom out until all of it shows
    if (k < 0.6 && need >= 0.6) k = 0.6; // and in, to a readable scale, where it fits
    vp = { k, x: W / 2 - (k * (x0 + x1)) / 2, y: H / 2 - (k * (y0 + y1)) / 2 };
    applyViewport();
    return true;
  };
  const focusHighlight = () => {
    const ids = model.get("highlight") || [];
    focus = highlightKey();
    if (!ids.length) {
      applyHighlight();
      return;
    }
    const T = highlightTargets(G, ids);
    const cur = new Set(model.get("expanded") || []);
    const missing = [...T.open].filter((r) => !cur.has(r));
    if (missing.length) {
      pendingFocus = true; // the redraw (change:expanded) pans
      setExpanded([...cur, ...missing]);
      return;
    }
    panNow(T);
  };
  const panNow = (T) => {
    const { keys } = applyHighlight();
    if (panToHighlight(keys, T)) {
      clearTimeout(saveTimer);
      writeViewport();
    } else {
      focus = ""; // not shown yet: pan when the view is drawn in the page
    }
  };
  const applyEdges = () => {
    const m = model.get("edges") || "both";
    root.dataset.edges = m;
    for (const [k, b] of Object.entries(modes)) b.classList.toggle("wb-active", k === m);
  };

  // Pan (drag) and zoom (wheel), kept in the viewport trait.
  let start = null;
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    start = { x: ev.clientX, y: ev.clientY, vx: vp.x, vy: vp.y };
    dragged = false;
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!start) return;
    const dx = ev.clientX - start.x;
    const dy = ev.clientY - start.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!dragged) {
      dragged = true;
      canvas.classList.add("wb-dragging");
      canvas.setPointerCapture(ev.pointerId);
    }
    vp = { ...vp, x: start.vx + dx, y: start.vy + dy };
    applyViewport();
  });
  const endDrag = () => {
    if (start && dragged) saveViewport();
    start = null;
    canvas.classList.remove("wb-dragging");
    setTimeout(() => {
      dragged = false;
    }, 0);
  };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  canvas.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const box = canvas.getBoundingClientRect();
      const px = ev.clientX - box.left;
      const py = ev.clientY - box.top;
      const k = Math.max(0.02, Math.min(8, vp.k * Math.exp(-ev.deltaY * 0.0015)));
      vp = { k, x: px - ((px - vp.x) * k) / vp.k, y: py - ((py - vp.y) * k) / vp.k };
      applyViewport();
      saveViewport();
    },
    { passive: false },
  );
  fitBtn.addEventListener("click", () => {
    fit();
    saveViewport();
  });
  expandAll.addEventListener("click", () => setExpanded([...G.regions.keys()].filter((r) => r !== G.root)));
  collapseAll.addEventListener("click", () => setExpanded([]));
  search.addEventListener("input", () => {
    model.set("search", search.value);
    model.save_changes();
  });

  const onGraph = () => {
    G = prepare(model.get("graph") || {});
    draw();
  };
  const onViewport = () => {
    const saved = model.get("viewport") || {};
    if (typeof saved.k === "number" && saved.k > 0 && (saved.x !== vp.x || saved.y !== vp.y || saved.k !== vp.k)) {
      vp = { x: saved.x || 0, y: saved.y || 0, k: saved.k };
      applyViewport();
    }
  };
  const onHighlight = () => {
    if (V) focusHighlight();
  };
  const firstDraw = () => {
    draw();
    // A highlight set while this view was not drawn (from the inspector's IR, or Python).
    if ((model.get("highlight") || []).length && focus !== highlightKey()) focusHighlight();
  };
  model.on("change:graph", onGraph);
  model.on("change:expanded", draw);
  model.on("change:search", applySearch);
  model.on("change:edges", applyEdges);
  model.on("change:viewport", onViewport);
  model.on("change:highlight", onHighlight);
  // Lay out once the element is in the page (so the canvas has a size to fit to).
  const frame = requestAnimationFrame(firstDraw);
  return () => {
    cancelAnimationFrame(frame);
    if (saveTimer !== null) {
      clearTimeout(saveTimer);
      writeViewport(); // a pan or zoom of the last 250 ms is kept for the next view
    }
    model.off("change:graph", onGraph);
    model.off("change:expanded", draw);
    model.off("change:search", applySearch);
    model.off("change:edges", applyEdges);
    model.off("change:viewport", onViewport);
    model.off("change:highlight", onHighlight);
    root.remove();
  };
}

export default { render };
