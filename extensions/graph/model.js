// The graph viewer's model: the decoded graph and its index of regions (what a view reads:
// visible.js), names in the user's terms, search and highlight targets. No DOM here: tested
// with `node --test`.
import { formatBytes as formatSize } from "../common/dom.js";
import { decodeRows } from "./format.js";

/**
 * @typedef {Object} GraphNode
 * @property {number} index  position in the data
 * @property {string} id  "main/3"
 * @property {"op" | "argument" | "constant" | "result"} kind
 * @property {string} primitive
 * @property {string} name  argument / result name ("" for ops)
 * @property {"primal" | "forward" | "backward"} phase
 * @property {string} region  id of the innermost region holding it
 * @property {string[]} inputs  aval texts ("f32[4,16]")
 * @property {string[]} outputs
 * @property {string} source  "cell [3], line 8 (loss)" or "file.py:8:12 (loss)"
 * @property {string} stack  JAX's name stack
 * @property {number} bytes  kept for the backward pass
 * @property {boolean} recomputed  a forward value recomputed in the backward pass (remat)
 * @property {boolean} internal  made by the workbench's own code (grouped, see prepare)
 *
 * @typedef {Object} Region
 * @property {string} id
 * @property {string} kind  "program", "jit", "scan", "while", "loop", "cond", "remat", "named_scope", ...
 * @property {string} label  as the Python graph model names it
 * @property {string | null} parent
 * @property {"primal" | "forward" | "backward"} phase
 * @property {string} source
 * @property {number} bytes
 * @property {Array<[string, string]>} params
 * @property {number} count  nodes inside (at any depth)
 * @property {number} first  index of its first node
 * @property {boolean} internal  opened by the workbench's own code
 * @property {boolean} loop  its kind is one of data.loop_kinds: its body is drawn once
 * @property {string} title  its name as the views write it (graph_picture.region_title)
 * @property {string} detail  a loop's second line (graph_picture.loop_detail), else ""
 * @property {boolean} [synthetic]  made by the viewer (a group of internal ops), not in the data
 * @property {string[]} kids  its child regions (index, in prepare)
 * @property {number[]} own  the nodes directly in it
 * @property {Link[]} links  the edges whose ends it is the innermost region to hold, one end in
 *   a child region at least (index)
 * @property {number[]} plain  those between two of its own nodes
 * @property {number} depth  0 for a region with no parent
 *
 * @typedef {Object} Edge
 * @property {number} s  source node index
 * @property {number} t  target node index
 * @property {"f" | "b" | "r"} k  forward, backward, residual
 * @property {string} aval
 *
 * @typedef {Object} Graph
 * @property {GraphNode[]} nodes
 * @property {Map<string, Region>} regions
 * @property {Edge[]} edges
 * @property {string | null} root  the program's region
 * @property {string} title
 * @property {string} summary
 * @property {Map<string, GraphNode>} byId  nodes by id
 * @property {{kids: string[], own: number[], links: Link[]}} top  what no region holds (index)
 */

/**
 * The graph model of the `graph` trait, indexed.
 * @param {import("./format.js").GraphData} data
 * @returns {Graph}
 */
export function prepare(data) {
  data = data || {};
  const nodes = decodeRows(data, "nodes").map((r, index) => ({
    index,
    id: r.id,
    kind: r.kind,
    primitive: r.primitive,
    name: r.name,
    phase: r.phase,
    region: r.region,
    inputs: r.inputs,
    outputs: r.outputs,
    source: r.source,
    stack: r.name_stack,
    bytes: r.residual_bytes || 0,
    recomputed: Boolean(r.recomputed),
    internal: Boolean(r.internal),
  }));
  const regions = new Map();
  let root = null;
  const loopKinds = new Set(data.loop_kinds || []); // the workbench's registry sends them
  for (const r of decodeRows(data, "regions")) {
    regions.set(r.id, {
      id: r.id,
      kind: r.kind,
      label: r.label,
      parent: r.parent,
      phase: r.phase,
      source: r.source,
      bytes: r.residual_bytes || 0,
      params: r.params || [],
      count: 0,
      first: Infinity,
      internal: Boolean(r.internal),
      loop: loopKinds.has(r.kind),
      // Its name and second line, as the Python side writes them (graph_widget.py, FIELDS);
      // data saved before they were sent has its label.
      title: r.title || r.label,
      detail: r.detail || "",
    });
    if (r.parent === null && root === null) root = r.id;
  }
  groupInternals(nodes, regions);
  const codes = new Map(); // primitive -> a small number, for the regions' signatures
  for (const n of nodes) {
    if (!codes.has(n.primitive)) codes.set(n.primitive, codes.size + 1);
    const code = codes.get(n.primitive);
    for (let rid = n.region; rid !== null && rid !== undefined; ) {
      const reg = regions.get(rid);
      if (!reg) break;
      reg.sig = ((reg.sig || 0) * 31 + code) % 2147483647; // the ops it holds, in order
      reg.count += 1;
      if (n.index < reg.first) reg.first = n.index;
      rid = reg.parent;
    }
  }
  const edges = decodeRows(data, "edges").map((e) => ({ s: e.source, t: e.target, k: e.kind, aval: e.aval }));
  const top = index(nodes, regions, edges);
  const byId = new Map(nodes.map((n) => [n.id, n])); // once, for every drawing
  return { nodes, regions, edges, root, title: data.title || "", summary: data.summary || "", byId, top };
}

