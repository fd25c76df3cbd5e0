// The inspector's memory tab as tables (issue 24: it was text, its notes cut off): the residuals
// the backward pass keeps (value, bytes, where each came from), the loops' stacked residuals,
// and XLA's numbers with their notes in full. Data: workbench/_src/notebook/views.py,
// memory_data. Text reaches the page through textContent only.
import { formatBytes } from "../common/dom.js";

function table(cls, head, rows) {
  const t = document.createElement("table");
  t.className = `wb-table ${cls}`;
  const tr = t.createTHead().insertRow();
  for (const h of head) {
    const th = document.createElement("th");
    th.textContent = h;
    tr.append(th);
  }
  const body = t.createTBody();
  for (const row of rows) {
    const r = body.insertRow();
    for (const [i, cell] of row.entries()) {
      const td = r.insertCell();
      td.textContent = cell === null || cell === undefined ? "-" : String(cell);
      if (typeof row.numeric === "object" && row.numeric.has(i)) td.className = "wb-num";
    }
  }
  return t;
}

function heading(text) {
  const h = document.createElement("div");
  h.className = "wb-mem-heading";
  h.textContent = text;
  return h;
}

/**
 * The memory view's tables.
 * @param {{name: string, data: *}} view
 * @returns {HTMLElement}
 */
export function memoryBlock(view) {
  const d = view.data;
  const box = document.createElement("div");
  box.className = "wb-view wb-memory-view";
  box.dataset.view = view.name;
  const n = d.residuals.length + d.left_out;
  box.append(heading(n ? `Residuals: ${n} array${n === 1 ? "" : "s"}, ${formatBytes(d.residual_bytes)} kept for the backward pass` : "Residuals: none (the program has no backward pass)"));
  if (d.residuals.length) {
    const rows = d.residuals.map((r) => Object.assign([r.value, formatBytes(r.bytes), r.source], { numeric: new Set([1]) }));
    box.append(table("wb-residuals", ["value", "bytes", "where it came from"], rows));
  }
  if (d.left_out) box.append(heading(`\u2026 ${d.left_out} more residuals not shown`));
  if (d.loops.length) {
    box.append(heading("Per loop (residuals stacked over the steps)"));
    const rows = d.loops.map((l) => Object.assign([l.loop, l.length, l.arrays, formatBytes(l.bytes), l.per_step === null ? null : formatBytes(l.per_step), l.source], { numeric: new Set([1, 2, 3, 4]) }));
    box.append(table("wb-loops", ["loop", "steps", "arrays", "bytes", "per step", "from"], rows));
  }
  if (d.compiled) {
    box.append(heading(`Compiled (${d.compiled.backend}), as XLA reports it`));
    const rows = d.compiled.rows.map(([k, v]) => Object.assign([k, formatBytes(v)], { numeric: new Set([1]) }));
    box.append(table("wb-compiled", ["", "bytes"], rows));
    for (const text of d.compiled.notes) {
      const p = document.createElement("p");
      p.className = "wb-mem-note";
      p.textContent = text;
      box.append(p);
    }
  }
  return box;
}
