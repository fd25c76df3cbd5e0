// The graph viewer's layout on the programs users inspect (issue 15): ELK (in-process here, as
// elkjs ships it for Node) on the fixtures the Python side writes. The geometry is checked from
// the definitions: no two sibling boxes overlap, every box lies inside its region, no edge runs
// through a box (or a region header) that is not its end, every label fits its box.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { LABEL_REACH, METRICS, SHAPE_GAP, candidateLabel, estimateWidth, headerKey, layeredLayout, layout, placeEdgeLabels, sizes } from "../layout.js";
import { decodeRows } from "../format.js";
import { prepare } from "../model.js";
import { visibleGraph } from "../visible.js";
import { inside, overlap, routeCrosses } from "./geometry.js";
import { fixture } from "./fixtures.js";

const require = createRequire(import.meta.url);
const ELK = require("elkjs/lib/elk.bundled.js");
const elk = new ELK();

async function laidOut(name, expanded) {
  const fx = fixture(name);
  const G = prepare(fx.graph);
  const V = visibleGraph(G, new Set(expanded ?? fx.expanded));
  const L = await layout(V, elk, estimateWidth);
  return { G, V, L };
}

function checkGeometry({ V, L }) {
  assert.equal(L.engine, "elk");
  // Every box drawn, and inside its region's box.
  for (const l of V.leaves.values()) {
    assert.ok(L.boxes.get(l.key), `${l.key} has a box`);
    if (l.parent) assert.ok(inside(L.boxes.get(l.key), L.boxes.get(l.parent)), `${l.key} inside ${l.parent}`);
  }
  for (const c of V.clusters.values()) {
    const box = L.boxes.get(c.key);
    if (c.parent) assert.ok(inside(box, L.boxes.get(c.parent)), `${c.key} inside ${c.parent}`);
    assert.ok(inside(L.boxes.get(headerKey(c.key)), box), `header of ${c.key} inside it`);
  }
  // Siblings (boxes, regions and headers with the same parent) never overlap.
  const byParent = new Map();
  const add = (parent, key) => {
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(key);
  };
  for (const l of V.leaves.values()) add(l.parent, l.key);
  for (const c of V.clusters.values()) {
    add(c.parent, c.key);
    add(c.key, headerKey(c.key));
  }
  let pairs = 0;
  for (const [parent, keys] of byParent) {
    for (let i = 0; i < keys.length; i += 1) {
      for (let j = i + 1; j < keys.length; j += 1) {
        pairs += 1;
        assert.ok(!overlap(L.boxes.get(keys[i]), L.boxes.get(keys[j])), `${keys[i]} overlaps ${keys[j]} in ${parent}`);
      }
    }
  }
  // No edge through a box that is not its end, nor through a region header.
  const obstacles = [...V.leaves.keys(), ...[...V.clusters.keys()].map(headerKey)];
  for (const r of L.edges) {
    assert.ok(r.points.length >= 2, `${r.edge.id} is routed`);
    for (const key of obstacles) {
      if (key === r.edge.a || key === r.edge.b) continue;
      assert.ok(!routeCrosses(r.points, L.boxes.get(key)), `${r.edge.id} runs through ${key}`);
    }
  }
  // Labels fit: a box is as wide as its text (in the same measure) plus its padding.
  const S = sizes(V, estimateWidth);
  for (const l of V.leaves.values()) {
    const text = estimateWidth(l.label, "node") + (l.shape ? SHAPE_GAP + estimateWidth(l.shape, "sub") : 0);
    assert.ok(L.boxes.get(l.key).width >= text + 2 * METRICS.padX - 0.5, `${l.key}: "${l.label}" fits`);
    assert.equal(L.boxes.get(l.key).height, S.leaves.get(l.key).height);
  }
  return pairs;
}

test("2-layer MLP: boxes apart, edges around them, labels inside", async () => {
  const out = await laidOut("mlp2");
  assert.equal(out.V.leaves.size, out.G.nodes.length);
  checkGeometry(out);
});