/**
 * What lets visibleGraph read the open regions only, not the whole program: each region's
 * child regions (`kids`), its own nodes (`own`), and the edges whose ends it is the innermost
 * region to hold, merged by the child (or own node) each end lies in (`links`): an edge joins
 * two boxes exactly where that region is drawn open (inside a closed one, both ends are its
 * box), and where those children are closed, all the edges of a link are one drawn edge. Nodes
 * in no known region, and edges whose ends share none, are the top's (`G.top`).
 * @param {GraphNode[]} nodes
 * @param {Map<string, Region>} regions
 * @param {Edge[]} edges
 * @returns {{kids: string[], own: number[], links: Link[]}}
 */
function index(nodes, regions, edges) {
  const top = { kids: [], own: [], links: new Map(), plain: [] };
  for (const reg of regions.values()) Object.assign(reg, { kids: [], own: [], links: new Map(), plain: [], depth: -1, values: false });
  const above = (reg) => (reg.parent !== null && reg.parent !== undefined ? regions.get(reg.parent) || null : null);
  const depth = (reg) => {
    if (reg.depth < 0) {
      const up = above(reg);
      reg.depth = up ? depth(up) + 1 : 0;
    }
    return reg.depth;
  };
  for (const reg of regions.values()) {
    depth(reg);
    (above(reg) || top).kids.push(reg.id);
    // Whether it is, or holds, a group of values (foldValues reads the edges of those only).
    if (VALUE_KINDS.has(reg.kind)) for (let r = reg; r && !r.values; r = above(r)) r.values = true;
  }
  const home = nodes.map((n) => regions.get(n.region) || null);
  nodes.forEach((n, i) => (home[i] || top).own.push(i));
  // The child of `holder` (a region, or null for the top) that holds `reg`; null for `holder`.
  const slot = (reg, holder) => {
    if (reg === holder) return null;
    while (above(reg) !== holder) reg = above(reg);
    return reg;
  };
  // Per pair of the ends' regions (a few thousand pairs of 70,000 edges): the region that holds
  // both, and the child of it that holds each end.
  const pairs = new Map();
  const pairOf = (ra, rb) => {
    let row = pairs.get(ra);
    if (!row) pairs.set(ra, (row = new Map()));
    let pair = row.get(rb);
    if (!pair) {
      let a = ra;
      let b = rb;
      while (a && b && a !== b) {
        if (a.depth >= b.depth) a = above(a);
        else b = above(b);
      }
      const holder = a && b ? a : null;
      pair = { holder: holder || top, sa: ra ? slot(ra, holder) : null, sb: rb ? slot(rb, holder) : null };
      row.set(rb, pair);
    }
    return pair;
  };
  // A link's key: its ends (a child region, or a node's index) and its kind, as nested maps.
  const entry = (map, key) => {
    let m = map.get(key);
    if (!m) map.set(key, (m = new Map()));
    return m;
  };
  edges.forEach((e, i) => {
    const { holder, sa, sb } = pairOf(home[e.s], home[e.t]);
    if (!sa && !sb) {
      holder.plain.push(i); // between two of its own nodes (most edges): drawn as they are
      return;
    }
    const byKind = entry(entry(holder.links, sa || e.s), sb || e.t);
    const link = byKind.get(e.k);
    if (link) {
      link.count += 1;
      link.same = link.same && link.aval === e.aval;
      link.edges.push(i);
    } else byKind.set(e.k, { a: sa, b: sb, s: e.s, t: e.t, k: e.k, count: 1, aval: e.aval, same: true, first: i, edges: [i] });
  });
  const flat = (links) => {
    const out = [];
    for (const row of links.values()) for (const byKind of row.values()) for (const link of byKind.values()) out.push(link);
    return out.sort((x, y) => x.first - y.first);
  };
  for (const reg of [top, ...regions.values()]) reg.links = flat(reg.links);
  return top;
}

