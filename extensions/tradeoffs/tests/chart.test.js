// The trade-off explorer's chart: round ticks, a log axis where bytes span more than 10x, and
// labels that overlap nothing and stay in the plot, on the explorer's state for a 1,000-step
// loop (written by tests/js_fixtures.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { LOG_RATIO, byteScale, countScale, linearTicks, logByteTicks, logCountTicks, placeLabels, tickBytes } from "../chart.js";

const state = JSON.parse(readFileSync(new URL("../../test-fixtures/tradeoffs1000.json", import.meta.url), "utf8"));

test("linear ticks are 1, 2 or 5 times a power of ten", () => {
  for (const [lo, hi] of [[0, 1234], [0, 7], [0, 0.9], [0, 61000]]) {
    const ticks = linearTicks(lo, hi, 5);
    assert.ok(ticks.length >= 3 && ticks.length <= 11, `${hi}: ${ticks}`);
    const step = ticks[1] - ticks[0];
    const mant = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
    assert.ok([1, 2, 5].some((m) => Math.abs(mant - m) < 1e-9), `step ${step}`);
    assert.ok(ticks.every((v) => Math.abs(v / step - Math.round(v / step)) < 1e-9));
  }
});

test("the byte axis is logarithmic where values span more than 10x, with round ticks", () => {
  const ys = state.rows.map((r) => r.theory_bytes);
  assert.ok(Math.max(...ys) / Math.min(...ys) > LOG_RATIO);
  const Y = byteScale(ys, [260, 14]);
  assert.equal(Y.log, true);
  for (const v of Y.ticks) assert.match(tickBytes(v), /^(1|10|100|2|5|20|50|200|500) (B|KiB|MiB|GiB)$/);
  // Every value is on the axis, and each scheme is apart from the others (a linear axis put
  // every scheme but store-all within a few pixels of 0).
  const px = ys.map(Y.map).sort((a, b) => a - b);
  for (const p of px) assert.ok(p >= 14 && p <= 260);
  const linear = byteScale([1, 5], [260, 14]);
  assert.equal(linear.log, false);
  assert.deepEqual(logByteTicks(1024, 1024 ** 2), [1024, 10240, 102400, 1048576]);
});

test("the evaluations axis is logarithmic where counts span more than 10x (issue 24)", () => {
  const xs = state.rows.map((r) => r.evaluations);
  assert.ok(Math.max(...xs) / Math.min(...xs) > LOG_RATIO);
  const X = countScale(xs, [72, 704]);
  assert.equal(X.log, true);
  // Every scheme is on the axis, the smallest no longer squashed against the largest: on the
  // linear axis every scheme but the largest sat within a tenth of the width of 0.
  const px = xs.map(X.map).sort((a, b) => a - b);
  for (const p of px) assert.ok(p >= 72 && p <= 704);
  const linear = countScale(Math.max(...xs), [72, 704]);
  const near = xs.filter((x) => linear.map(x) - 72 < 63).length;
  const spread = xs.filter((x) => X.map(x) - 72 < 63).length;
  assert.ok(spread < near, `${spread} of ${xs.length} near 0 on the log axis, ${near} on a linear one`);
  for (const v of X.ticks) assert.ok(v >= X.lo && v <= X.hi && [1, 2, 5].includes(v / 10 ** Math.floor(Math.log10(v))));
  assert.deepEqual(logCountTicks(1, 1000), [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].filter((_, i, a) => a.length <= 6 || Number.isInteger(Math.log10(_))));
  assert.equal(countScale([10, 50], [0, 100]).log, false);
});

test("labels overlap no label and no point, and stay inside the plot", () => {
  const X = countScale(Math.max(...state.rows.map((r) => r.evaluations)), [72, 704]);
  const Y = byteScale(state.rows.map((r) => r.theory_bytes), [260, 14]);
  const requests = state.rows.map((r) => ({ x: X.map(r.evaluations), y: Y.map(r.theory_bytes), text: r.label, width: r.label.length * 6 }));
  const marks = requests.map((r) => ({ x: r.x - 6, y: r.y - 6, width: 12, height: 12 }));
  const bounds = { x: 74, y: 14, width: 630, height: 246 };
  const placed = placeLabels(requests, marks, bounds);
  const boxes = placed.filter(Boolean).map((p) => p.box);
  assert.ok(boxes.length >= state.rows.length - 1, "at most one label left out");
  for (const b of boxes) {
    assert.ok(b.x >= bounds.x && b.y >= bounds.y && b.x + b.width <= bounds.x + bounds.width && b.y + b.height <= bounds.y + bounds.height);
    for (const m of marks) assert.ok(!(b.x < m.x + m.width && m.x < b.x + b.width && b.y < m.y + m.height && m.y < b.y + b.height));
  }
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const [a, b] = [boxes[i], boxes[j]];
      assert.ok(!(a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height));
    }
  }
  // Crowded: a label with no room is left out rather than drawn over another.
  const crowd = Array.from({ length: 30 }, (_, i) => ({ x: 100 + i, y: 100, text: "x", width: 40 }));
  const out = placeLabels(crowd, [], { x: 0, y: 0, width: 300, height: 200 });
  assert.ok(out.some((p) => p === null));
});