test("the backward pass is laid out beside the forward pass: residual edges stay short", async () => {
  const { V, L } = await laidOut("mlp20");
  checkGeometry({ V, L });
  // Twenty layers drawn one under the other, each layer's boxes together: a tall column, not
  // a staircase (Brandes-Koepf's placement drew it 7,400 px wide for 5,000 tall).
  assert.ok(L.bounds.width < 0.3 * L.bounds.height, `${L.bounds.width} x ${L.bounds.height}`);
  // Top-down, a residual from layer i's forward pass to its backward pass would run down the
  // rest of both passes (about half the drawing on average); beside it, far less.
  const spans = L.edges.filter((r) => r.edge.k === "r").map((r) => Math.abs(r.points.at(-1).y - r.points[0].y));
  const mean = spans.reduce((a, b) => a + b, 0) / spans.length;
  assert.ok(mean < 0.2 * L.bounds.height, `mean residual span ${mean} of ${L.bounds.height}`);
  // Backward edges point from their source to their target, as drawn (ELK saw them reversed).
  for (const r of L.edges.filter((x) => x.edge.k === "b")) {
    const a = L.boxes.get(r.edge.a);
    const b = L.boxes.get(r.edge.b);
    const [p, q] = [r.points[0], r.points.at(-1)];
    const near = (pt, box) => pt.x >= box.x - 1 && pt.x <= box.x + box.width + 1 && pt.y >= box.y - 1 && pt.y <= box.y + box.height + 1;
    assert.ok(near(p, a) && near(q, b), `${r.edge.id} runs from ${r.edge.a} to ${r.edge.b}`);
  }
});

test("20-layer remat stack, every region open: regions never overlap", async () => {
  const fx = fixture("remat20");
  const out = await laidOut("remat20", fx.expanded);
  assert.ok(out.V.clusters.size >= 40);
  assert.ok(checkGeometry(out) > 100);
});

test("20-layer remat stack as it opens (regions collapsed)", async () => {
  const out = await laidOut("remat20", []);
  assert.equal(out.V.clusters.size, 0);
  checkGeometry(out);
});

test("a loop: its body drawn once, inside the loop's box", async () => {
  const out = await laidOut("scan_loop");
  checkGeometry(out);
  const loops = [...out.V.clusters.values()].filter((c) => c.region.kind === "scan");
  assert.equal(loops.length, 2);
  for (const c of loops) assert.match(c.title, /scan \u00D720/);
});

/** binomial_loop's fixture with its checkpointed loop's boxes opened (the schedule inside). */
function scheduleOpened() {
  const fx = fixture("binomial_loop");
  const sweeps = decodeRows(fx.graph, "regions").filter((r) => r.params.some(([k]) => k === "schedule"));
  return [...fx.expanded, ...sweeps.map((r) => r.id)];
}

test("a checkpointed loop: one box per pass saying its count and scheme; the schedule inside (issue 24)", async () => {
  const first = await laidOut("binomial_loop");
  checkGeometry(first);
  const boxes = [...first.V.leaves.values()].filter((l) => l.type === "region" && l.role === "loop");
  assert.deepEqual(boxes.map((l) => `${l.label} | ${l.sub.split(",")[0]}`).sort(), ["\u25B8 \u21BB loop \u00D740 (backward) | Binomial(3)", "\u25B8 \u21BB loop \u00D740 | Binomial(3)"]);
  const shown = [...first.V.leaves.values()].map((l) => l.label).join(" ");
  assert.ok(!/revolve|\u00D720|\u00D714/.test(shown), shown); // no schedule at first
  // Opened, the schedule: its loops titled with their trip counts and scheme, bookkeeping grouped.
  const out = await laidOut("binomial_loop", scheduleOpened());
  checkGeometry(out);
  const titles = [...out.V.clusters.values()].map((c) => `${c.title} ${c.detail}`);
  assert.ok(titles.some((t) => /\u21BB loop \u00D740 Binomial\(3\)/.test(t)), titles.join("; "));
  assert.ok(titles.some((t) => /\u21BB loop \u00D720 Binomial\(3\)/.test(t)), titles.join("; "));
  // The schedule's bookkeeping (the workbench's own ops) is in closed boxes: the user's body
  // ops (sin, mul) are drawn, the bookkeeping's are not.
  const drawn = [...out.V.leaves.values()].filter((l) => l.type === "node").map((l) => l.node.primitive);
  assert.ok(drawn.includes("sin") && !drawn.includes("scatter") && !drawn.includes("select_n"));
  assert.ok([...out.V.leaves.values()].some((l) => l.type === "region" && l.region.kind === "internal"));
});

