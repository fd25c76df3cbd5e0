// Where a non-finite value is made and where it goes (the `marks` trait: explain_nans's
// NanPath.to_json(), workbench/_src/debug/nans.py), as the boxes and drawn edges of one view to
// mark. No DOM here: tested with `node --test`.

/**
 * @typedef {Object} Marks  the `marks` trait ({} for none)
 * @property {string} origin  the node (or region) id that made the NaN or inf
 * @property {string} source  the node that made the inf the origin met ("" for none)
 * @property {string[]} nodes  node ids on the way to the non-finite outputs
 * @property {Array<[string, string]>} edges  [from, to] node ids of the edges on that way
 * @property {Array<[string, string]>} residual  those of them that are residuals carrying the inf
 * @property {string} [label]  the origin's badge ("NaN made here")
 * @property {string} [source_label]  the source's badge ("inf made here")
 *
 * @typedef {Object} MarkedView
 * @property {string | null} origin  the key of the box (or open region) showing the origin
 * @property {string | null} source  the key of the box showing the source
 * @property {Set<string>} boxes  keys of the boxes on the way
 * @property {Set<string>} edges  ids of the drawn edges on the way
 * @property {Set<string>} residual  ids of the drawn residual edges that carry the inf
 */

/**
 * The box (leaf key, or "c:<region>" for an open region) that shows node or region `id`.
 * @param {import("./model.js").Graph} G
 * @param {import("./model.js").View} V
 * @param {Map<string, number>} index  node id -> node index
 * @param {string} id
 * @returns {string | null}
 */
function boxOf(G, V, index, id) {
  if (index.has(id)) return V.keyOf(index.get(id)) ?? null;
  if (V.clusters.has("c:" + id)) return "c:" + id;
  if (V.leaves.has("r:" + id)) return "r:" + id;
  const reg = G.regions.get(id);
  return reg && Number.isFinite(reg.first) ? V.keyOf(reg.first) ?? null : null;
}

/**
 * What to mark in the view `V` of the graph `G` for `marks`.
 * @param {import("./model.js").Graph} G
 * @param {import("./model.js").View} V
 * @param {Marks | {}} marks
 * @returns {MarkedView}
 */
export function nanMarks(G, V, marks) {
  const out = { origin: null, source: null, boxes: new Set(), edges: new Set(), residual: new Set() };
  if (!marks || !marks.origin) return out;
  const index = new Map(G.nodes.map((n) => [n.id, n.index]));
  const pair = (a, b) => `${a}>${b}`;
  const ids = (list) => new Set((list || []).map(([a, b]) => pair(index.get(a), index.get(b))));
  const onWay = ids(marks.edges);
  const carrying = ids(marks.residual);
  for (const e of G.edges) {
    const p = pair(e.s, e.t);
    if (!onWay.has(p)) continue;
    const a = V.keyOf(e.s);
    const b = V.keyOf(e.t);
    if (a === undefined || b === undefined || a === b) continue; // inside one closed region
    const id = `${a}|${b}|${e.k}`; // as visibleGraph names the drawn edge
    out.edges.add(id);
    if (carrying.has(p)) out.residual.add(id);
  }
  for (const id of marks.nodes || []) {
    const key = boxOf(G, V, index, id);
    if (key) out.boxes.add(key);
  }
  out.origin = boxOf(G, V, index, marks.origin);
  out.source = marks.source ? boxOf(G, V, index, marks.source) : null;
  return out;
}

/**
 * Writes what the origin and the source made into their boxes' second line ("NaN made here
 * (mul, backward)"), before the layout sizes the boxes, so the words are inside the box.
 * @param {import("./model.js").Graph} G
 * @param {import("./model.js").View} V
 * @param {Marks | {}} marks
 */
export function labelMarked(G, V, marks) {
  if (!marks || !marks.origin) return;
  const index = new Map(G.nodes.map((n) => [n.id, n.index]));
  const origin = boxOf(G, V, index, marks.origin);
  const source = marks.source ? boxOf(G, V, index, marks.source) : null;
  for (const [key, text] of [
    [origin, marks.label || "made here"],
    [source !== origin ? source : null, marks.source_label || "inf made here"],
  ]) {
    const leaf = key && V.leaves.get(key);
    if (leaf) leaf.sub = leaf.sub ? `${text} \u00B7 ${leaf.sub}` : text;
  }
}
