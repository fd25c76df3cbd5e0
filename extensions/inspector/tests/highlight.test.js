// The IR highlighter's tokens: every character once, in order, each kind of token classed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tokens } from "../highlight.js";

test("tokens cover the text and class what they recognise", () => {
  const lines = [
    "  %2 = stablehlo.sine %arg0 : tensor<3xf32> // the sine",
    '  b:f32[3] = sin a  # "quoted"',
    "  ROOT %add.3 = f32[3]{0} add(f32[3]{0} %p0, f32[3]{0} %c1), metadata={op_name=\"jit(f)/sin\"}",
  ];
  for (const line of lines) {
    const toks = tokens(line);
    assert.equal(toks.map(([, t]) => t).join(""), line);
  }
  const kinds = (line) => Object.fromEntries(tokens(line).filter(([c]) => c).map(([c, t]) => [t, c]));
  const a = kinds(lines[0]);
  assert.equal(a["%2"], "tok-value");
  assert.equal(a["stablehlo.sine"], "tok-op");
  assert.equal(a["tensor<3xf32>"], "tok-type");
  assert.equal(a["// the sine"], "tok-comment");
  const c = kinds(lines[2]);
  assert.equal(c["add"], "tok-op");
  assert.equal(c['"jit(f)/sin"'], "tok-string");
});
