// The picture of a drawn view that pages without widgets show (html.py: each view's output is
// followed by a static picture, which the live view keeps up to date and the page hides while
// the live view is drawn). One standalone SVG: the legend, then the whole drawing as laid out,
// with the style rules it uses (and no other), so that an exported notebook shows the same
// layout, colours and direction offline.
import { s } from "../common/dom.js";

const PAD = 10;
const LEGEND_H = 22;
const CHAR_PX = 6.6; // the legend's 11 px text, per character (a bound; no measuring needed)
const KEPT = new Set(["data-role", "data-phase"]); // the attributes graph.css reads

/**
 * Every CSS rule of the page's style sheets (another origin's sheets, which the page may not
 * read, skipped): what the exported SVG and the picture take their styles from.
 * @returns {CSSRule[]}
 */
export function pageRules() {
  const rules = [];
  for (const sheet of document.styleSheets) {
    let list;
    try {
      list = sheet.cssRules;
    } catch {
      continue; // another origin's style sheet
    }
    rules.push(...list);
  }
  return rules;
}

/**
 * The rules of the page's style sheets that style something in `svg` (an element detached from
 * the page): the workbench's own rules (".wb-"), those whose selectors match an element of it.
 * @param {SVGSVGElement} svg
 * @returns {string}
 */
export function usedRules(svg) {
  const rules = [];
  const seen = new Set();
  for (const rule of pageRules()) {
    const sel = rule.selectorText;
    if (!sel || !(sel.includes(".wb-") || sel.includes("data-edges"))) continue;
    if (seen.has(rule.cssText)) continue;
    const used = sel.split(",").some((part) => {
      try {
        return svg.matches(part) || svg.querySelector(part) !== null;
      } catch {
        return false; // a selector the engine cannot test on a detached element
      }
    });
    if (used) {
      seen.add(rule.cssText);
      rules.push(rule.cssText);
    }
  }
  return rules.join("\n");
}

/**
 * The legend as SVG at (x, y): a swatch per kind of box and a line per kind of edge.
 * @returns {number} its width
 */
function drawLegend(parent, x, y, nodes, edges) {
  const g = s("g", { class: "wb-legend-picture" }, parent);
  let at = x;
  for (const [role, label] of nodes) {
    s("rect", { class: `wb-swatch wb-role-${role}`, x: at + 0.5, y: y + 0.5, width: 15, height: 10, rx: 2 }, g);
    s("text", { x: at + 20, y: y + 9.5, "font-size": 11 }, g, label);
    at += 20 + label.length * CHAR_PX + 14;
  }
  for (const [k, label] of edges) {
    s("line", { class: `wb-edge wb-e-${k}`, x1: at, y1: y + 5.5, x2: at + 22, y2: y + 5.5 }, g);
    s("path", { class: `wb-arrow-${k}`, d: `M${at + 22},${y + 1.5}L${at + 30},${y + 5.5}L${at + 22},${y + 9.5}z` }, g);
    s("text", { x: at + 34, y: y + 9.5, "font-size": 11 }, g, label);
    at += 34 + label.length * CHAR_PX + 14;
  }
  return at - x;
}

/**
 * The standalone SVG of a view: `defs` (the arrows), `viewport` (the drawing's group, cloned
 * without its pan and zoom and its hover targets), laid out in `bounds`, with the legend above.
 * @param {{defs: Element, viewport: Element, bounds: {x: number, y: number, width: number,
 *   height: number}, legendNodes: Array<[string, string]>, legendEdges: Array<[string, string]>,
 *   edges: string}} view
 * @returns {string}
 */
export function pictureSvg({ defs, viewport, bounds, legendNodes, legendEdges, edges }) {
  const b = bounds;
  const top = b.y - PAD - LEGEND_H;
  const out = s("svg", { xmlns: "http://www.w3.org/2000/svg", class: "wb-graph wb-picture", "data-edges": edges });
  out.appendChild(defs.cloneNode(true));
  const legendWidth = drawLegend(out, b.x - PAD + 4, top + 4, legendNodes, legendEdges);
  const content = viewport.cloneNode(true);
  content.removeAttribute("transform");
  content.classList.remove("wb-labels-small");
  for (const hit of content.querySelectorAll(".wb-edge-hit, .wb-probe")) hit.remove();
  // The ids and names the live view reads back are not needed in a picture (a third of its
  // size); the style sheet reads only these.
  for (const el of content.querySelectorAll("*")) {
    for (const name of el.getAttributeNames()) if (name.startsWith("data-") && !KEPT.has(name)) el.removeAttribute(name);
  }
  out.appendChild(content);
  const width = Math.ceil(Math.max(b.width + 2 * PAD, legendWidth + 8));
  const height = Math.ceil(b.height + 2 * PAD + LEGEND_H);
  out.setAttribute("viewBox", `${(b.x - PAD).toFixed(1)} ${top.toFixed(1)} ${width} ${height}`);
  out.setAttribute("width", String(width));
  out.setAttribute("height", String(height));
  out.setAttribute("style", "max-width: 100%; height: auto; border: 0; display: block;");
  // Matched as the live view's root (.wb-graph), then renamed: the page's own queries for live
  // viewers (.wb-graph) never find a picture.
  const rules = usedRules(out).replace(/\.wb-graph(?![\w-])/g, ".wb-picture");
  out.setAttribute("class", "wb-picture");
  const style = s("style", {}, null, rules);
  out.insertBefore(style, out.firstChild);
  return new XMLSerializer().serializeToString(out);
}