/**
 * @typedef {Object} Link  the edges between two children (or own nodes) of a region
 * @property {Region | null} a  the child region that holds their sources; null: the node `s`
 * @property {Region | null} b  the child region that holds their targets; null: the node `t`
 * @property {number} s  a source (its node where `a` is null)
 * @property {number} t  a target
 * @property {"f" | "b" | "r"} k
 * @property {number} count
 * @property {string} aval  the first one's aval
 * @property {boolean} same  whether all carry that aval
 * @property {number} first  the index of the first
 * @property {number[]} edges  their indices
 */

/** Regions of a pytree's arguments or results (graph.py, value_groups). */
export const VALUE_KINDS = new Set(["arguments", "results"]);

export const INTERNAL_KIND = "internal";

/**
 * The ops (and regions) the workbench's own code made, such as the bookkeeping of a
 * checkpointing schedule, go into one box per region and pass, closed at first (as a traceback
 * hides a library's frames): the user's program reads first. The box is a region of its own
 * ("<region>~internal~<phase>"); the nodes keep their ids.
 * @param {GraphNode[]} nodes
 * @param {Map<string, Region>} regions
 */
function groupInternals(nodes, regions) {
  const group = (parent, phase) => {
    const id = `${parent}~${INTERNAL_KIND}~${phase}`;
    if (!regions.has(id)) {
      // Inside a region of the same pass, the box need not name its pass again.
      const passShown = (regions.get(parent) || {}).phase === phase;
      const title = phase === "backward" && !passShown ? "wb internals (backward)" : "wb internals";
      regions.set(id, { id, kind: INTERNAL_KIND, label: "wb internals", title, detail: "", parent, phase, source: "", bytes: 0, params: [], count: 0, first: Infinity, internal: true, synthetic: true });
    }
    return id;
  };
  for (const reg of [...regions.values()]) {
    const up = reg.parent !== null ? regions.get(reg.parent) : null;
    if (reg.internal && !reg.synthetic && !reg.loop && up && !up.internal) reg.parent = group(up.id, reg.phase);
  }
  for (const n of nodes) {
    const home = regions.get(n.region);
    if (n.internal && home && !home.internal) n.region = group(home.id, n.phase);
  }
}

const PHASE_WORDS = { primal: "", forward: "forward pass", backward: "backward pass" };

/** A region parameter by name ("" when absent). */
export function param(reg, key) {
  const found = (reg.params || []).find(([k]) => k === key);
  return found ? found[1] : "";
}

/** How many times a loop region's body runs, as text ("" when unknown). */
export function tripCount(reg) {
  return param(reg, "length") || param(reg, "trip count") || "";
}

/**
 * A region's name as the viewer shows it: the user's scope or function, its pass when it is
 * the backward one, remat's recomputation and loops in plain words ("\u21BB loop \u00D750").
 * Written by the Python side (graph_picture.region_title), sent with the data.
 * @param {Region} reg
 */
export function regionTitle(reg) {
  return reg.title || reg.label;
}

/**
 * The second line of a loop region's header: its checkpointing scheme and snapshots ("" for
 * other regions). Written by the Python side (graph_picture.loop_detail), sent with the data.
 * @param {Region} reg
 */
export function loopDetail(reg) {
  return reg.detail || "";
}

/** A node's label in its box: the primitive, or the argument's or result's name (its colour
 * says which). @param {GraphNode} n */
export function nodeLabel(n) {
  if (n.kind === "op") return n.primitive;
  if (n.kind === "constant") return "constant";
  return n.name || n.kind;
}

/** The value a node makes, as its box shows it after the label: "f32[4,16]", "3 values". */
export function valueShape(n) {
  const avals = n.kind === "result" ? n.inputs : n.outputs;
  if (!avals.length) return "";
  return avals.length === 1 ? avals[0] : `${avals.length} values`;
}

/** The class of a node's colour in the legend: "forward", "backward", "recompute", "io". */
export function nodeRole(n) {
  if (n.kind !== "op") return "io";
  if (n.recomputed) return "recompute";
  return n.phase === "backward" ? "backward" : "forward";
}

/** The regions holding `rid`, outermost first, the program left out. */
export function regionPath(G, rid) {
  const out = [];
  for (let r = rid; r !== null && r !== undefined && r !== G.root; ) {
    const reg = G.regions.get(r);
    if (!reg) break;
    out.unshift(reg);
    r = reg.parent;
  }
  return out;
}

