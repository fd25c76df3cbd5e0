// The %%reactant inspector: tabs for the views, highlighted IR, two stages side by side.
// Everything the user wrote (scope names, constants) reaches the page through textContent only:
// this module never parses user text as HTML.
//
// Model traits (see workbench/_src/notebook/inspector.py):
//   title    string
//   views    [{name, title, kind: "ir" | "text", text, note}]
//   selected the name of the shown view, or "compare"
//   compare  [left, right]: the names of the two IR views compared side by side

const STYLE = `
.wb-inspector { font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px;
  border: 1px solid #d0d7de; border-radius: 6px; margin: 4px 0; background: #fff; color: #1f2328; }
.wb-inspector .wb-title { padding: 6px 10px; font-weight: 600; border-bottom: 1px solid #d0d7de; }
.wb-inspector .wb-tabs { display: flex; flex-wrap: wrap; gap: 2px; padding: 4px 6px 0;
  border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
.wb-inspector .wb-tab { border: 1px solid transparent; border-bottom: none; background: none;
  padding: 4px 10px; cursor: pointer; border-radius: 6px 6px 0 0; font: inherit; color: inherit; }
.wb-inspector .wb-tab.wb-active { background: #fff; border-color: #d0d7de; font-weight: 600; }
.wb-inspector .wb-tab.wb-failed { color: #cf222e; }
.wb-inspector .wb-body { padding: 6px 10px; }
.wb-inspector pre { margin: 0; max-height: 420px; overflow: auto; font-size: 12px; line-height: 1.4;
  font-family: var(--jp-code-font-family, monospace); white-space: pre; }
.wb-inspector .wb-note { color: #9a6700; margin: 4px 0; }
.wb-inspector .wb-compare { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 8px; }
.wb-inspector .wb-compare > div { min-width: 0; }
.wb-inspector .wb-compare select { margin-bottom: 4px; font: inherit; }
.wb-inspector .tok-comment { color: #6e7781; }
.wb-inspector .tok-string { color: #0a3069; }
.wb-inspector .tok-value { color: #8250df; }
.wb-inspector .tok-type { color: #116329; }
.wb-inspector .tok-op { color: #cf222e; font-weight: 600; }
.wb-inspector .tok-number { color: #0550ae; }
`;

// One regex, one group per token class; anything else is plain text.
const TOKENS = new RegExp(
  [
    String.raw`(#[^\n]*|\/\/[^\n]*)`, // 1 comment
    String.raw`("(?:[^"\\\n]|\\.)*")`, // 2 string
    String.raw`([%^][\w.#-]+)`, // 3 SSA value or block
    String.raw`(\b(?:tensor|memref|tuple)<[^>\n]*>|\b(?:f|bf|s|u|i|c)\d+\[[^\]\n]*\](?:\{[^}\n]*\})?|\b(?:f|bf|i|u|c)\d+\b|\bpred\b)`, // 4 type
    String.raw`(\b(?:stablehlo|mhlo|func|chlo|sdy|call|tt)\.[\w.]+|\b[a-z_][\w-]*(?=\())`, // 5 op
    String.raw`(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)`, // 6 number
  ].join("|"),
  "g",
);
const CLASSES = [null, "tok-comment", "tok-string", "tok-value", "tok-type", "tok-op", "tok-number"];

/** Fills `pre` with `text`, highlighted; every piece goes in through textContent. */
export function highlight(pre, text) {
  pre.replaceChildren();
  let last = 0;
  for (const m of text.matchAll(TOKENS)) {
    if (m.index > last) pre.append(document.createTextNode(text.slice(last, m.index)));
    const k = m.slice(1).findIndex((g) => g !== undefined) + 1;
    const span = document.createElement("span");
    span.className = CLASSES[k];
    span.textContent = m[0];
    pre.append(span);
    last = m.index + m[0].length;
  }
  if (last < text.length) pre.append(document.createTextNode(text.slice(last)));
}

function viewBlock(view) {
  const box = document.createElement("div");
  box.className = "wb-view";
  box.dataset.view = view.name;
  if (view.note) {
    const note = document.createElement("div");
    note.className = "wb-note";
    note.textContent = view.note;
    box.append(note);
  }
  const pre = document.createElement("pre");
  if (view.kind === "ir") highlight(pre, view.text || "");
  else pre.textContent = view.text || "";
  box.append(pre);
  return box;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "wb-inspector";
  const style = document.createElement("style");
  style.textContent = STYLE;
  const title = document.createElement("div");
  title.className = "wb-title";
  const tabs = document.createElement("div");
  tabs.className = "wb-tabs";
  tabs.setAttribute("role", "tablist");
  const body = document.createElement("div");
  body.className = "wb-body";
  root.append(style, title, tabs, body);
  el.append(root);

  const views = () => model.get("views") || [];
  const irViews = () => views().filter((v) => v.kind === "ir");

  function select(name) {
    model.set("selected", name);
    model.save_changes();
  }

  function stageSelect(side, current) {
    const sel = document.createElement("select");
    sel.className = `wb-compare-${side}`;
    for (const v of irViews()) {
      const opt = document.createElement("option");
      opt.value = v.name;
      opt.textContent = v.title;
      opt.selected = v.name === current;
      sel.append(opt);
    }
    sel.addEventListener("change", () => {
      const pair = [...(model.get("compare") || [])];
      pair[side === "left" ? 0 : 1] = sel.value;
      model.set("compare", pair);
      model.save_changes();
    });
    return sel;
  }

  function draw() {
    title.textContent = model.get("title") || "";
    const all = views();
    const ir = irViews();
    let selected = model.get("selected");
    const names = all.map((v) => v.name);
    if (selected !== "compare" && !names.includes(selected)) selected = names[0];
    tabs.replaceChildren();
    const entries = all.map((v) => [v.name, v.title, Boolean(v.note)]);
    if (ir.length >= 2) entries.push(["compare", "compare stages", false]);
    for (const [name, label, failed] of entries) {
      const b = document.createElement("button");
      b.className = "wb-tab" + (name === selected ? " wb-active" : "") + (failed ? " wb-failed" : "");
      b.dataset.view = name;
      b.setAttribute("role", "tab");
      b.textContent = label;
      b.addEventListener("click", () => select(name));
      tabs.append(b);
    }
    body.replaceChildren();
    if (selected === "compare") {
      const pair = model.get("compare") || [];
      const left = ir.find((v) => v.name === pair[0]) || ir[0];
      const right = ir.find((v) => v.name === pair[1]) || ir[ir.length - 1];
      const grid = document.createElement("div");
      grid.className = "wb-compare";
      for (const [side, v] of [["left", left], ["right", right]]) {
        const col = document.createElement("div");
        col.append(stageSelect(side, v.name), viewBlock(v));
        grid.append(col);
      }
      body.append(grid);
    } else {
      const view = all.find((v) => v.name === selected);
      if (view) body.append(viewBlock(view));
    }
  }

  draw();
  model.on("change:views", draw);
  model.on("change:selected", draw);
  model.on("change:compare", draw);
  model.on("change:title", draw);
  return () => {
    model.off("change:views", draw);
    model.off("change:selected", draw);
    model.off("change:compare", draw);
    model.off("change:title", draw);
    root.remove();
  };
}

export default { render };
