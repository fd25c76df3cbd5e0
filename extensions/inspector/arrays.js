// Arrays as treescope draws them (the result's and the gradients' views: data.treescope, from
// workbench/_src/notebook/views.py, array_html): treescope's own HTML (heatmaps with NaN / inf
// marked, summaries), whose inline script must run, so it runs in a sandboxed frame (scripts,
// no access to the notebook) that tells this page its height.

const MAX_HEIGHT = 600; // px; the frame scrolls past it
let listening = false;

// One listener for every frame: a frame's message names its height; the frame is found by the
// window that sent it (a sandboxed frame has no origin to check).
function listen() {
  if (listening) return;
  listening = true;
  window.addEventListener("message", (ev) => {
    const height = ev.data && ev.data.wbArraysHeight;
    if (typeof height !== "number") return;
    for (const frame of document.querySelectorAll("iframe.wb-arrays")) {
      if (frame.contentWindow === ev.source) {
        frame.style.height = `${Math.min(MAX_HEIGHT, Math.ceil(height) + 2)}px`;
        frame.dataset.drawn = "true";
      }
    }
  });
}

const REPORT_HEIGHT = `<script>(() => {
  const post = () => parent.postMessage({ wbArraysHeight: document.documentElement.scrollHeight }, "*");
  new ResizeObserver(post).observe(document.documentElement);
  window.addEventListener("load", post);
  post();
})();</script>`;

/**
 * A frame drawing treescope's `html`.
 * @param {string} html  treescope.render_to_html's output
 * @returns {HTMLIFrameElement}
 */
export function arrayFrame(html) {
  listen();
  const frame = document.createElement("iframe");
  frame.className = "wb-arrays";
  frame.title = "the arrays, as treescope draws them";
  frame.setAttribute("sandbox", "allow-scripts");
  frame.srcdoc = `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:4px;font-family:sans-serif}</style></head><body>${html}${REPORT_HEIGHT}</body></html>`;
  return frame;
}
