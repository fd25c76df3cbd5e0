// The graph viewer's data reading and model, on what the Python side sends (fixtures written by
// tests/js_fixtures.py from wb.graph on real programs; tests/test_graph_widget.py checks they
// are current).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture } from "./fixtures.js";
import { FORMAT, decodeRows, formatProblem } from "../format.js";
import {
  highlightTargets,
  nodeDetails,
  openableRegions,
  prepare,
  regionDetails,
  loopDetail,
  regionTitle,
  searchMatches,
} from "../model.js";
import { foldRepeats, visibleGraph } from "../visible.js";

const PROGRAMS = ["mlp2", "mlp20", "remat20", "scan_loop"];

test("rows decode by the field table the data carries", () => {
  for (const name of PROGRAMS) {
    const { graph } = fixture(name);
    assert.equal(graph.format, FORMAT);
    assert.equal(formatProblem(graph), "");
    const nodes = decodeRows(graph, "nodes");
    const regions = decodeRows(graph, "regions");
    const edges = decodeRows(graph, "edges");
    assert.equal(nodes.length, graph.nodes.length);
    const regionIds = new Set(regions.map((r) => r.id));
    for (const n of nodes) {
      assert.ok(["op", "argument", "constant", "result"].includes(n.kind), n.kind);
      assert.ok(["primal", "forward", "backward"].includes(n.phase), n.phase);
      assert.ok(regionIds.has(n.region), `${n.id} sits in a known region`);
      for (const a of [...n.inputs, ...n.outputs]) assert.match(a, /^[a-z]+\d*\[[\d,]*\]$/);
    }
    for (const r of regions) assert.ok(r.parent === null || regionIds.has(r.parent));
    for (const e of edges) {
      assert.ok(e.source >= 0 && e.source < nodes.length && e.target >= 0 && e.target < nodes.length);
      assert.ok(["f", "b", "r"].includes(e.kind));
    }
  }
});

test("a gradient has all three kinds of edges, and sources name the user's code", () => {
  const { graph } = fixture("mlp2");
  const edges = decodeRows(graph, "edges");
  assert.deepEqual(new Set(edges.map((e) => e.kind)), new Set(["f", "b", "r"]));
  const tanh = decodeRows(graph, "nodes").find((n) => n.primitive === "tanh");
  assert.match(tanh.source, /graph_programs\.py:\d+:\d+ \(mlp\)$/);
});

test("a format the viewer does not read is named, and unknown codings refused", () => {
  assert.match(formatProblem({ nodes: [], format: 1 }), /format 1; this viewer reads format 2/);
  const bad = { fields: { nodes: [["id", "?"]] }, nodes: [["a"]], strings: [""] };
  assert.throws(() => decodeRows(bad, "nodes"), /unknown coding "\?" of nodes.id/);
  assert.throws(() => decodeRows({ nodes: [["a"]] }, "nodes"), /without a field table/);
});

test("every region counts the nodes inside it, at any depth", () => {
  const G = prepare(fixture("remat20").graph);
  assert.equal(G.regions.get(G.root).count, G.nodes.length);
  for (const r of G.regions.values()) {
    const inside = G.nodes.filter((n) => {
      for (let x = n.region; x; x = G.regions.get(x).parent) if (x === r.id) return true;
      return false;
    });
    assert.equal(r.count, inside.length, r.id);
  }
});

test("collapsed regions are one box each, and the edges between boxes are merged", () => {
  const G = prepare(fixture("remat20").graph);
  const top = [...G.regions.values()].filter((r) => r.parent === G.root);
  assert.ok(top.length >= 20);
  const V = visibleGraph(G, new Set());
  // Independent count: the nodes directly in the program, plus one box per top-level region.
  const direct = G.nodes.filter((n) => n.region === G.root).length;
  assert.equal(V.leaves.size, direct + top.length);
  assert.equal(V.clusters.size, 0);
  const seen = new Set();
  for (const e of V.edges) {
    assert.notEqual(e.a, e.b);
    assert.ok(V.leaves.has(e.a) && V.leaves.has(e.b));
    assert.ok(!seen.has(e.id), "one edge per pair of boxes and kind");
    seen.add(e.id);
  }
  const merged = V.edges.reduce((a, e) => a + e.count, 0);
  const internal = G.edges.filter((e) => V.keyOf(e.s) === V.keyOf(e.t)).length;
  assert.equal(merged + internal, G.edges.length);
  // Every region open: every node is its own box inside the open regions.
  const all = new Set([...G.regions.keys()].filter((r) => r !== G.root));
  const W = visibleGraph(G, all);
  assert.equal(W.leaves.size, G.nodes.length);
  assert.equal(W.clusters.size, all.size);
});

