// Bundles each widget's ES module and style sheet from extensions/ into workbench/static/ (shipped
// in the wheel), and copies ELK's layout worker there once.
//   node extensions/build.mjs                 rebuild everything
//   node extensions/build.mjs inspector graph rebuild only these widgets
//   node extensions/build.mjs --check         fail if a committed file is not what its sources
//                                             build to
// Each bundle starts with the sha256 of its source (and of every other file of extensions/ it
// imports, such as the graph viewer the inspector draws in its graph tab), so tests can spot a
// stale bundle without npm (tests/test_bundles.py).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { build } from "esbuild";

const WIDGETS = ["inspector", "graph", "tradeoffs"];
// [source, output]: each widget's module and style sheet.
const OUTPUTS = WIDGETS.flatMap((w) => [
  [`extensions/${w}/index.js`, `workbench/static/${w}.js`],
  [`extensions/${w}/${w}.css`, `workbench/static/${w}.css`],
]);
// Every widget's `_esm`: loads the widget's module from the kernel's WidgetCode model (html.py).
OUTPUTS.push(["extensions/common/loader.js", "workbench/static/loader.js"]);
const ELK_WORKER = "workbench/static/elk-worker.js";
const ELK_LICENSE = "workbench/static/elkjs-LICENSE.md";

const check = process.argv.includes("--check");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const fileSha = (path) => sha256(readFileSync(path));
let stale = 0;

function emit(out, text, source) {
  if (!check) {
    writeFileSync(out, text);
    console.log(`built ${out}`);
    return;
  }
  let committed = "";
  try {
    committed = readFileSync(out, "utf8");
  } catch {}
  if (committed !== text) {
    console.error(`${out} is out of date with ${source}: run 'npm run build' and commit it.`);
    stale += 1;
  }
}

for (const [source, out] of OUTPUTS) {
  if (only.length && !only.includes(source.split("/")[1]) && !source.includes("loader")) continue;
  const css = source.endsWith(".css");
  const result = await build({
    entryPoints: [source],
    bundle: true,
    format: css ? undefined : "esm",
    target: css ? undefined : "es2020",
    write: false,
    metafile: true,
    legalComments: "eof",
    minify: !css, // stored once per kernel in a saved notebook's widget state (html.py, WidgetCode)
  });
  const imported = Object.keys(result.metafile.inputs)
    .filter((p) => p.startsWith("extensions/") && p !== source)
    .sort()
    .map((p) => `; imports ${p} (sha256: ${fileSha(p)})`)
    .join("");
  const line = `Built by extensions/build.mjs from ${source} (source sha256: ${fileSha(source)})${imported}. Do not edit.`;
  const banner = css ? `/* ${line} */` : `// ${line}`;
  emit(out, `${banner}\n\n${result.outputFiles[0].text}`, source);
}

// ELK's layout worker, as elkjs ships it (one file; a Web Worker runs it, see graph/engine.js).
if (!only.length || only.includes("graph")) {
  const require = createRequire(import.meta.url);
  const dir = require.resolve("elkjs/package.json").replace(/package\.json$/, "");
  const { version } = JSON.parse(readFileSync(`${dir}package.json`, "utf8"));
  const worker = readFileSync(`${dir}lib/elk-worker.min.js`, "utf8");
  const banner = `// elkjs ${version} lib/elk-worker.min.js (sha256: ${sha256(worker)}), copied by extensions/build.mjs. Eclipse Public License 2.0 (elkjs-LICENSE.md). Do not edit.`;
  emit(ELK_WORKER, `${banner}\n${worker}`, "elkjs");
  emit(ELK_LICENSE, readFileSync(`${dir}LICENSE.md`, "utf8"), "elkjs");
}
process.exit(stale ? 1 : 0);
