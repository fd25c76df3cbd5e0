// ELK in the browser: one Web Worker per page, started from ELK's worker script. The Python side
// has one LayoutEngine widget model per kernel (graph_widget.py) that every viewer's `_layout`
// trait refers to ("IPY_MODEL_<id>"); asked ({type: "wb-elk?"}), it answers with the script as
// a message's binary buffer, not a trait, so that no saved notebook's widget state keeps ELK's
// 1.6 MB. Viewers of the same engine share its worker.
import ELK from "elkjs/lib/elk-api.js";
import { warmUpGraph } from "./layout.js";

// anywidget imports a widget's module anew for every widget model (from a blob URL), so module
// state is per view: the workers live on the page instead, or every graph would start a cold
// worker (ELK's first layouts run several times slower than once its code is warm).
const KEY = "__workbench_layout_engines__";
// A kernel busy with a long cell answers late: the viewer draws with the layered layout then.
const ANSWER_MS = 5000;
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
          const source = engine && (await workerSource(engine));
          if (!source) {
            engines.delete(id); // asked again at the next drawing
            return null;
          }
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
 * ELK's worker script, asked of the kernel's layout engine; null if no answer comes within
 * ANSWER_MS (no kernel: a notebook opened from its saved widget state).
 */
function workerSource(engine) {
  return new Promise((resolve) => {
    let timer = null;
    const answer = (msg, buffers) => {
      if (!msg || msg.type !== "wb-elk" || !buffers || !buffers.length) return;
      clearTimeout(timer);
      engine.off("msg:custom", answer);
      const b = buffers[0];
      resolve(new TextDecoder().decode(b.buffer ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : b));
    };
    engine.on("msg:custom", answer);
    timer = setTimeout(() => {
      engine.off("msg:custom", answer);
      resolve(null);
    }, ANSWER_MS);
    engine.send({ type: "wb-elk?" });
  });
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
