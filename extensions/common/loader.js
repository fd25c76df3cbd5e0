// Every workbench widget's anywidget module (its `_esm`): a few hundred bytes that load the
// widget's real module and style sheet from the kernel's one WidgetCode model of that kind (the
// widget's `_code` trait, "IPY_MODEL_<id>"; html.py), so that a saved notebook's widget state
// holds each bundle once, not once per view. It also hides the static picture that follows the
// view's output (html.py, show) while the live view is drawn: pages without widgets (an exported
// notebook offline, a notebook opened without a kernel) show the picture instead.
const KEY = "__workbench_widget_code__";
const loaded = (globalThis[KEY] = globalThis[KEY] || new Map()); // code id -> Promise<module | null>
const HIDE_PICTURE = [
  ".jp-OutputArea-child:has(.wb-live) + .jp-OutputArea-child:has(.wb-fallback)",
  ".output_area:has(.wb-live) + .output_area:has(.wb-fallback)",
].join(", ");

function style(text, key) {
  if (document.querySelector(`style[data-wb-code="${key}"]`)) return;
  const el = document.createElement("style");
  el.dataset.wbCode = key;
  el.textContent = text;
  document.head.appendChild(el);
}

function load(model) {
  const ref = model.get("_code");
  const id = typeof ref === "string" && ref.startsWith("IPY_MODEL_") ? ref.slice("IPY_MODEL_".length) : "";
  if (!id || !model.widget_manager) return Promise.resolve(null);
  if (!loaded.has(id)) {
    loaded.set(
      id,
      (async () => {
        try {
          const code = await model.widget_manager.get_model(id);
          const source = code && code.get("source");
          if (!source) return null;
          style(`${HIDE_PICTURE} { display: none; }`, "picture");
          style(code.get("css") || "", code.get("name") || id);
          const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
          return (await import(/* webpackIgnore: true */ url)).default;
        } catch (err) {
          console.warn("workbench: the widget's code did not load; its picture stays", err);
          loaded.delete(id);
          return null;
        }
      })(),
    );
  }
  return loaded.get(id);
}

export default {
  // Tells the kernel that this front end draws the workbench's widgets (html.py, show).
  initialize({ model }) {
    model.send({ type: "wb-live" });
  },
  async render({ model, el }) {
    const widget = await load(model);
    if (!widget) return undefined; // the picture below stays shown
    el.classList.add("wb-live");
    return widget.render({ model, el });
  },
};