test("without ELK, the layered layout routes long edges around every box", () => {
  const fx = fixture("remat20");
  const G = prepare(fx.graph);
  const V = visibleGraph(G, new Set(fx.expanded));
  const L = layeredLayout(V, sizes(V, estimateWidth));
  assert.equal(L.clustersDrawn, false);
  const keys = [...V.leaves.keys()];
  for (let i = 0; i < keys.length; i += 1) {
    for (let j = i + 1; j < keys.length; j += 1) assert.ok(!overlap(L.boxes.get(keys[i]), L.boxes.get(keys[j])));
  }
  for (const r of L.edges) {
    for (const key of keys) {
      if (key !== r.edge.a && key !== r.edge.b) assert.ok(!routeCrosses(r.points, L.boxes.get(key)), `${r.edge.id} through ${key}`);
    }
  }
});

/** The distance from box `b` to the axis-parallel polyline `pts`. */
function distanceToRoute(b, pts) {
  let best = Infinity;
  for (let i = 1; i < pts.length; i += 1) {
    const [p, q] = [pts[i - 1], pts[i]];
    const dx = Math.max(0, b.x - Math.max(p.x, q.x), Math.min(p.x, q.x) - (b.x + b.width));
    const dy = Math.max(0, b.y - Math.max(p.y, q.y), Math.min(p.y, q.y) - (b.y + b.height));
    best = Math.min(best, Math.hypot(dx, dy));
  }
  return best;
}

/** The shapes on the edges of layout L: beside their edge, near its start, clear of every box,
 * header, other label and other value's edge, inside or outside each region, each value once. */
function checkEdgeLabels({ V, L }) {
  assert.ok(L.edgeLabels);
  const labelled = L.edges.filter((r) => r.label);
  const solid = [...V.leaves.keys(), ...(L.clustersDrawn ? [...V.clusters.keys()].map(headerKey) : [])].map((k) => L.boxes.get(k));
  const values = new Set();
  for (const r of labelled) {
    const b = r.label;
    assert.equal(b.height, METRICS.edgeLabelHeight);
    assert.ok(b.width >= estimateWidth(r.edge.label, "edge"), `${r.edge.id}: "${r.edge.label}" fits its label`);
    assert.ok(distanceToRoute(b, r.points) <= 4, `${r.edge.id}'s label lies next to its edge`);
    for (const o of solid) assert.ok(!overlap(b, o, 0), `${r.edge.id}'s label overlaps a box`);
    if (L.clustersDrawn) {
      for (const c of V.clusters.keys()) {
        const cb = L.boxes.get(c);
        assert.ok(!overlap(b, cb, 0) || inside(b, cb, 0), `${r.edge.id}'s label straddles the border of ${c}`);
      }
    }
    for (const o of L.edges) {
      if (o.edge.a !== r.edge.a) assert.ok(!routeCrosses(o.points, b, 0), `${r.edge.id}'s label covers edge ${o.edge.id}`);
    }
    const value = `${r.edge.a} ${r.edge.label}`;
    assert.ok(!values.has(value), `${value} labelled twice`);
    values.add(value);
  }
  for (let i = 0; i < labelled.length; i += 1) {
    for (let j = i + 1; j < labelled.length; j += 1) assert.ok(!overlap(labelled[i].label, labelled[j].label, 0), `labels of ${labelled[i].edge.id} and ${labelled[j].edge.id} overlap`);
  }
  const all = new Set(L.edges.filter((r) => r.edge.label).map((r) => `${r.edge.a} ${r.edge.label}`));
  return { labelled: values.size, values: all.size };
}

for (const [name, least] of [["mlp2", 0.5], ["mlp20", 0.5], ["remat20", 0.5], ["binomial_loop", 0.7], ["scan_loop", 0.7]]) {
  test(`shapes ride on the edges of ${name}: beside their edge, over nothing, most values labelled`, async () => {
    const out = await laidOut(name, name === "binomial_loop" ? scheduleOpened() : undefined);
    const { labelled, values } = checkEdgeLabels(out);
    assert.ok(labelled >= least * values, `${labelled} of ${values} values labelled`);
    // The linear-time layout (no regions drawn) places them by the same rules.
    const L = placeEdgeLabels(layeredLayout(out.V, sizes(out.V, estimateWidth)), out.V, estimateWidth);
    const quick = checkEdgeLabels({ V: out.V, L });
    assert.ok(quick.labelled >= 0.4 * quick.values, `layered: ${quick.labelled} of ${quick.values}`);
  });
}

