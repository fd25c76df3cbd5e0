// The graph viewer's layout: the visible graph (model.js) laid out by ELK's layered algorithm
// (elkjs) as nested boxes, open regions as compound nodes around their contents, edges routed
// orthogonally around every box, the values' shapes placed on the edges. ELK runs wherever the
// caller's `elk` object runs it (a Web Worker in the browser, in-process in the Node tests).
// Views too large for ELK get a linear-time layered layout without region boxes (layeredLayout).
// No DOM here: tested with `node --test`.

/** Box metrics, in px at scale 1. Node text is 11 px; the header of a region 10 px. */
export const METRICS = {
  lineHeight: 14,
  padX: 8,
  padY: 5,
  minWidth: 44,
  headerLine: 14,
  headerPad: 6,
  clusterPad: 10,
  edgeLabelHeight: 12,
};

/** Views with more boxes than this are laid out with less effort (one crossing-minimisation
 * sweep, no greedy switch) and with ELK's simple node placement, which keeps each layer's boxes
 * together (Brandes-Koepf's alignment drew a 20-layer MLP as a staircase 7,400 px wide; simple
 * placement, 900): the layout of a view that large is for finding one's way, not for reading
 * whole. */
export const QUICK_LAYOUT_BOXES = 150;
/** The side of an outlet or inlet of an open region (elkGraph): small, never drawn. */
export const PORT_SIZE = 2;
/** Space between a box's label and the shape of its value, after it on the same line. */
export const SHAPE_GAP = 6;
/** Views with more boxes than this are laid out by layeredLayout (ELK would take seconds). */
export const ELK_MAX_BOXES = 1500;

/**
 * @typedef {(text: string, kind: "node" | "sub" | "head" | "edge") => number} Measure
 *   the width in px of `text` in the font of `kind`
 *
 * @typedef {Object} Box  top-left corner and size, in the graph's coordinates
 * @property {number} x
 * @property {number} y
 * @property {number} width
 * @property {number} height
 *
 * @typedef {Object} RoutedEdge
 * @property {import("./model.js").VisibleEdge} edge
 * @property {Array<{x: number, y: number}>} points
 * @property {Box | null} label  where its shape is written (placeEdgeLabels), or null
 *
 * @typedef {Object} Layout
 * @property {Map<string, Box>} boxes  leaf and cluster keys -> boxes
 * @property {RoutedEdge[]} edges
 * @property {Box} bounds  of everything drawn
 * @property {"elk" | "layered"} engine
 * @property {boolean} clustersDrawn  whether open regions have boxes (layeredLayout has none)
 * @property {boolean} edgeLabels  whether placeEdgeLabels has placed the edges' shapes
 */

/**
 * An estimate of text widths for environments without a canvas (the Node tests): the node
 * font's average advance. The browser measures with the real font (view.js).
 * @type {Measure}
 */
export function estimateWidth(text, kind) {
  const per = { node: 6.7, sub: 5.6, head: 6.2, edge: 5.4 }[kind] || 6.7;
  return Math.ceil(text.length * per);
}

/**
 * The size of each leaf box and the header of each cluster, from the texts they hold.
 * @param {import("./model.js").View} V
 * @param {Measure} measure
 */
export function sizes(V, measure) {
  const M = METRICS;
  const leaves = new Map();
  for (const l of V.leaves.values()) {
    const first = measure(l.label, "node") + (l.shape ? SHAPE_GAP + measure(l.shape, "sub") : 0);
    const w = Math.max(first, l.sub ? measure(l.sub, "sub") : 0);
    const lines = l.sub ? 2 : 1;
    leaves.set(l.key, { width: Math.max(M.minWidth, Math.ceil(w) + 2 * M.padX), height: lines * M.lineHeight + 2 * M.padY });
  }
  const clusters = new Map();
  for (const c of V.clusters.values()) {
    const lines = c.detail ? 2 : 1;
    const w = Math.max(measure(c.title, "head"), c.detail ? measure(c.detail, "sub") : 0);
    clusters.set(c.key, { header: lines * M.headerLine + M.headerPad, minWidth: Math.ceil(w) + 2 * M.padX + 16 });
  }
  return { leaves, clusters };
}

/** The key of the header box of cluster `key`. */
export function headerKey(key) {
  return `h:${key}`;
}

/**
 * The ELK graph of a visible graph: open regions are compound nodes holding their contents,
 * with room at the top for their header; edges join leaves at any depth (ELK routes them
 * across the hierarchy); coordinates come back relative to the root. Edges carry no labels
 * here: placeEdgeLabels writes the shapes on the routed edges afterwards (ELK's label dummies
 * would add layers and time).
 * @param {import("./model.js").View} V
 * @param {ReturnType<typeof sizes>} S
 */
