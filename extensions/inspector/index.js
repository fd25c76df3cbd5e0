// The %%reactant inspector widget (workbench/_src/notebook/inspector.py): the module the widget's
// loader (extensions/common/loader.js) imports. The view is view.js (tabs, IR, compare),
// highlight.js (IR tokens), sharding.js and the graph viewer of extensions/graph/; the styles are
// inspector.css.
import { mountInspector } from "./view.js";

export default {
  // Tells the kernel that this front end draws the workbench's widgets (html.py, show).
  initialize({ model }) {
    model.send({ type: "wb-live" });
  },
  render({ model, el }) {
    const unmount = mountInspector({ model, el });
    // The kernel draws the output's static picture now that the view is shown (html.py).
    model.send({ type: "wb-drawn" });
    return unmount;
  },
};