test("the view may leave the shapes to be placed when first drawn", async () => {
  const fx = fixture("mlp2");
  const V = visibleGraph(prepare(fx.graph), new Set(fx.expanded));
  const L = await layout(V, elk, estimateWidth, { edgeLabels: false });
  assert.equal(L.edgeLabels, false);
  assert.ok(L.edges.every((r) => r.label === null));
  placeEdgeLabels(L, V, estimateWidth);
  assert.ok(L.edgeLabels && L.edges.some((r) => r.label));
});

test("a label goes beside the first run of its edge that has room, near its start", () => {
  const pts = [{ x: 100, y: 0 }, { x: 100, y: 40 }, { x: 300, y: 40 }, { x: 300, y: 100 }];
  const first = candidateLabel(pts, 50, 12, 2, () => true);
  assert.deepEqual([first.x, first.width, first.height], [103, 50, 12]); // right of the first run
  assert.ok(first.y >= 0 && first.y + 12 <= 40);
  // The right side taken: the left side of the same run.
  const left = candidateLabel(pts, 50, 12, 2, (b) => b.x < 100);
  assert.equal(left.x, 100 - 3 - 50);
  // The first run taken on both sides: along the horizontal run, below it.
  const below = candidateLabel(pts, 50, 12, 2, (b) => b.y >= 40);
  assert.equal(below.y, 43);
  assert.ok(below.x >= 100 && below.x + 50 <= 300);
  // Nothing within reach: no label.
  assert.equal(candidateLabel(pts, 50, 12, 2, () => false), null);
  const far = [{ x: 0, y: 0 }, { x: 0, y: LABEL_REACH + 100 }];
  assert.ok(candidateLabel(far, 50, 12, 2, (b) => b.y > LABEL_REACH + 20) === null);
});

/** The centres of the open regions `ids` and their widest width. */
function openColumn(L, ids) {
  const boxes = ids.map((id) => L.boxes.get("c:" + id));
  return { xs: boxes.map((b) => b.x + b.width / 2), ys: boxes.map((b) => b.y + b.height / 2), widest: Math.max(...boxes.map((b) => b.width)) };
}

test("open layers are a column per pass, not a diagonal staircase (issue 24)", async () => {
  const fx = fixture("blocks12");
  const G = prepare(fx.graph);
  const ids = {};
  for (const ph of ["forward", "backward"]) ids[ph] = [...G.regions.values()].filter((r) => r.label === "block" && r.phase === ph).map((r) => r.id).slice(0, 4);
  const out = await laidOut("blocks12", [...fx.expanded, ...ids.forward, ...ids.backward]);
  checkGeometry(out);
  for (const ph of ["forward", "backward"]) {
    const { xs, ys, widest } = openColumn(out.L, ids[ph]);
    // Down the layout in program order (the backward pass up it), each under the last: the
    // centres stay within half a layer's width of each other (they stepped a whole width aside
    // per layer, 1,500 px over four layers 400 px wide).
    const spread = Math.max(...xs) - Math.min(...xs);
    assert.ok(spread <= 0.5 * widest, `${ph}: centres ${xs.map(Math.round)} spread ${Math.round(spread)} px, layers ${Math.round(widest)} px wide`);
    const down = ys.every((y, i) => i === 0 || (ph === "forward" ? y > ys[i - 1] : y < ys[i - 1]));
    assert.ok(down, `${ph}: ${ys.map(Math.round)}`);
  }
  // An edge that leaves an open layer through its outlet is still one route from its source box
  // to its target box.
  for (const r of out.L.edges) {
    const [a, b] = [out.L.boxes.get(r.edge.a), out.L.boxes.get(r.edge.b)];
    const [p, q] = [r.points[0], r.points.at(-1)];
    const near = (pt, box) => pt.x >= box.x - 1 && pt.x <= box.x + box.width + 1 && pt.y >= box.y - 1 && pt.y <= box.y + box.height + 1;
    assert.ok(near(p, a) && near(q, b), `${r.edge.id} runs from ${r.edge.a} to ${r.edge.b}`);
    for (let i = 1; i < r.points.length; i += 1) {
      const [u, v] = [r.points[i - 1], r.points[i]];
      assert.ok(Math.abs(u.x - v.x) < 0.5 || Math.abs(u.y - v.y) < 0.5, `${r.edge.id} is orthogonal`);
    }
  }
});