test("names are the user's: passes told apart, remat and loops in words, no JAX internals", () => {
  const G = prepare(fixture("remat20").graph);
  const titles = [...G.regions.values()].filter((r) => r.id !== G.root).map(regionTitle);
  assert.ok(titles.includes("checkpoint (remat) (backward)"));
  assert.ok(titles.includes("recompute"));
  for (const n of G.nodes) {
    const text = nodeDetails(G, n).join("\n");
    assert.doesNotMatch(text, /jvp\(|transpose\(/, `${n.id}: ${text}`);
  }
  const recomputed = G.nodes.find((n) => n.recomputed);
  assert.match(nodeDetails(G, recomputed).join("\n"), /recomputed in the backward pass \(remat\)/);
  const loop = prepare(fixture("scan_loop").graph);
  const scans = [...loop.regions.values()].filter((r) => r.kind === "scan");
  assert.deepEqual(scans.map(regionTitle).sort(), ["\u21BB scan \u00D720", "\u21BB scan \u00D720 (backward)"]);
  assert.match(regionDetails(loop, scans[0]).join("\n"), /body is drawn once and runs 20 times/);
});

test("which regions are loops comes from the data's loop_kinds (the workbench's registry)", () => {
  const data = fixture("scan_loop").graph;
  assert.deepEqual(data.loop_kinds, ["loop", "scan", "while"]);
  const scans = (G) => [...G.regions.values()].filter((r) => r.kind === "scan");
  assert.ok(scans(prepare(data)).every((r) => r.loop));
  const none = prepare({ ...data, loop_kinds: [] });
  assert.ok(scans(none).every((r) => !r.loop));
});

test("region titles and loop lines are the ones the Python side writes, sent with the data (issue 24)", () => {
  const data = fixture("binomial_loop").graph;
  const rows = decodeRows(data, "regions");
  const G = prepare(data);
  // Every region's title and second line as sent: the viewer writes none of its own.
  for (const r of rows) {
    assert.equal(regionTitle(G.regions.get(r.id)), r.title);
    assert.equal(loopDetail(G.regions.get(r.id)), r.detail);
  }
  const loops = rows.filter((r) => r.kind === "loop" && r.detail.includes("Binomial(3)"));
  const titles = loops.map((r) => r.title);
  assert.ok(titles.includes("\u21BB loop \u00D740") && titles.includes("\u21BB loop \u00D740 (backward)"), titles.join("; "));
  // Data saved before the titles were sent: the label.
  const fields = { ...data.fields, regions: data.fields.regions.filter(([name]) => name !== "title" && name !== "detail") };
  const old = prepare({ ...data, fields, regions: data.regions.map((r) => r.slice(0, fields.regions.length)) });
  for (const r of rows) assert.equal(regionTitle(old.regions.get(r.id)), r.label);
});

test("search finds nodes and regions in program order; highlight opens their regions", () => {
  const G = prepare(fixture("remat20").graph);
  const V = visibleGraph(G, new Set());
  const found = searchMatches(G, V, "TANH");
  const tanh = G.nodes.filter((n) => n.primitive === "tanh");
  assert.deepEqual(found.nodes, tanh.map((n) => n.index));
  assert.equal(found.count, tanh.length);
  for (const key of found.keys) assert.ok(V.leaves.has(key) || V.clusters.has(key));
  assert.deepEqual(searchMatches(G, V, "  ").keys, []);
  const inner = G.nodes.find((n) => n.recomputed);
  const T = highlightTargets(G, [inner.id]);
  assert.ok(T.nodes.has(inner.index));
  const path = [];
  for (let r = inner.region; r !== G.root; r = G.regions.get(r).parent) path.push(r);
  assert.deepEqual([...T.open].sort(), path.sort());
  assert.deepEqual(highlightTargets(G, ["no such id"]).nodes.size, 0);
});

test("expand all opens every region but the program; a flat graph has none (issue 24)", () => {
  assert.deepEqual(openableRegions(prepare(fixture("mlp2").graph)), []);
  const G = prepare(fixture("remat20").graph);
  const open = openableRegions(G);
  assert.equal(open.length, G.regions.size - 1);
  assert.ok(!open.includes(G.root));
  // Opened, every node is drawn as itself: no box stands for a closed region.
  const V = visibleGraph(G, new Set(open));
  assert.ok([...V.leaves.values()].every((leaf) => leaf.type === "node"));
});

test("a 12-layer model of plain functions: its first view is a few boxes, the layers folded x12 (issue 24)", () => {
  const F = fixture("blocks12");
  const G = prepare(F.graph);
  assert.ok(G.nodes.length > 1500);
  const V = visibleGraph(G, new Set(F.expanded));
  assert.ok(V.leaves.size <= 40, `${V.leaves.size} boxes`);
  const labels = [...V.leaves.values()].map((l) => l.label);
  // One box for the 12 forward calls of block, one for their backward pass: "x12".
  assert.deepEqual(labels.filter((l) => l.includes("block")).sort(), ["\u25B8 block (backward) \u00D712", "\u25B8 block \u00D712"]);
  // The arguments are a box per layer (params[3]), folded like the layers they feed; their
  // paths stay on the nodes.
  assert.ok(labels.includes("\u25B8 params[i] \u00D712"), labels.join(", "));
  assert.ok(G.nodes.some((n) => n.name === "params[3]['wq']"));
  // Search finds the user's functions by name, whole calls as regions.
  const found = searchMatches(G, V, "attention");
  assert.equal(found.regions.length, 24); // 12 calls, forward and backward
  assert.ok(found.keys.length >= 1);
  // Opening the folded box opens its first call: its functions are drawn, the 11 others fold.
  const first = [...V.leaves.values()].find((l) => l.label === "\u25B8 block \u00D712").region.id;
  const W = visibleGraph(G, new Set([...F.expanded, first]));
  const inner = [...W.leaves.values()].filter((l) => l.parent === "c:" + first).map((l) => l.label);
  assert.ok(inner.some((l) => l.startsWith("\u25B8 attention")), inner.join(", "));
  assert.ok([...W.leaves.values()].some((l) => l.label === "\u25B8 block \u00D711"));
  assert.ok(W.leaves.size <= 60);
});

// The view as the viewer computed it before it read the open regions only: every node's box
// from the regions above it, repeats and groups of values folded over every edge of the
// program, every edge merged between boxes. The oracle of the test below.
function wholeProgramView(G, expanded) {
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
  const reps = G.nodes.map((n) => rep(n.region));
  const fold = foldRepeats(G, reps);
  const values = new Set(["arguments", "results"]);
  const boxOf = (i) => (reps[i] === null ? `n:${i}` : `r:${fold.get(reps[i]) || reps[i]}`);
  const ends = new Map();
  for (const e of G.edges) {
    for (const [mine, other] of [[e.s, e.t], [e.t, e.s]]) {
      const reg = reps[mine] === null ? null : G.regions.get(reps[mine]);
      if (!reg || !values.has(reg.kind)) continue;
      if (!ends.has(reg.id)) ends.set(reg.id, new Set());
      ends.get(reg.id).add(boxOf(other));
    }
  }
  const groups = new Map();
  for (const [r, others] of ends) {
    const reg = G.regions.get(r);
    const label = reg.label.replace(/\[\d+\](?!.*\[\d+\])/, "[i]");
    const key = `${reg.parent}|${reg.kind}|${label}|${reg.count}|${[...others].sort().join(",")}`;
    groups.set(key, [...(groups.get(key) || []), reg]);
  }
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    members.sort((a, b) => a.first - b.first);
    for (const m of members) fold.set(m.id, members[0].id);
  }
  const keyOf = G.nodes.map((_, i) => boxOf(i));
  const merged = new Map();
  for (const e of G.edges) {
    const a = keyOf[e.s];
    const b = keyOf[e.t];
    if (a === b) continue;
    const id = `${a}|${b}|${e.k}`;
    const m = merged.get(id) || { count: 0, avals: new Set() };
    m.count += 1;
    m.avals.add(e.aval);
    merged.set(id, m);
  }
  const label = ({ count, avals }) => (count === 1 ? [...avals][0] : avals.size === 1 ? `${count} \u00D7 ${[...avals][0]}` : `${count} values`);
  return { keyOf, boxes: new Set(keyOf), edges: new Map([...merged].map(([id, m]) => [id, `${m.count} ${label(m)}`])) };
}

test("a view reads the open regions only, and draws what the whole program's walk draws", () => {
  for (const name of ["mlp2", "mlp20", "remat20", "scan_loop", "binomial_loop", "blocks12", "nan_marks"]) {
    const F = fixture(name);
    const G = prepare(F.graph);
    const regions = [...G.regions.keys()].filter((r) => r !== G.root);
    // The first view, everything open, and open sets of every size (nested ones opened under
    // closed ones too, which must draw nothing of theirs).
    const sets = [F.expanded || [], regions, regions.filter((_, i) => i % 2), regions.filter((_, i) => i % 3 === 0), regions.slice(0, 5)];
    for (const list of sets) {
      const expanded = new Set(list);
      const V = visibleGraph(G, expanded);
      const W = wholeProgramView(G, expanded);
      G.nodes.forEach((n, i) => assert.equal(V.keyOf(i), W.keyOf[i], `${name}: node ${n.id}`));
      assert.deepEqual(new Set(V.leaves.keys()), W.boxes, name);
      // The same edges, counts and labels, in the same order (ELK keeps the edges' order).
      assert.deepEqual(V.edges.map((e) => [e.id, `${e.count} ${e.label}`]), [...W.edges], name);
      const orders = [...V.leaves.values()].map((l) => l.order);
      assert.deepEqual(orders, [...orders].sort((a, b) => a - b), `${name}: leaves in program order`);
    }
  }
});
