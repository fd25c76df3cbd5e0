// Pan and zoom arithmetic of the graph viewer: a transform {x, y, k} maps a graph point p to the
// canvas point (x + k p.x, y + k p.y). Pure functions, tested with `node --test`.

/**
 * @typedef {{x: number, y: number, k: number}} Transform
 * @typedef {{x: number, y: number, width: number, height: number}} Box
 */

/** The font size of the shapes written on edges (graph.css, .wb-edge-label), in px at scale 1. */
export const EDGE_LABEL_FONT_PX = 9;
/** The edges' shapes are drawn only where the zoom makes them at least this high, in px. */
export const EDGE_LABEL_MIN_PX = 8;

/** Whether the shapes on the edges are legible at scale `k` (else they are not drawn). */
export function edgeLabelsLegible(k) {
  return k * EDGE_LABEL_FONT_PX >= EDGE_LABEL_MIN_PX - 1e-9;
}

/** The largest zoom; the smallest is zoomLimits' (the whole graph at half its fitting size). */
export const MAX_SCALE = 4;
/** Fit never enlarges a small graph beyond this. */
export const FIT_MAX_SCALE = 1.5;

/**
 * The transform that shows all of `box` in a `width` x `height` canvas, centred, with `margin`
 * px around it, at most FIT_MAX_SCALE.
 * @param {Box} box
 * @param {number} width
 * @param {number} height
 * @param {number} [margin]
 * @returns {Transform}
 */
export function fitTransform(box, width, height, margin = 12) {
  const w = Math.max(1, box.width);
  const h = Math.max(1, box.height);
  const k = Math.min(FIT_MAX_SCALE, Math.max(1e-3, (width - 2 * margin) / w), Math.max(1e-3, (height - 2 * margin) / h));
  return { k, x: width / 2 - k * (box.x + w / 2), y: height / 2 - k * (box.y + h / 2) };
}

/**
 * The zoom range for a graph of extent `box` in the canvas: from half the scale that fits it
 * (never a thin line: at least 0.05) to MAX_SCALE.
 * @returns {{min: number, max: number}}
 */
export function zoomLimits(box, width, height) {
  const fit = fitTransform(box, width, height).k;
  return { min: Math.max(0.05, Math.min(0.5, fit / 2)), max: MAX_SCALE };
}

/**
 * `t` zoomed by `factor` about the canvas point (px, py), within `limits`.
 * @param {Transform} t
 * @returns {Transform}
 */
export function zoomAt(t, px, py, factor, limits) {
  const k = Math.max(limits.min, Math.min(limits.max, t.k * factor));
  return { k, x: px - ((px - t.x) * k) / t.k, y: py - ((py - t.y) * k) / t.k };
}

/**
 * The transform that centres `box` in the canvas at scale `k`, zoomed out (to no less than
 * `limits.min`) until `box` fits with `margin` px around it.
 * @param {Box} box
 * @returns {Transform}
 */
export function centreOn(box, width, height, k, limits, margin = 24) {
  const fits = Math.min((width - 2 * margin) / Math.max(1, box.width), (height - 2 * margin) / Math.max(1, box.height));
  const scale = Math.max(limits.min, Math.min(k, fits, limits.max));
  return { k: scale, x: width / 2 - scale * (box.x + box.width / 2), y: height / 2 - scale * (box.y + box.height / 2) };
}

/** The box around `boxes` (null for none). @param {Box[]} boxes @returns {Box | null} */
export function union(boxes) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const b of boxes) {
    if (!b) continue;
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.width);
    y1 = Math.max(y1, b.y + b.height);
  }
  return Number.isFinite(x0) ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/**
 * The SVG path of a polyline with its corners rounded (a quadratic curve of at most `radius`
 * at each bend), so that a routed edge reads as one stroke.
 * @param {Array<{x: number, y: number}>} pts
 */
export function roundedPath(pts, radius = 6) {
  const f = (p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  if (!pts.length) return "";
  let d = `M${f(pts[0])}`;
  for (let i = 1; i < pts.length - 1; i += 1) {
    const [A, P, B] = [pts[i - 1], pts[i], pts[i + 1]];
    const la = Math.hypot(A.x - P.x, A.y - P.y);
    const lb = Math.hypot(B.x - P.x, B.y - P.y);
    const r = Math.min(radius, la / 2, lb / 2);
    if (r < 0.5) {
      d += `L${f(P)}`;
      continue;
    }
    const p1 = { x: P.x + ((A.x - P.x) * r) / la, y: P.y + ((A.y - P.y) * r) / la };
    const p2 = { x: P.x + ((B.x - P.x) * r) / lb, y: P.y + ((B.y - P.y) * r) / lb };
    d += `L${f(p1)}Q${f(P)} ${f(p2)}`;
  }
  return pts.length > 1 ? `${d}L${f(pts[pts.length - 1])}` : d;
}
