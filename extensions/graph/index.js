// The graph viewer widget (workbench/_src/notebook/graph_widget.py, GraphWidget): anywidget's
// entry point. The viewer is split into format.js (the rows the Python side sends), model.js
// (what is visible, names, search), layout.js (ELK), viewport.js (pan and zoom), engine.js
// (ELK's Web Worker) and view.js (the DOM); its styles are graph.css (the widget's _css).
import { layoutEngine } from "./engine.js";
import { mountGraph } from "./view.js";

export default {
  // Tells the kernel that this front end draws the workbench's widgets (html.py, show).
  initialize({ model }) {
    model.send({ type: "wb-live" });
  },
  render({ model, el }) {
    return mountGraph({ model, el, engine: () => layoutEngine(model) });
  },
};
