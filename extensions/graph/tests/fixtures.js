// The fixtures of the front end's tests: what the Python side sends, written by
// tests/js_fixtures.py (tests/test_graph_widget.py checks that they are current).
import { readFileSync } from "node:fs";

/** The fixture `name` (extensions/test-fixtures/<name>.json). */
export function fixture(name) {
  return JSON.parse(readFileSync(new URL(`../../test-fixtures/${name}.json`, import.meta.url), "utf8"));
}
