// The graph viewer's views: what is drawn for a set of open regions (visibleGraph), read from
// the open regions only, with identical repeated groups folded (foldRepeats) and the groups of
// values that feed them (foldValues). No DOM here: tested with `node --test`.
import { formatBytes as formatSize } from "../common/dom.js";
import { VALUE_KINDS, loopDetail, nodeLabel, nodeRole, regionTitle, valueShape } from "./model.js";

/**
 * @typedef {Object} Leaf  one box drawn: a node, or a collapsed region
 * @property {string} key  "n:<index>" or "r:<region id>"
 * @property {"node" | "region"} type
 * @property {import("./model.js").GraphNode} [node]
 * @property {import("./model.js").Region} [region]
 * @property {string | null} parent  key of the open region drawn around it ("c:<id>"), null at top
 * @property {number} order  program order
 * @property {string} label  first line
 * @property {string} shape  the value it makes, after the label ("f32[4,16]"; "" for none)
 * @property {string} sub  second line ("" for none): bytes kept, a collapsed region's size
 * @property {string} role  colour class
 *
 * @typedef {Object} Cluster  an open region, drawn as a box around its contents
 * @property {string} key  "c:<region id>"
 * @property {import("./model.js").Region} region
 * @property {string | null} parent
 * @property {string} title
 * @property {string} detail  a loop's second header line
 *
 * @typedef {Object} VisibleEdge  edges between two boxes, merged
 * @property {string} id
 * @property {string} a  source leaf key
 * @property {string} b  target leaf key
 * @property {"f" | "b" | "r"} k
 * @property {number} count  edges merged
 * @property {string} label  the value's shape ("f32[4,16]"), or how many values
 *
 * @typedef {Object} View
 * @property {Map<string, Leaf>} leaves
 * @property {Map<string, Cluster>} clusters
 * @property {VisibleEdge[]} edges
 * @property {function(number): string} keyOf  node index -> the key of the box that shows it
 */

/**
 * What is drawn for a set of open regions: leaves (nodes and collapsed regions), clusters (open
 * regions) and the edges between leaves, merged where a collapsed region swallows their ends.
 * @param {import("./model.js").Graph} G
 * @param {Set<string>} expanded
 * @returns {View}
 */
export function visibleGraph(G, expanded) {
  // The regions drawn open (the program and every open region whose parents are all open), and
  // their closed children: only these are read, never the nodes and edges inside closed ones
  // (prepare's index), so opening one box of a 50,000-equation program reads what it shows.
  const top = G.top;
  const open = [top];
  const closed = [];
  for (let i = 0; i < open.length; i += 1) {
    for (const c of open[i].kids) {
      const reg = G.regions.get(c);
      // The program (no parent) is always open; a region of unknown parent is the top's.
      if (reg.parent === null || reg.parent === undefined || expanded.has(c)) open.push(reg);
      else if (reg.count > 0) closed.push(c);
    }
  }
  // Any node's box, for the few who ask (edges, search, marks): the outermost closed region
  // above it, found once per region.
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
  for (const reg of open) if (reg !== top) memo.set(reg.id, null);
  for (const c of closed) memo.set(c, c);
  const fold = foldRepeats(G, closed);
  const repOf = (i) => rep(G.nodes[i].region);
  foldValues(G, open, repOf, (reg) => memo.get(reg.id) === null, fold);
  const keyOf = (i) => {
    if (!G.nodes[i]) return undefined;
    const r = repOf(i);
    return r === null ? "n:" + i : "r:" + (fold.get(r) || r);
  };
  const clusterOf = (rid) => (rid === G.root || rid === null || rid === undefined ? null : "c:" + rid);
  const made = [];
  for (const reg of open) {
    for (const i of reg.own) {
      const n = G.nodes[i];
      const sub = n.bytes ? `keeps ${formatSize(n.bytes)}` : "";
      made.push({ key: "n:" + i, type: "node", node: n, parent: clusterOf(n.region), order: i, label: nodeLabel(n), shape: valueShape(n), sub, role: nodeRole(n) });
    }
  }
  for (const c of closed) {
    const r = fold.get(c) || c;
    if (r !== c) continue; // drawn as the first of its repeats
    const reg = G.regions.get(r);
    const repeat = fold.repeats.get(r) || 1;
    const parts = [`${reg.count} node${reg.count === 1 ? "" : "s"}${repeat > 1 ? " each" : ""}`];
    const detail = loopDetail(reg); // a loop's scheme: "Binomial(4)"
    if (detail) parts.unshift(detail);
    if (reg.bytes) parts.push(`keeps ${formatSize(reg.bytes * repeat)}`);
    const name = repeat > 1 && VALUE_KINDS.has(reg.kind) ? indexed(reg.label) : regionTitle(reg);
    const title = `\u25B8 ${name}${repeat > 1 ? ` \u00D7${repeat}` : ""}`;
    made.push({ key: "r:" + r, type: "region", region: reg, repeat, parent: clusterOf(reg.parent), order: reg.first, label: title, shape: "", sub: parts.join(", "), role: reg.loop ? "loop" : "region" });
  }
  made.sort((a, b) => a.order - b.order); // program order
  const leaves = new Map(made.map((l) => [l.key, l]));
  const clusters = new Map();
  for (const leaf of made) {
    let c = leaf.parent;
    while (c !== null && !clusters.has(c)) {
      const reg = G.regions.get(c.slice(2));
      clusters.set(c, { key: c, region: reg, parent: clusterOf(reg.parent), title: `\u25BE ${regionTitle(reg)}`, detail: loopDetail(reg) });
      c = clusterOf(reg.parent);
    }
  }
  // The edges between boxes: those whose ends no closed region holds together, each link of
  // two closed children at once, in program order (of their first edge).
  const merged = new Map();
  const add = (first, a, b, k, count, aval, same) => {
    if (a === b) return; // two repeats folded into one box
    const id = `${a}|${b}|${k}`;
    const m = merged.get(id);
    if (!m) {
      merged.set(id, { id, a, b, k, count, aval, same, first });
      return;
    }
    m.count += count;
    m.first = Math.min(m.first, first);
    m.same = m.same && same && m.aval === aval;
  };
  const boxOfChild = (reg) => (memo.get(reg.id) === null ? null : "r:" + (fold.get(reg.id) || reg.id));
  for (const reg of open) {
    for (const i of reg.plain) {
      const e = G.edges[i];
      add(i, "n:" + e.s, "n:" + e.t, e.k, 1, e.aval, true);
    }
    for (const link of reg.links) {
      const a = link.a ? boxOfChild(link.a) : "n:" + link.s;
      const b = link.b ? boxOfChild(link.b) : "n:" + link.t;
      if (a !== null && b !== null) add(link.first, a, b, link.k, link.count, link.aval, link.same);
      else {
        for (const i of link.edges) {
          const e = G.edges[i];
          add(i, keyOf(e.s), keyOf(e.t), e.k, 1, e.aval, true);
        }
      }
    }
  }
  const edges = [...merged.values()]
    .sort((x, y) => x.first - y.first)
    .map(({ aval, same, first, ...e }) => ({ ...e, label: e.count === 1 ? aval || "" : same ? `${e.count} \u00D7 ${aval}` : `${e.count} values` }));
  return { leaves, clusters, edges, keyOf };
}

