// DOM helpers the widgets share. Text reaches the page through textContent only: no helper here
// parses a string as HTML.

export const SVGNS = "http://www.w3.org/2000/svg";

/** A new HTML element: class `cls`, text `text` (as textContent), appended to `parent`. */
export function h(tag, cls, parent, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

/** A new SVG element with attributes `attrs` and text `text` (as textContent). */
export function s(tag, attrs, parent, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

/** Bytes for people: "512 B", "1.5 KiB", "38 MiB"; "-" for a missing value. */
export function formatBytes(n) {
  if (n === null || n === undefined) return "-";
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
