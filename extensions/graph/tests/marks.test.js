// The NaN marks (marks.js) on what the Python side sends: wb.graph(min_recip, ..., nans=True) on
// the gradient of sum(min(1, 1/x)) at x = [0, 0.5, 2] (fixture written by tests/js_fixtures.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture } from "./fixtures.js";
import { labelMarked, nanMarks } from "../marks.js";
import { prepare } from "../model.js";
import { visibleGraph } from "../visible.js";

const { graph, marks } = fixture("nan_marks");

test("every marked edge of the data is drawn, as the view names its edges", () => {
  const G = prepare(graph);
  const V = visibleGraph(G, new Set([...G.regions.keys()]));
  const M = nanMarks(G, V, marks);
  const drawn = new Set(V.edges.map((e) => e.id));
  assert.equal(M.edges.size, marks.edges.length);
  for (const id of M.edges) assert.ok(drawn.has(id), id);
  // The residual that carried the inf is one of the marked edges, and a residual ("r") edge.
  assert.equal(M.residual.size, 1);
  const [residual] = M.residual;
  assert.ok(M.edges.has(residual) && residual.endsWith("|r"));
});

test("the origin and the source are boxes of the view, on the way", () => {
  const G = prepare(graph);
  const V = visibleGraph(G, new Set([...G.regions.keys()]));
  const M = nanMarks(G, V, marks);
  const byId = new Map(G.nodes.map((n) => [n.id, n]));
  assert.equal(M.origin, V.keyOf(byId.get(marks.origin).index));
  assert.equal(M.source, V.keyOf(byId.get(marks.source).index));
  assert.ok(M.boxes.has(M.origin) && M.boxes.has(M.source));
  assert.equal(byId.get(marks.origin).phase, "backward");
  assert.equal(M.boxes.size, marks.nodes.length);
});

test("no marks, nothing marked; a closed region stands for what it hides", () => {
  const G = prepare(graph);
  const V = visibleGraph(G, new Set());
  const none = nanMarks(G, V, {});
  assert.equal(none.origin, null);
  assert.equal(none.boxes.size + none.edges.size, 0);
  // Marks naming a region (a custom_jvp call the search runs as one operation) mark its box.
  const region = [...G.regions.values()].find((r) => r.id !== G.root && Number.isFinite(r.first));
  if (region) {
    const M = nanMarks(G, V, { origin: region.id, source: "", nodes: [region.id], edges: [], residual: [] });
    assert.ok(M.origin !== null && M.boxes.has(M.origin));
  }
});

test("the origin's and the source's boxes say what was made there", () => {
  const G = prepare(graph);
  const V = visibleGraph(G, new Set([...G.regions.keys()]));
  labelMarked(G, V, marks);
  const M = nanMarks(G, V, marks);
  assert.ok(V.leaves.get(M.origin).sub.startsWith(marks.label));
  assert.ok(V.leaves.get(M.source).sub.startsWith("inf made here"));
  const others = [...V.leaves.values()].filter((l) => l.key !== M.origin && l.key !== M.source);
  assert.ok(others.every((l) => !l.sub.includes("made here")));
});