/** Region kinds whose identical closed siblings are drawn as one box "×n". */
const FOLD_KINDS = new Set(["function", "named_scope"]);

/**
 * Identical repeated groups, folded: closed sibling regions of the same kind, name and pass
 * that hold the same ops in the same order (the 12 calls of a model's `block`) are drawn as
 * one box that says ×12, standing for the first of them; opening it opens that one.
 * @param {import("./model.js").Graph} G
 * @param {Iterable<string | null>} reps  the closed regions drawn (repeats and nulls allowed)
 * @returns {Map<string, string> & {repeats: Map<string, number>}}  member -> the first member
 */
export function foldRepeats(G, reps) {
  const groups = new Map();
  const seen = new Set();
  for (const r of reps) {
    if (r === null || seen.has(r)) continue;
    seen.add(r);
    const reg = G.regions.get(r);
    if (!reg || !FOLD_KINDS.has(reg.kind)) continue;
    const key = `${reg.parent}|${reg.kind}|${reg.label}|${reg.phase}|${reg.count}|${reg.sig}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(reg);
  }
  const fold = new Map();
  fold.repeats = new Map();
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    members.sort((a, b) => a.first - b.first);
    for (const m of members) fold.set(m.id, members[0].id);
    fold.repeats.set(members[0].id, members.length);
  }
  return fold;
}

/** A group's label with its last index as "[i]": "result[0][3]" -> "result[0][i]". */
const indexed = (label) => label.replace(/\[\d+\](?!.*\[\d+\])/, "[i]");


/**
 * Values folded with what they feed: closed sibling groups of one pytree's arguments (or
 * results), "params[0]" to "params[11]", whose every edge goes to (comes from) the same boxes
 * (the folded "block x12") are one box too, "params[i] x12". Groups that feed different boxes
 * (the layers of an MLP, each drawn) stay apart, beside their layers. Adds to `fold`.
 */
function foldValues(G, open, repOf, isOpen, fold) {
  const boxOf = (i) => {
    const r = repOf(i);
    return r === null ? `n:${i}` : `r:${fold.get(r) || r}`;
  };
  const ends = new Map(); // value region -> the boxes at the other ends of its edges
  const note = (r, other) => {
    if (!ends.has(r)) ends.set(r, new Set());
    ends.get(r).add(other);
  };
  // Only the links of the regions drawn open (an edge inside a closed region joins one box),
  // whose ends are closed groups of values (all its edges at once) or open regions that hold
  // some (their edges one by one).
  for (const reg of open) {
    for (const link of reg.links) {
      const ends2 = [link.a, link.b];
      if (!ends2.some((c) => c && c.values)) continue;
      const closed = ends2.map((c) => c === null || !isOpen(c));
      if (closed[0] && closed[1]) {
        const [a, b] = ends2.map((c, j) => (c === null ? `n:${j ? link.t : link.s}` : `r:${fold.get(c.id) || c.id}`));
        if (link.a && VALUE_KINDS.has(link.a.kind)) note(link.a.id, b);
        if (link.b && VALUE_KINDS.has(link.b.kind)) note(link.b.id, a);
        continue;
      }
      for (const i of link.edges) {
        const e = G.edges[i];
        for (const [mine, other] of [[e.s, e.t], [e.t, e.s]]) {
          const r = repOf(mine);
          const held = r === null ? null : G.regions.get(r);
          if (held && VALUE_KINDS.has(held.kind)) note(r, boxOf(other));
        }
      }
    }
  }
  const groups = new Map();
  for (const [r, others] of ends) {
    const reg = G.regions.get(r);
    const key = `${reg.parent}|${reg.kind}|${indexed(reg.label)}|${reg.count}|${[...others].sort().join(",")}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(reg);
  }
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    members.sort((a, b) => a.first - b.first);
    for (const m of members) fold.set(m.id, members[0].id);
    fold.repeats.set(members[0].id, members.length);
  }
}
