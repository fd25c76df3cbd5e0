// The graph viewer widget (workbench/_src/notebook/graph_widget.py, GraphWidget): the module
// the widget's loader (extensions/common/loader.js) imports. The viewer is split into format.js
// (the rows the Python side sends), model.js (the graph indexed, names, search), visible.js (what
// a view draws), layout.js (ELK),
// viewport.js (pan and zoom), engine.js (ELK's Web Worker), snapshot.js (the picture for pages
// without widgets) and view.js (the DOM, with toolbar.js, drawing.js, interaction.js and
// export.js); its styles are graph.css.
import { layoutEngine } from "./engine.js";
import { mountGraph } from "./view.js";

export default {
  // Tells the kernel that this front end draws the workbench's widgets (html.py, show).
  initialize({ model }) {
    model.send({ type: "wb-live" });
  },
  render({ model, el }) {
    // Each settled drawing goes to the kernel as the output's static picture (html.py).
    const onPicture = (svg) => model.send({ type: "wb-drawn", svg });
    return mountGraph({ model, el, engine: () => layoutEngine(model), onPicture });
  },
};