export function elkGraph(V, S) {
  const M = METRICS;
  const root = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.json.shapeCoords": "ROOT",
      "elk.json.edgeCoords": "ROOT",
      "elk.spacing.nodeNode": "12",
      "elk.layered.spacing.nodeNodeBetweenLayers": "20",
      "elk.spacing.edgeNode": "8",
      "elk.spacing.edgeEdge": "6",
      "elk.layered.spacing.edgeNodeBetweenLayers": "8",
      "elk.layered.spacing.edgeEdgeBetweenLayers": "6",
      "elk.spacing.componentComponent": "24",
      "elk.layered.thoroughness": "3",
      // Network simplex placement keeps a pass's open layers one under the other (Brandes-Koepf
      // drew the backward pass's open layers a third of a layer's width aside of each other).
      "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
      // The children come in program order (below): ELK keeps it where crossings allow. Left
      // free, its crossing minimisation put each layer's forward group on either side of the
      // last one's (issue 24: layer 1 right, layer 2 left), and the backward pass another way.
      "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
      "elk.padding": "[top=12,left=12,bottom=12,right=12]",
    },
    children: [],
    edges: [],
  };
  if (V.leaves.size > QUICK_LAYOUT_BOXES) {
    root.layoutOptions["elk.layered.crossingMinimization.greedySwitch.type"] = "OFF";
    root.layoutOptions["elk.layered.thoroughness"] = "1";
    root.layoutOptions["elk.layered.nodePlacement.strategy"] = "SIMPLE";
  }
  const holders = new Map([[null, root]]);
  const holder = (key) => {
    if (holders.has(key)) return holders.get(key);
    const c = V.clusters.get(key);
    const size = S.clusters.get(key);
    // The region's header (its name) is a node of its own in the region's first layer, so that
    // ELK routes every edge around it, as around any box: no edge crosses a header.
    const node = {
      id: key,
      layoutOptions: {
        "elk.padding": `[top=${M.clusterPad},left=${M.clusterPad},bottom=${M.clusterPad},right=${M.clusterPad}]`,
      },
      children: [{ id: headerKey(key), width: size.minWidth - 2 * M.padX, height: size.header, layoutOptions: { "elk.layered.layering.layerConstraint": "FIRST" } }],
    };
    holders.set(key, node);
    holder(c.parent).children.push(node);
    return node;
  };
  // Program order: clusters by their first node, leaves by theirs.
  const leaves = [...V.leaves.values()].sort((a, b) => a.order - b.order);
  for (const l of leaves) {
    const size = S.leaves.get(l.key);
    holder(l.parent).children.push({ id: l.key, width: size.width, height: size.height });
  }
  // Edges that leave or enter an open top-level region go through one small node of its, an
  // outlet (or inlet), as one ELK edge from there on: a layer's tens of residuals to the backward
  // pass are one bundle, not tens of long edges running down past the next layers inside their
  // columns, which pushed each open layer aside of the last one's (issue 24: open layers drawn
  // as a diagonal staircase). readElk joins each edge's parts back into one route.
  const top = new Map(); // cluster key -> its outermost open region
  const topOf = (c) => {
    if (c === null) return null;
    if (!top.has(c)) {
      const up = V.clusters.get(c).parent;
      top.set(c, up === null ? c : topOf(up));
    }
    return top.get(c);
  };
  const ports = new Set();
  const port = (kind, c) => {
    const id = `${kind}:${c}`;
    if (!ports.has(id)) {
      ports.add(id);
      holder(c).children.push({ id, width: PORT_SIZE, height: PORT_SIZE });
    }
    return id;
  };
  const parts = new Map(); // ELK edge id -> [source, target]
  root.edges = [];
  for (const e of V.edges) {
    // The backward pass is laid out upwards, beside the forward pass: each backward edge is
    // given to ELK reversed (readElk turns its route back), so a layer's backward ops sit level
    // with its forward ops and the residuals between them are short, instead of running down
    // the whole forward pass (the classic drawing of reverse mode, and far fewer long edges).
    const up = e.k === "b";
    const [s, t] = up ? [e.b, e.a] : [e.a, e.b];
    const ts = topOf(V.leaves.get(s).parent);
    const tt = topOf(V.leaves.get(t).parent);
    const way = ts === tt ? [s, t] : [s, ts && port("o", ts), tt && port("i", tt), t].filter(Boolean);
    e.parts = [];
    for (let i = 1; i < way.length; i += 1) {
      const id = way.length === 2 ? e.id : `${way[i - 1]}>${way[i]}`;
      if (!parts.has(id)) {
        parts.set(id, [way[i - 1], way[i]]);
        root.edges.push({ id, sources: [way[i - 1]], targets: [way[i]] });
      }
      e.parts.push(id);
    }
  }
  return root;
}

