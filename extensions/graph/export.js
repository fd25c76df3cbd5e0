// The graph viewer's drawing as a static picture: the one sent to the kernel for pages without
// widgets (snapshot.js), and the SVG file the toolbar's button saves.
import { h, s } from "../common/dom.js";
import { pageRules, pictureSvg } from "./snapshot.js";
import { LEGEND_EDGES, LEGEND_NODES } from "./toolbar.js";

// How long after a settled drawing its picture is made (snapshot.js), so that a burst of
// drawings (opening regions one after another) makes one.
const PICTURE_MS = 800;

/** GraphView's methods that export its drawing (view.js copies them onto its prototype). */
export class Exporting {
  /** `onPicture` gets the settled drawing as a picture, once the page is quiet (a second
   * later; a newer drawing meanwhile replaces it), and only when it changed. */
  schedulePicture() {
    if (!this.onPicture) return;
    clearTimeout(this.pictureTimer);
    this.pictureTimer = setTimeout(() => {
      if (!this.layout || !this.root.isConnected) return;
      this.drawAllTexts();
      const svg = pictureSvg({
        defs: this.canvas.querySelector("defs"),
        viewport: this.viewport,
        bounds: this.layout.bounds,
        legendNodes: LEGEND_NODES,
        legendEdges: LEGEND_EDGES,
        edges: this.model.get("edges") || "both",
      });
      if (svg === this.lastPicture) return;
      this.lastPicture = svg;
      this.root.dataset.pictures = String(Number(this.root.dataset.pictures || "0") + 1);
      this.onPicture(svg);
    }, PICTURE_MS);
  }

  /** The drawing as a standalone SVG document: the whole graph, with the styles it uses. */
  svgText() {
    const b = this.layout ? this.layout.bounds : { x: 0, y: 0, width: 100, height: 100 };
    const pad = 10;
    const out = s("svg", { xmlns: "http://www.w3.org/2000/svg", viewBox: `${b.x - pad} ${b.y - pad} ${b.width + 2 * pad} ${b.height + 2 * pad}`, width: b.width + 2 * pad, height: b.height + 2 * pad, class: "wb-graph-export" });
    // Every rule that mentions the workbench's classes (media queries around them included).
    const rules = pageRules().map((rule) => rule.cssText).filter((text) => text.includes(".wb-") || text.includes("data-edges"));
    s("style", {}, out, rules.join("\n"));
    out.appendChild(this.canvas.querySelector("defs").cloneNode(true));
    this.drawLabels();
    this.drawAllTexts();
    const content = this.viewport.cloneNode(true);
    content.removeAttribute("transform");
    content.classList.remove("wb-labels-small"); // the file shows every edge's shape
    out.appendChild(content);
    return new XMLSerializer().serializeToString(out);
  }

  exportSvg() {
    const blob = new Blob([this.svgText()], { type: "image/svg+xml" });
    const a = h("a", null, this.root);
    a.href = URL.createObjectURL(blob);
    a.download = `${(this.graph.title || "graph").replace(/[^\w.-]+/g, "_")}.svg`;
    a.click();
    setTimeout(() => {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 1000);
  }
}
