// Highlights IR text (jaxpr, StableHLO, HLO): one span per token, its class the kind of token.
// Text goes in through textContent only.

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

/**
 * The tokens of `text`: [class, text] pairs in order, class null for plain text.
 * @param {string} text
 * @returns {Array<[string | null, string]>}
 */
export function tokens(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(TOKENS)) {
    if (m.index > last) out.push([null, text.slice(last, m.index)]);
    const k = m.slice(1).findIndex((g) => g !== undefined) + 1;
    out.push([CLASSES[k], m[0]]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push([null, text.slice(last)]);
  return out;
}

/** Fills `pre` with `text`, highlighted; every piece goes in through textContent. */
export function highlight(pre, text) {
  pre.replaceChildren();
  for (const [cls, piece] of tokens(text)) {
    if (cls === null) {
      pre.append(document.createTextNode(piece));
    } else {
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = piece;
      pre.append(span);
    }
  }
}
