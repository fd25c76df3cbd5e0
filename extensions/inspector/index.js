// The %%reactant inspector widget (workbench/_src/notebook/inspector.py): anywidget's entry point.
// The view is view.js (tabs, IR, compare), highlight.js (IR tokens), sharding.js and the graph
// viewer of extensions/graph/; the styles are inspector.css (the widget's _css).
import { mountInspector } from "./view.js";

export default {
  // Tells the kernel that this front end draws the workbench's widgets (html.py, show).
  initialize({ model }) {
    model.send({ type: "wb-live" });
  },
  render({ model, el }) {
    return mountInspector({ model, el });
  },
};