/**
 * A node's tooltip, in the user's terms: what it computes, its shapes, where it sits (its pass
 * and the scopes and calls around it), the line of the user's code, what it keeps.
 * @param {Graph} G
 * @param {GraphNode} n
 * @returns {string[]}
 */
export function nodeDetails(G, n) {
  const where = regionPath(G, n.region).map((r) => regionTitle(r).replace(/ \(backward\)$/, ""));
  const pass = n.recomputed ? "recomputed in the backward pass (remat)" : PHASE_WORDS[n.phase] || "";
  const head = n.kind === "op" ? n.primitive : `${n.kind} ${nodeLabel(n)}`;
  return [
    head,
    n.inputs.length ? `in:  ${n.inputs.join(", ")}` : "",
    n.outputs.length ? `out: ${n.outputs.join(", ")}` : "",
    [pass, where.join(" \u203A ")].filter(Boolean).join(", in "),
    n.source ? `from ${n.source}` : "",
    n.bytes ? `keeps ${formatSize(n.bytes)} for the backward pass` : "",
    `id ${n.id}`,
  ].filter(Boolean);
}

/**
 * A region's tooltip.
 * @param {Graph} G
 * @param {Region} reg
 * @returns {string[]}
 */
export function regionDetails(G, reg) {
  if (reg.kind === INTERNAL_KIND) {
    return [regionTitle(reg), `${reg.count} op${reg.count === 1 ? "" : "s"} that the workbench's own code made (a checkpointing schedule's bookkeeping, say); click to open or close`, PHASE_WORDS[reg.phase] || ""].filter(Boolean);
  }
  const extra = reg.params.filter(([k]) => k !== "name").map(([k, v]) => `${k} ${v}`);
  const n = tripCount(reg);
  const loop = reg.loop ? `a loop: its body is drawn once${/^\d+$/.test(n) ? ` and runs ${n} times` : ""}` : "";
  return [
    regionTitle(reg),
    loop,
    `${reg.count} node${reg.count === 1 ? "" : "s"} inside; click to open or close`,
    PHASE_WORDS[reg.phase] || "",
    extra.length ? extra.join(", ") : "",
    reg.source ? `from ${reg.source}` : "",
    reg.bytes ? `keeps ${formatSize(reg.bytes)} for the backward pass` : "",
    `id ${reg.id}`,
  ].filter(Boolean);
}

/**
 * The boxes (leaf keys, or cluster keys for regions) whose node or region name holds `query`
 * (case-insensitive), in program order, each once.
 * @param {Graph} G
 * @param {View} V
 * @param {string} query
 * @returns {{keys: string[], count: number, nodes: number[], regions: string[]}}
 */
export function searchMatches(G, V, query) {
  const q = (query || "").trim().toLowerCase();
  const found = [];
  const nodes = [];
  const regions = [];
  if (q) {
    for (const n of G.nodes) {
      const text = `${n.primitive} ${n.name} ${n.id}`.toLowerCase();
      if (text.includes(q)) {
        found.push([n.index, V.keyOf(n.index)]);
        nodes.push(n.index);
      }
    }
    for (const r of G.regions.values()) {
      if (r.id !== G.root && (r.label.toLowerCase().includes(q) || regionTitle(r).toLowerCase().includes(q))) {
        const key = V.clusters.has("c:" + r.id) ? "c:" + r.id : Number.isFinite(r.first) ? V.keyOf(r.first) : null;
        found.push([r.first, key]);
        regions.push(r.id);
      }
    }
  }
  found.sort((x, y) => x[0] - y[0]);
  const keys = [...new Set(found.map(([, k]) => k).filter(Boolean))];
  return { keys, count: nodes.length + regions.length, nodes, regions };
}

/**
 * The highlighted ids: nodes by index, regions by id, and the regions to open to show them.
 * @param {Graph} G
 * @param {string[]} ids
 */
export function highlightTargets(G, ids) {
  const nodes = new Set();
  const regions = new Set();
  const open = new Set();
  const byId = G.byId || new Map(G.nodes.map((n) => [n.id, n]));
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

/** The regions to open so that node `index` is drawn as itself. */
export function regionsToOpen(G, index) {
  const n = G.nodes[index];
  return n ? highlightTargets(G, [n.id]).open : new Set();
}

/** The regions "expand all" opens: every one but the program; none for a flat graph (the button
 * is then disabled and says why, not silent). */
export function openableRegions(G) {
  return [...G.regions.keys()].filter((r) => r !== G.root);
}
