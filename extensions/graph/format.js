// Reads the rows of the graph viewer's data (workbench/_src/notebook/graph_widget.py,
// graph_data). The data carries its own field table, `fields`: for each kind of row, the
// (field, coding) pairs in row order, written once in Python (FIELDS). Rows are decoded by it,
// so this module names no field position.

/** The graph_data format this front end reads. */
export const FORMAT = 2;

/**
 * @typedef {Object} GraphData  what the `graph` trait holds
 * @property {number} format
 * @property {Object<string, Array<[string, string]>>} fields  per kind of row: [field, coding]
 * @property {string[]} strings  the string table ("" first)
 * @property {Array<Array<*>>} nodes
 * @property {Array<Array<*>>} regions
 * @property {Array<Array<*>>} edges
 * @property {string} [title]
 * @property {string} [summary]
 * @property {string[]} [loop_kinds]  the region kinds that are loops (the workbench's registry)
 */

/**
 * Decodes the rows of `data[key]` into objects keyed by field name. Codings: "" the value,
 * "s" an index into `strings`, "s*" a list of them, "r" a region index (null: none) read as
 * the region's id, "n" a node index (kept as the index), "kv" a list of [key, value] string
 * index pairs.
 * @param {GraphData} data
 * @param {"nodes" | "regions" | "edges"} key
 * @returns {Array<Object<string, *>>}
 */
export function decodeRows(data, key) {
  const fields = (data.fields || {})[key];
  const rows = data[key] || [];
  if (!fields) {
    if (rows.length) throw new Error(`graph data without a field table for its ${key}`);
    return [];
  }
  const strings = data.strings || [];
  const str = (i) => (typeof i === "number" ? strings[i] ?? "" : "");
  const regionIds = (data.regions || []).map((r) => r[0]);
  const decoders = {
    "": (v) => v,
    s: str,
    "s*": (v) => (v || []).map(str),
    r: (v) => (typeof v === "number" ? regionIds[v] ?? null : null),
    n: (v) => v,
    kv: (v) => (v || []).map(([k, x]) => [str(k), str(x)]),
  };
  const columns = fields.map(([name, coding]) => {
    const decode = decoders[coding];
    if (!decode) throw new Error(`graph data: unknown coding ${JSON.stringify(coding)} of ${key}.${name}`);
    return [name, decode];
  });
  return rows.map((row) => {
    const out = {};
    columns.forEach(([name, decode], i) => {
      out[name] = decode(row[i]);
    });
    return out;
  });
}

/**
 * Why `data` cannot be drawn ("" when it can): a format this viewer does not read.
 * @param {GraphData} data
 */
export function formatProblem(data) {
  if (!data || !data.nodes) return "";
  if (data.format !== FORMAT) {
    return `This graph was sent in format ${data.format ?? 1}; this viewer reads format ${FORMAT}. Re-run the cell.`;
  }
  return "";
}