/**
 * The layout of an ELK result (elkGraph's graph, laid out).
 * @param {import("./model.js").View} V
 * @param {*} result
 * @returns {Layout}
 */
export function readElk(V, result) {
  const boxes = new Map();
  const visit = (node) => {
    for (const c of node.children || []) {
      boxes.set(c.id, { x: c.x, y: c.y, width: c.width, height: c.height });
      visit(c);
    }
  };
  visit(result);
  const routes = new Map(); // ELK edge id -> its points, in ELK's direction
  const collect = (node) => {
    for (const e of node.edges || []) {
      const points = [];
      for (const s of e.sections || []) {
        if (!points.length) points.push(s.startPoint);
        points.push(...(s.bendPoints || []), s.endPoint);
      }
      routes.set(e.id, points);
    }
    for (const c of node.children || []) collect(c);
  };
  collect(result);
  const edges = [];
  for (const edge of V.edges) {
    const ids = edge.parts || [edge.id];
    if (!ids.every((id) => routes.has(id))) continue;
    const points = [];
    for (const id of ids) {
      const next = routes.get(id);
      const last = points[points.length - 1];
      if (last && next.length) {
        // Across an outlet or inlet (PORT_SIZE px): in at its top, out at its bottom.
        const first = next[0];
        if (Math.abs(first.x - last.x) > 0.01) {
          const mid = (last.y + first.y) / 2;
          points.push({ x: last.x, y: mid }, { x: first.x, y: mid });
        }
      }
      points.push(...next);
    }
    if (edge.k === "b") points.reverse();
    edges.push({ edge, points, label: null });
  }
  return { boxes, edges, bounds: { x: 0, y: 0, width: result.width, height: result.height }, engine: "elk", clustersDrawn: true, edgeLabels: false };
}

/**
 * A made-up graph of about `n` boxes shaped like a gradient (a forward chain, a backward chain
 * beside it, residual edges between them, a region), to warm ELK's code up in its worker before
 * the user's graphs need it (engine.js): its first layouts run several times slower.
 * @param {number} n
 */
export function warmUpGraph(n = 240) {
  const half = Math.max(2, Math.floor(n / 2));
  const leaves = new Map();
  const edges = [];
  for (let i = 0; i < half; i += 1) {
    for (const [side, k] of [["f", "f"], ["b", "b"]]) {
      const key = `n:${side}${i}`;
      leaves.set(key, { key, type: "node", parent: i < 6 ? "c:warm" : null, order: side === "f" ? i : 2 * half - i, label: "dot_general", shape: "f32[4,16]", sub: "", role: "forward" });
      if (i > 0) edges.push({ id: `${side}${i}`, a: side === "f" ? `n:f${i - 1}` : `n:b${i}`, b: side === "f" ? key : `n:b${i - 1}`, k, count: 1, label: "" });
    }
    edges.push({ id: `r${i}`, a: `n:f${i}`, b: `n:b${i}`, k: "r", count: 1, label: "" });
  }
  const clusters = new Map([["c:warm", { key: "c:warm", region: null, parent: null, title: "\u25BE warm-up", detail: "" }]]);
  const V = { leaves, clusters, edges, keyOf: () => undefined };
  return elkGraph(V, sizes(V, estimateWidth));
}

/**
 * Lays out a visible graph: with ELK (`elk.layout(graph) -> Promise`) up to ELK_MAX_BOXES
 * boxes, else (or without `elk`, or if it fails) with layeredLayout.
 * @param {import("./model.js").View} V
 * @param {{layout: function(*): Promise<*>} | null} elk
 * @param {Measure} measure
 * @param {{edgeLabels?: boolean}} [options]  edgeLabels: false leaves the shapes on the edges
 *   to be placed later (placeEdgeLabels), when they are first drawn
 * @returns {Promise<Layout>}
 */
