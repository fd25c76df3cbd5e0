// The checkpoint trade-off explorer widget (workbench/_src/notebook/tradeoff_widget.py):
// anywidget's entry point. chart.js holds the scales, ticks and label placement; view.js the DOM;
// tradeoffs.css the styles (the widget's _css).
import { mountTradeoffs } from "./view.js";

export default {
  // Tells the kernel that this front end draws the workbench's widgets (html.py, show).
  initialize({ model }) {
    model.send({ type: "wb-live" });
  },
  render({ model, el }) {
    return mountTradeoffs({ model, el });
  },
};
