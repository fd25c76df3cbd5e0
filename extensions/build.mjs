// Bundles each widget's ES module from extensions/ into workbench/static/ (shipped in the wheel).
//   node extensions/build.mjs                 rebuild the bundles
//   node extensions/build.mjs inspector graph rebuild only these
//   node extensions/build.mjs --check         fail if a committed bundle is not what its source
//                                             builds to
// Each bundle starts with the sha256 of its source (and of every other file of extensions/ it
// imports, such as the graph viewer the inspector draws in its graph tab), so tests can spot a
// stale bundle without npm.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const WIDGETS = [
  ["extensions/inspector/index.js", "workbench/static/inspector.js"],
  ["extensions/graph/index.js", "workbench/static/graph.js"],
  ["extensions/tradeoffs/index.js", "workbench/static/tradeoffs.js"],
];
const check = process.argv.includes("--check");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");
let stale = 0;
for (const [source, out] of WIDGETS) {
  if (only.length && !only.includes(source.split("/")[1])) continue;
  const result = await build({
    entryPoints: [source],
    bundle: true,
    format: "esm",
    target: "es2020",
    write: false,
    metafile: true,
    legalComments: "none",
  });
  const imported = Object.keys(result.metafile.inputs)
    .filter((p) => p.startsWith("extensions/") && p !== source)
    .sort()
    .map((p) => `; imports ${p} (sha256: ${sha256(p)})`)
    .join("");
  const banner = `// Built by extensions/build.mjs from ${source} (source sha256: ${sha256(source)})${imported}. Do not edit.`;
  const text = `${banner}\n\n${result.outputFiles[0].text}`;
  if (!check) {
    writeFileSync(out, text);
    console.log(`built ${out}`);
    continue;
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
process.exit(stale ? 1 : 0);
