// Geometry checks shared by the layout tests: boxes that overlap, edges that run through boxes.
// Written from the definitions (rectangles, axis-parallel segments), not from the layout code.

/** Whether two boxes overlap by more than `slack` px in both directions. */
export function overlap(a, b, slack = 0.5) {
  return a.x + slack < b.x + b.width && b.x + slack < a.x + a.width && a.y + slack < b.y + b.height && b.y + slack < a.y + a.height;
}

/** Whether `inner` lies inside `outer` (within `slack` px). */
export function inside(inner, outer, slack = 0.5) {
  return inner.x >= outer.x - slack && inner.y >= outer.y - slack && inner.x + inner.width <= outer.x + outer.width + slack && inner.y + inner.height <= outer.y + outer.height + slack;
}

/** Whether the segment p-q passes through the interior of `box` shrunk by `inset` px. */
export function segmentCrosses(p, q, box, inset = 1) {
  const x0 = box.x + inset;
  const y0 = box.y + inset;
  const x1 = box.x + box.width - inset;
  const y1 = box.y + box.height - inset;
  // Sample the segment: routes are short polylines; 1 px steps are exact enough.
  const n = Math.max(1, Math.ceil(Math.hypot(q.x - p.x, q.y - p.y)));
  for (let i = 0; i <= n; i += 1) {
    const x = p.x + ((q.x - p.x) * i) / n;
    const y = p.y + ((q.y - p.y) * i) / n;
    if (x > x0 && x < x1 && y > y0 && y < y1) return true;
  }
  return false;
}

/** Whether the polyline `points` passes through `box`. */
export function routeCrosses(points, box, inset = 1) {
  for (let i = 1; i < points.length; i += 1) if (segmentCrosses(points[i - 1], points[i], box, inset)) return true;
  return false;
}