export async function layout(V, elk, measure, { edgeLabels = true } = {}) {
  const S = sizes(V, measure);
  const labelled = (L) => (edgeLabels ? placeEdgeLabels(L, V, measure) : L);
  if (elk && V.leaves.size <= ELK_MAX_BOXES) {
    try {
      const result = await elk.layout(elkGraph(V, S));
      return labelled(readElk(V, result));
    } catch (err) {
      if (typeof console !== "undefined") console.warn("workbench graph: ELK failed, using the layered layout", err);
    }
  }
  return labelled(layeredLayout(V, S));
}

/**
 * Linear-time layered layout for views too large for ELK: ranks by longest path along program
 * order, one barycentre pass for the order within a rank, no region boxes (they could not be
 * drawn without overlapping), and edges that skip ranks routed down a lane left of every box
 * (into the gap below the source, along the lane, into the gap above the target).
 * @param {import("./model.js").View} V
 * @param {ReturnType<typeof sizes>} S
 * @returns {Layout}
 */
export function layeredLayout(V, S) {
  const leaves = [...V.leaves.values()].sort((x, y) => x.order - y.order);
  const rank = new Map();
  const preds = new Map();
  for (const e of V.edges) {
    if (V.leaves.get(e.a).order >= V.leaves.get(e.b).order) continue;
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
  const gapX = 16;
  const gapY = 28;
  const boxes = new Map();
  const rowHeight = Math.max(...[...S.leaves.values()].map((s) => s.height), 0);
  const left = 40;
  ranks.forEach((row, r) => {
    if (r > 0) {
      const bary = (l) => {
        const ps = preds.get(l.key) || [];
        if (!ps.length) return Infinity;
        return ps.reduce((acc, p) => acc + boxes.get(p).x + boxes.get(p).width / 2, 0) / ps.length;
      };
      row = row.map((l) => [bary(l), l]).sort((x, y) => x[0] - y[0]).map((x) => x[1]);
    }
    let x = left;
    for (const l of row) {
      const s = S.leaves.get(l.key);
      boxes.set(l.key, { x, y: 12 + r * (rowHeight + gapY), width: s.width, height: s.height });
      x += s.width + gapX;
    }
  });
  const edges = [];
  let minX = left;
  for (const e of V.edges) {
    const a = boxes.get(e.a);
    const b = boxes.get(e.b);
    const ax = a.x + a.width / 2;
    const bx = b.x + b.width / 2;
    const ya = a.y + a.height;
    const yb = b.y;
    const d = rank.get(e.b) - rank.get(e.a);
    if (d === 1) {
      edges.push({ edge: e, points: [{ x: ax, y: ya }, { x: ax, y: ya + gapY / 2 }, { x: bx, y: ya + gapY / 2 }, { x: bx, y: yb }], label: null });
      continue;
    }
    const lane = left - 8 - 5 * Math.log2(Math.abs(d) + 1);
    minX = Math.min(minX, lane);
    edges.push({
      edge: e,
      points: [
        { x: ax, y: ya },
        { x: ax, y: ya + gapY / 2 },
        { x: lane, y: ya + gapY / 2 },
        { x: lane, y: yb - gapY / 2 },
        { x: bx, y: yb - gapY / 2 },
        { x: bx, y: yb },
      ],
      label: null,
    });
  }
  let x1 = 0;
  let y1 = 0;
  for (const b of boxes.values()) {
    x1 = Math.max(x1, b.x + b.width);
    y1 = Math.max(y1, b.y + b.height);
  }
  const x0 = Math.min(0, minX - 8);
  return { boxes, edges, bounds: { x: x0, y: 0, width: x1 + 12 - x0, height: y1 + 12 }, engine: "layered", clustersDrawn: false, edgeLabels: false };
}

/** A bucket grid of boxes, for asking which boxes come near a point or a box. */
class Grid {
  constructor(cell = 64) {
    this.cell = cell;
    this.cells = new Map();
  }

  *cellsOf(b) {
    const c = this.cell;
    for (let i = Math.floor(b.x / c); i <= Math.floor((b.x + b.width) / c); i += 1) {
      for (let j = Math.floor(b.y / c); j <= Math.floor((b.y + b.height) / c); j += 1) yield `${i},${j}`;
    }
  }

  add(b, item) {
    for (const k of this.cellsOf(b)) {
      const list = this.cells.get(k);
      if (list) list.push(item);
      else this.cells.set(k, [item]);
    }
  }

  /** Whether `test` holds for an item of a cell that `b` touches. */
  some(b, test) {
    for (const k of this.cellsOf(b)) for (const item of this.cells.get(k) || []) if (test(item)) return true;
    return false;
  }
}

const boxesMeet = (a, b, gap) => a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;

/** Whether the axis-parallel segment p-q comes within `gap` of box `b`. */
function segmentMeets(p, q, b, gap) {
  return boxesMeet({ x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), width: Math.abs(q.x - p.x), height: Math.abs(q.y - p.y) }, b, gap);
}

