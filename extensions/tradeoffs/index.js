// The checkpoint trade-off explorer widget (workbench/_src/notebook/tradeoff_widget.py): the
// module the widget's loader (extensions/common/loader.js) imports. chart.js holds the scales,
// ticks and label placement; view.js the DOM; tradeoffs.css the styles.
import { mountTradeoffs } from "./view.js";

export default {
  // Tells the kernel that this front end draws the workbench's widgets (html.py, show).
  initialize({ model }) {
    model.send({ type: "wb-live" });
  },
  render({ model, el }) {
    const unmount = mountTradeoffs({ model, el });
    // The kernel draws the output's static picture once the view is shown, and again when the
    // table or the chosen point changes (html.py).
    const drawn = () => model.send({ type: "wb-drawn" });
    let timer = null;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(drawn, 800);
    };
    drawn();
    model.on("change:rows", later);
    model.on("change:timeline", later);
    return () => {
      clearTimeout(timer);
      model.off("change:rows", later);
      model.off("change:timeline", later);
      if (unmount) unmount();
    };
  },
};
