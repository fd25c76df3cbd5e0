// The trade-off explorer's chart arithmetic: scales (linear, or logarithmic where the bytes span
// more than 10x), round ticks, and labels placed where they overlap nothing and stay inside the
// plot. No DOM here: tested with `node --test`.

/** A logarithmic y axis where the values span more than this ratio. */
export const LOG_RATIO = 10;

/**
 * Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about `count`.
 * @returns {number[]}
 */
export function linearTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || 10 * power;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const UNIT = 1024;

/**
 * Round byte values for a logarithmic axis over [lo, hi]: 1, 10 and 100 of a unit (B, KiB,
 * MiB, GiB), thinned to about `count` ticks.
 * @returns {number[]}
 */
export function logByteTicks(lo, hi, count = 6) {
  const all = [];
  for (let u = 0; u < 5; u += 1) for (const m of [1, 10, 100]) all.push(m * UNIT ** u);
  let ticks = all.filter((v) => v >= lo * 0.999 && v <= hi * 1.001);
  if (ticks.length < 2) {
    for (let u = 0; u < 5; u += 1) for (const m of [2, 5, 20, 50, 200, 500]) all.push(m * UNIT ** u);
    ticks = all.filter((v) => v >= lo * 0.999 && v <= hi * 1.001).sort((a, b) => a - b);
  }
  const every = Math.ceil(ticks.length / count);
  return ticks.filter((_, i) => i % every === 0);
}

/**
 * The y scale of byte values: logarithmic where they span more than LOG_RATIO, else linear
 * from 0.
 * @param {number[]} values
 * @param {[number, number]} range  pixels for the smallest and the largest value
 * @returns {{log: boolean, map: function(number): number, ticks: number[], lo: number, hi: number}}
 */
export function byteScale(values, range) {
  const positive = values.filter((v) => v > 0);
  const max = Math.max(1, ...positive);
  const min = positive.length ? Math.min(...positive) : 1;
  const [r0, r1] = range;
  if (max / min > LOG_RATIO) {
    const lo = 2 ** Math.floor(Math.log2(min));
    const hi = 2 ** Math.ceil(Math.log2(max * 1.05));
    const a = Math.log(lo);
    const b = Math.log(hi);
    const map = (v) => r0 + ((r1 - r0) * (Math.log(Math.max(v, lo)) - a)) / (b - a);
    return { log: true, map, ticks: logByteTicks(lo, hi), lo, hi };
  }
  const ticks = linearTicks(0, max * 1.05, 4);
  const hi = Math.max(max * 1.05, ticks[ticks.length - 1]);
  return { log: false, map: (v) => r0 + ((r1 - r0) * v) / hi, ticks, lo: 0, hi };
}

/**
 * Round counts for a logarithmic axis over [lo, hi]: 1, 2 and 5 times a power of ten, thinned
 * to about `count`.
 * @returns {number[]}
 */
export function logCountTicks(lo, hi, count = 6) {
  const out = [];
  for (let p = 10 ** Math.floor(Math.log10(Math.max(1, lo))); p <= hi; p *= 10) {
    for (const m of [1, 2, 5]) if (m * p >= lo && m * p <= hi) out.push(m * p);
  }
  if (out.length <= count) return out;
  const powers = out.filter((v) => Number.isInteger(Math.log10(v)));
  return powers.length >= 2 ? powers : out.filter((_, i) => i % Math.ceil(out.length / count) === 0);
}

/**
 * The x scale of counts (forward evaluations): logarithmic where they span more than LOG_RATIO
 * (store-all's N beside Binomial(2)'s many times N: a linear axis squashes the schemes into a
 * corner), else linear from 0 with round ticks. `values` may be the largest count alone.
 * @param {number[] | number} values
 * @param {[number, number]} range
 * @returns {{log: boolean, map: function(number): number, ticks: number[], lo: number, hi: number}}
 */
export function countScale(values, range) {
  const list = Array.isArray(values) ? values : [values];
  const positive = list.filter((v) => v > 0);
  const max = Math.max(1, ...positive);
  const min = positive.length ? Math.min(...positive) : 1;
  const [r0, r1] = range;
  if (max / min > LOG_RATIO) {
    const lo = 10 ** Math.floor(Math.log10(min));
    const hi = max * 1.3;
    const a = Math.log(lo);
    const b = Math.log(hi);
    const map = (v) => r0 + ((r1 - r0) * (Math.log(Math.max(v, lo)) - a)) / (b - a);
    return { log: true, map, ticks: logCountTicks(lo, hi), lo, hi };
  }
  const ticks = linearTicks(0, max * 1.05, 5);
  const hi = Math.max(ticks[ticks.length - 1], max * 1.05);
  return { log: false, map: (v) => r0 + ((r1 - r0) * v) / hi, ticks, lo: 0, hi };
}

/**
 * @typedef {{x: number, y: number, width: number, height: number}} Rect
 * @typedef {{x: number, y: number, text: string, width: number}} LabelRequest  a point and its label
 * @typedef {{x: number, y: number, anchor: "start" | "end" | "middle", box: Rect} | null} Placement
 */

const MARGIN = 2;

function grow(r, by) {
  return { x: r.x - by, y: r.y - by, width: r.width + 2 * by, height: r.height + 2 * by };
}

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * Places each label next to its point where it overlaps no other label and no mark and stays
 * inside `bounds`; a label that fits nowhere is left out (null): the legend and the table name
 * every scheme, and each point's tooltip does too.
 * @param {LabelRequest[]} labels
 * @param {Rect[]} marks  the points and other marks, to keep clear of
 * @param {Rect} bounds
 * @param {number} [height]  of a label
 * @returns {Placement[]}
 */
export function placeLabels(labels, marks, bounds, height = 12) {
  const placed = [];
  const gap = 7;
  return labels.map((l) => {
    const candidates = [
      [l.x + gap, l.y - gap - height, "start"],
      [l.x + gap, l.y + gap, "start"],
      [l.x - gap - l.width, l.y - gap - height, "end"],
      [l.x - gap - l.width, l.y + gap, "end"],
      [l.x - l.width / 2, l.y - gap - 4 - height, "middle"],
      [l.x - l.width / 2, l.y + gap + 4, "middle"],
      [l.x + gap + 2, l.y - height / 2, "start"],
      [l.x - gap - 2 - l.width, l.y - height / 2, "end"],
    ];
    for (const [x, y, anchor] of candidates) {
      const box = { x, y, width: l.width, height };
      const inside = x >= bounds.x && y >= bounds.y && x + l.width <= bounds.x + bounds.width && y + height <= bounds.y + bounds.height;
      if (!inside) continue;
      // Marks are kept clear by a margin: a text's drawn box is a little taller than its line.
      if (placed.some((p) => overlaps(p, box)) || marks.some((m) => overlaps(grow(m, MARGIN), box))) continue;
      placed.push(box);
      const tx = anchor === "start" ? x : anchor === "end" ? x + l.width : x + l.width / 2;
      return { x: tx, y: y + height - 2, anchor, box };
    }
    return null;
  });
}

/** Bytes for the axis: "1 KiB", "100 MiB". */
export function tickBytes(n) {
  if (n < UNIT) return `${Math.round(n)} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / UNIT;
  let i = 0;
  while (v >= UNIT && i < units.length - 1) {
    v /= UNIT;
    i += 1;
  }
  const text = v >= 10 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
  return `${text} ${units[i]}`;
}
