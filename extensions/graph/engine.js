// ELK in the browser: one Web Worker per page, started from the layout engine's source. The
// Python side sends ELK's worker script once per kernel, in the `source` trait of one
// LayoutEngine widget model (graph_widget.py) that every viewer's `_layout` trait refers to
// ("IPY_MODEL_<id>"); viewers of the same engine share its worker.
import ELK from "elkjs/lib/elk-api.js";
import { warmUpGraph } from "./layout.js";

// anywidget imports a widget's module anew for every widget model (from a blob URL), so module
// state is per view: the workers live on the page instead, or every graph would start a cold
// worker (ELK's first layouts run several times slower than once its code is warm).
const KEY = "__workbench_layout_engines__";
const engines = (globalThis[KEY] = globalThis[KEY] || new Map()); // engine id -> Promise<ELK | null>

/**
 * The ELK instance for a viewer's model, or null where there is none (no engine sent, no
 * widget manager, no Web Workers): the viewer then lays out without ELK.
 * @param {*} model  the anywidget model of a viewer (GraphWidget or Inspector)
 * @returns {Promise<{layout: function(*): Promise<*>} | null>}
 */
export function layoutEngine(model) {
  const ref = model.get("_layout");
  const id = typeof ref === "string" && ref.startsWith("IPY_MODEL_") ? ref.slice("IPY_MODEL_".length) : "";
  if (!id || !model.widget_manager || typeof Worker === "undefined") return Promise.resolve(null);
  if (!engines.has(id)) {
    engines.set(
      id,
      (async () => {
        try {
          const engine = await model.widget_manager.get_model(id);
          const source = engine && engine.get("source");
          if (!source) return null;
          const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
          return warmingUp(new ELK({ workerFactory: () => new Worker(url) }));
        } catch (err) {
          console.warn("workbench graph: no layout worker, using the layered layout", err);
          return null;
        }
      })(),
    );
  }
  return engines.get(id);
}

/**
 * `elk`, warmed up once its first layout is done: a few layouts of a made-up graph of a few
 * hundred boxes run in the worker while the user reads the first one, so that the next graphs
 * are laid out by warm code (several times faster). The user's first graph never waits for it.
 */
function warmingUp(elk) {
  let warm = null;
  const warmUp = () => {
    if (warm) return;
    warm = (async () => {
      for (let i = 0; i < 3; i += 1) await elk.layout(warmUpGraph(240)).catch(() => null);
    })();
  };
  return {
    layout: (graph) => {
      const done = elk.layout(graph);
      done.then(warmUp, warmUp);
      return done;
    },
  };
}
