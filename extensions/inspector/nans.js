// The NaN-origin view (%%reactant --nans): explain_nans's report (NanReport.to_json(),
// workbench/_src/debug/nans.py) drawn as a card: what is not finite, where it was first made and
// from which values, the inf it met, the remedy and whether running it gave finite values, with
// a button that shows the origin in the graph tab. User text goes through textContent only.

/**
 * @typedef {Object} OriginData  one Origin (dataclasses.asdict, plus `values`)
 * @property {string} primitive
 * @property {"nan" | "inf"} kind
 * @property {string} phase  "primal", "forward" or "backward"
 * @property {string | null} source  "cell [3], line 5 (f)"
 * @property {string} name_stack
 * @property {number | null} iteration
 * @property {string | null} loop
 * @property {string} values  "0.0 * inf"
 * @property {number[] | null} element
 * @property {string | null} node  its graph id
 *
 * @typedef {Object} NanData
 * @property {boolean} found
 * @property {string} mode
 * @property {OriginData | null} origin
 * @property {OriginData | null} inf_origin
 * @property {{name: string, advice: string, verified: boolean | null, result: string} | null} remedy
 * @property {Array<[string, string, number]>} outputs  name, "nan" | "inf" | "finite", largest finite magnitude
 * @property {Object | null} path  NanPath.to_json()
 */

function el(tag, cls, parent, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  if (parent) parent.append(e);
  return e;
}

function rows(table, pairs) {
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === "") continue;
    const tr = el("tr", null, table);
    el("th", null, tr, k);
    el("td", null, tr, String(v));
  }
}

function originRows(o) {
  const made = o.kind === "nan" ? "a NaN" : "an inf";
  const pairs = [
    ["operation", `${o.primitive} made ${made}${o.values ? ` from ${o.values}` : ""}`],
    ["pass", o.phase + (o.name_stack ? `  [${o.name_stack}]` : "")],
    ["line", o.source || "(not known)"],
  ];
  if (o.iteration !== null && o.iteration !== undefined) pairs.push(["iteration", `${o.iteration} of the loop at ${o.loop || "(not known)"}`]);
  if (o.element && o.element.length) pairs.push(["element", `(${o.element.join(", ")})`]);
  return pairs;
}

/**
 * The NaN-origin card for `view` (whose `data` is a NanData); `onShow(ids)` shows graph ids.
 * @param {{name: string, data: NanData, text: string}} view
 * @param {function(string[]): void} onShow
 * @param {boolean} hasGraph  whether the graph tab draws the program searched
 */
export function nanBlock(view, onShow, hasGraph) {
  const d = view.data;
  const box = el("div", "wb-view wb-nans");
  box.dataset.view = view.name;
  box.dataset.found = String(d.found);
  const head = el("div", "wb-nans-head " + (d.found ? "wb-bad" : "wb-good"), box);
  if (!d.found) {
    head.textContent = `explain_nans (${d.mode}): none found, every output is finite`;
  } else {
    const bad = d.outputs.filter(([, k]) => k !== "finite").map(([n, k]) => `${n} (${k})`);
    head.textContent = `explain_nans (${d.mode}): not finite: ${bad.join(", ")}`;
  }
  if (d.origin) {
    el("h4", null, box, "first made here");
    rows(el("table", "wb-nans-origin", box), originRows(d.origin));
  } else if (d.found) {
    el("p", null, box, "No operation made it: it came in through an argument or a constant.");
  }
  if (d.inf_origin) {
    el("h4", null, box, "the inf it met was made here");
    rows(el("table", "wb-nans-source", box), originRows(d.inf_origin));
  }
  if (d.remedy) {
    const r = d.remedy;
    const status = r.verified === true ? "verified: finite with it" : r.verified === false ? "tried: still not finite" : "not run";
    el("h4", null, box, `remedy: ${r.name}`);
    const p = el("p", "wb-nans-remedy", box, r.advice);
    p.dataset.verified = String(r.verified);
    el("div", "wb-nans-status", box, status + (r.result ? ` (${r.result})` : ""));
  }
  const out = el("table", "wb-nans-outputs", box);
  const tr = el("tr", null, out);
  for (const t of ["output", "finite?", "largest finite |value|"]) el("th", null, tr, t);
  for (const [name, kind, big] of d.outputs) {
    const row = el("tr", kind === "finite" ? null : "wb-bad", out);
    el("td", null, row, name);
    el("td", null, row, kind === "finite" ? "yes" : kind);
    el("td", null, row, Number(big).toPrecision(6));
  }
  if (d.path && hasGraph) {
    const b = el("button", "wb-nans-show", box, "show in the graph");
    b.type = "button";
    b.title = "open the graph tab on the operation that made it; its way to the outputs is marked in red";
    b.addEventListener("click", () => onShow([d.path.origin]));
  }
  return box;
}
