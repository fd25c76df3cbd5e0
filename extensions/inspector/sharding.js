// The sharding view of the inspector: one grid of blocks per array, as
// jax.debug.visualize_array_sharding draws it, then the collectives and the memory per device.
import { formatBytes, h as el, s as svgEl } from "../common/dom.js";

// Each block is sized by its boundaries, labelled and coloured by the devices holding it.
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
  "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
  "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"];

/** Device indices as short ranges: [0, 1, 2, 3, 6] -> "0-3,6". @param {number[]} ids */
export function deviceRanges(ids) {
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length) out.push(run.length > 2 ? `${run[0]}-${run[run.length - 1]}` : run.join(","));
  };
  for (const i of ids) {
    if (run.length && i === run[run.length - 1] + 1) run.push(i);
    else {
      flush();
      run = [i];
    }
  }
  flush();
  return out.join(",") || "-";
}


function arrayGrid(a, devices) {
  // Dimension 0 down, 1 across; a 1-D array's blocks run across, as JAX draws them.
  const flat = (a.shape || []).length === 1;
  const rows = flat ? [0, 1] : a.rows || [0, 1];
  const cols = flat ? a.rows || [0, 1] : a.cols || [0, 1];
  const cells = flat ? [(a.cells || []).map((row) => row[0])] : a.cells || [];
  const H0 = rows[rows.length - 1] - rows[0] || 1;
  const W0 = cols[cols.length - 1] - cols[0] || 1;
  const W = 240;
  const H = flat ? 40 : Math.max(36, Math.min(200, (W * H0) / W0));
  const svg = svgEl("svg", { class: "wb-grid", width: W + 2, height: H + 2, viewBox: `-1 -1 ${W + 2} ${H + 2}` });
  let blocks = 0;
  cells.forEach((row, i) => {
    row.forEach((cell, j) => {
      const x = ((cols[j] - cols[0]) / W0) * W;
      const y = ((rows[i] - rows[0]) / H0) * H;
      const w = ((cols[j + 1] - cols[j]) / W0) * W;
      const h = ((rows[i + 1] - rows[i]) / H0) * H;
      const g = svgEl("g", { class: "wb-block", "data-row": i, "data-col": j, "data-devices": cell.join(",") }, svg);
      const color = PALETTE[(cell[0] ?? 0) % PALETTE.length];
      svgEl("rect", { x, y, width: w, height: h, fill: color, "fill-opacity": cell.length > 1 ? 0.35 : 0.6 }, g);
      const label = svgEl("text", { x: x + w / 2, y: y + h / 2 + 4, "text-anchor": "middle" }, g);
      label.textContent = deviceRanges(cell);
      const tip = svgEl("title", {}, g);
      const names = cell.map((d) => devices[d] ?? String(d)).join(", ");
      const where = flat ? `elements ${cols[j]}:${cols[j + 1]}` : `rows ${rows[i]}:${rows[i + 1]}, columns ${cols[j]}:${cols[j + 1]}`;
      tip.textContent = `${where} on ${names}`;
      blocks += 1;
    });
  });
  svg.dataset.blocks = String(blocks);
  return svg;
}

function table(parent, head, rows) {
  const t = el("table", "wb-table", parent);
  const tr = el("tr", null, el("thead", null, t));
  for (const h of head) el("th", null, tr, h);
  const tb = el("tbody", null, t);
  for (const r of rows) {
    const row = el("tr", null, tb);
    for (const c of r) el("td", null, row, String(c));
  }
  return t;
}

/** The sharding view: its data (ShardingReport.to_json(), bounded) drawn. */
export function shardingBlock(view) {
  const d = view.data;
  const box = el("div", "wb-view wb-sharding");
  box.dataset.view = view.name;
  if (view.note) el("div", "wb-note", box, view.note);
  const devices = d.devices || [];
  const mesh = (d.mesh || []).map(([n, k]) => `${n}=${k}`).join(" \u00d7 ") || "no named mesh";
  el("div", "wb-array-sub", box, `${devices.length} devices (${devices.join(", ")}); mesh ${mesh}. Each block is labelled with the indices of the devices that hold it.`);
  for (const [key, label] of [["arguments", "Arguments"], ["outputs", "Outputs"]]) {
    el("h4", null, box, label);
    const list = el("div", "wb-arrays", box);
    list.dataset.kind = key;
    for (const a of d[key] || []) {
      const card = el("div", "wb-array", list);
      card.dataset.name = a.name;
      el("div", "wb-array-head", card, `${a.name}  ${a.dtype}[${(a.shape || []).join(",")}]`);
      const how = a.replicated ? "replicated" : "sharded";
      el("div", "wb-array-sub", card, `${a.spec}; ${how}, ${formatBytes(a.bytes_per_device)} per device`);
      if (a.spec !== "unused") card.append(arrayGrid(a, devices));
      if (a.clipped) el("div", "wb-array-sub", card, `first ${a.rows.length - 1} \u00d7 ${a.cols.length - 1} of ${a.clipped[0]} \u00d7 ${a.clipped[1]} blocks shown`);
      if (a.note) el("div", "wb-array-sub", card, a.note);
    }
    const cut = (d.left_out || {})[key];
    if (cut) el("div", "wb-array-sub", box, `... ${cut} more not shown`);
  }
  el("h4", null, box, `Collectives (${(d.collectives || []).length})`);
  if ((d.collectives || []).length) {
    const t = table(box, ["name", "kind", "shape", "bytes", "phase", "device groups"], d.collectives.map((c) => [c.name, c.kind, c.shape, formatBytes(c.bytes), c.phase || "", c.groups]));
    t.classList.add("wb-collectives");
  } else el("div", "wb-array-sub", box, "none: no data moves between devices");
  const mem = d.memory_per_device || {};
  el("h4", null, box, "Memory per device (XLA)");
  if (Object.keys(mem).length) {
    const t = table(box, ["arguments", "outputs", "temp", "total"], [[mem.argument_bytes, mem.output_bytes, mem.temp_bytes, mem.total_bytes].map(formatBytes)]);
    t.classList.add("wb-memory");
  } else el("div", "wb-array-sub", box, "not available");
  return box;
}