/** How far along a routed edge its label may start, at most (px): near its source. */
export const LABEL_REACH = 160;

/**
 * Writes each value's shape on its edge ("f32[64,128]"), as jaxviz does: a small label beside
 * the route, as near its source as there is room, where it overlaps no box, no region header,
 * no other label and no other value's edge, and does not straddle a region's border. A value
 * that leaves its box along several edges is labelled once (on the first that has room); an
 * edge with no room nearby goes without (its tooltip still says it). Works on any layout
 * (ELK's or layeredLayout's): the routes are axis-parallel polylines.
 * @param {Layout} L
 * @param {import("./model.js").View} V
 * @param {Measure} measure
 * @returns {Layout}  L, its edges' `label` set
 */
export function placeEdgeLabels(L, V, measure) {
  const H = METRICS.edgeLabelHeight;
  const GAP = 2; // between a label and anything else
  const solid = new Grid();
  for (const [key, b] of L.boxes) if (V.leaves.has(key) || key.startsWith("h:")) solid.add(b, b);
  const borders = L.clustersDrawn ? [...V.clusters.keys()].map((k) => L.boxes.get(k)).filter(Boolean) : [];
  const routes = new Grid();
  for (const r of L.edges) {
    for (let i = 1; i < r.points.length; i += 1) {
      const [p, q] = [r.points[i - 1], r.points[i]];
      const seg = { p, q, from: r.edge.a };
      routes.add({ x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), width: Math.abs(q.x - p.x), height: Math.abs(q.y - p.y) }, seg);
    }
  }
  const placed = new Grid();
  const done = new Set();
  const free = (b, from) =>
    !solid.some(b, (o) => boxesMeet(b, o, GAP)) &&
    !placed.some(b, (o) => boxesMeet(b, o, GAP)) &&
    !routes.some(b, (seg) => seg.from !== from && segmentMeets(seg.p, seg.q, b, 1)) &&
    // inside or outside each region's box, never across its border
    !borders.some((c) => boxesMeet(b, c, GAP) && !(b.x >= c.x + GAP && b.y >= c.y + GAP && b.x + b.width <= c.x + c.width - GAP && b.y + b.height <= c.y + c.height - GAP));
  for (const r of L.edges) {
    if (!r.edge.label || r.points.length < 2) continue;
    r.label = null;
    const once = `${r.edge.a}\u0000${r.edge.label}`;
    if (done.has(once)) continue;
    const w = measure(r.edge.label, "edge") + 4;
    const box = candidateLabel(r.points, w, H, GAP, (b) => free(b, r.edge.a));
    if (!box) continue;
    r.label = box;
    placed.add(box, box);
    done.add(once);
  }
  L.edgeLabels = true;
  return L;
}

/**
 * The first box of `w` x `h` beside the polyline `pts` (walking from its start, up to
 * LABEL_REACH px along it) for which `ok` holds, or null: beside a vertical run, right of it
 * then left of it; along a horizontal run, below it then above it.
 */
export function candidateLabel(pts, w, h, gap, ok) {
  let walked = 0;
  const STEP = 4;
  for (let i = 1; i < pts.length && walked <= LABEL_REACH; i += 1) {
    const [p, q] = [pts[i - 1], pts[i]];
    const len = Math.hypot(q.x - p.x, q.y - p.y);
    const vertical = Math.abs(q.x - p.x) < 0.5;
    const along = vertical ? h : w;
    // Start a little away from the ends (the arrowhead, the box the edge leaves).
    for (let t = Math.min(6, Math.max(0, (len - along) / 2)); t + along <= len - (i === pts.length - 1 ? 8 : 0) + 1e-6 && walked + t <= LABEL_REACH; t += STEP) {
      let sides;
      if (vertical) {
        const y = Math.min(p.y, q.y) + (q.y >= p.y ? t : len - t - along);
        sides = [{ x: p.x + gap + 1, y }, { x: p.x - gap - 1 - w, y }];
      } else {
        const x = Math.min(p.x, q.x) + (q.x >= p.x ? t : len - t - along);
        sides = [{ x, y: p.y + gap + 1 }, { x, y: p.y - gap - 1 - h }];
      }
      for (const c of sides) {
        const b = { x: c.x, y: c.y, width: w, height: h };
        if (ok(b)) return b;
      }
    }
    walked += len;
  }
  return null;
}
