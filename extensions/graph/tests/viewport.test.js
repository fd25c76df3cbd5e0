// Pan and zoom arithmetic: fit shows everything, zoom is bounded and keeps the point under the
// pointer still, centring zooms out until the target fits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EDGE_LABEL_FONT_PX, EDGE_LABEL_MIN_PX, FIT_MAX_SCALE, MAX_SCALE, centreOn, edgeLabelsLegible, fitTransform, roundedPath, union, zoomAt, zoomLimits } from "../viewport.js";

const apply = (t, p) => ({ x: t.x + t.k * p.x, y: t.y + t.k * p.y });

test("fit puts every corner of the graph inside the canvas, centred", () => {
  for (const box of [{ x: 0, y: 0, width: 4000, height: 300 }, { x: -50, y: 20, width: 300, height: 9000 }, { x: 5, y: 5, width: 40, height: 30 }]) {
    const t = fitTransform(box, 1200, 700);
    for (const p of [{ x: box.x, y: box.y }, { x: box.x + box.width, y: box.y + box.height }]) {
      const q = apply(t, p);
      assert.ok(q.x >= 0 && q.x <= 1200 && q.y >= 0 && q.y <= 700, JSON.stringify(q));
    }
    const c = apply(t, { x: box.x + box.width / 2, y: box.y + box.height / 2 });
    assert.ok(Math.abs(c.x - 600) < 1e-6 && Math.abs(c.y - 350) < 1e-6);
    assert.ok(t.k <= FIT_MAX_SCALE);
  }
  // A 41-node graph that fits at 0.7 is fitted at 0.7 (no fixed 0.6 floor above 25 nodes).
  const t = fitTransform({ x: 0, y: 0, width: 1000, height: 976 }, 1024, 700);
  assert.ok(Math.abs(t.k - (700 - 24) / 976) < 1e-9);
});

test("zoom stays within its limits and keeps the pointed point still", () => {
  const box = { x: 0, y: 0, width: 10000, height: 20000 };
  const limits = zoomLimits(box, 1000, 600);
  assert.ok(limits.min >= 0.05 && limits.max === MAX_SCALE);
  let t = { x: 10, y: 20, k: 1 };
  const under = { x: (300 - t.x) / t.k, y: (200 - t.y) / t.k };
  for (let i = 0; i < 50; i += 1) t = zoomAt(t, 300, 200, 0.5, limits);
  assert.equal(t.k, limits.min);
  const q = apply(t, under);
  assert.ok(Math.abs(q.x - 300) < 1e-6 && Math.abs(q.y - 200) < 1e-6);
  for (let i = 0; i < 50; i += 1) t = zoomAt(t, 300, 200, 2, limits);
  assert.equal(t.k, MAX_SCALE);
});

test("centring on a box keeps the zoom where it fits and zooms out where it does not", () => {
  const limits = { min: 0.1, max: 4 };
  const small = { x: 500, y: 900, width: 100, height: 30 };
  const t = centreOn(small, 800, 600, 1, limits);
  assert.equal(t.k, 1);
  const c = apply(t, { x: 550, y: 915 });
  assert.ok(Math.abs(c.x - 400) < 1e-6 && Math.abs(c.y - 300) < 1e-6);
  const big = { x: 0, y: 0, width: 3000, height: 100 };
  assert.ok(centreOn(big, 800, 600, 1, limits).k < 800 / 3000);
});

test("helpers: the union of boxes, rounded polylines", () => {
  assert.deepEqual(union([{ x: 0, y: 0, width: 1, height: 1 }, null, { x: 5, y: -2, width: 1, height: 1 }]), { x: 0, y: -2, width: 6, height: 3 });
  assert.equal(union([]), null);
  const d = roundedPath([{ x: 0, y: 0 }, { x: 0, y: 20 }, { x: 30, y: 20 }], 6);
  assert.equal(d, "M0.0,0.0L0.0,14.0Q0.0,20.0 6.0,20.0L30.0,20.0");
});

test("the edges' shapes are drawn from the zoom that makes them 8 px high", () => {
  const k = EDGE_LABEL_MIN_PX / EDGE_LABEL_FONT_PX;
  assert.ok(edgeLabelsLegible(1) && edgeLabelsLegible(k) && !edgeLabelsLegible(k - 0.01) && !edgeLabelsLegible(0.3));
});
