// Built by extensions/build.mjs from extensions/inspector/index.js (source sha256: ae4761d08634660240eade7a84beb6350e146f7c2770e3f8842633792ee20edf); imports extensions/common/dom.js (sha256: 987494bcbeae84c57bea371ac9a98ab35a4f40b76e03ecde4c1c68f1fba5180a); imports extensions/graph/engine.js (sha256: f576196c4783b308832251b5cbdde59162cda66037131e8b8cccd8ea34b4e32e); imports extensions/graph/format.js (sha256: 125f2fd81b81242f95ec55f8139830725adb04441b008951e6821df0da847cb4); imports extensions/graph/layout.js (sha256: 59c9c4f0e380794ff6764934bb0f4748957e4057cb98d1e70704e5b43d8dbffd); imports extensions/graph/marks.js (sha256: 4efdd2fb1f1a19bd91e34d98499c4f32688027219f7ac72e76b71212cbc0758e); imports extensions/graph/model.js (sha256: 46d147364d0e620d7973545af34913275d5245d9f897fe2ed01384287d1ed134); imports extensions/graph/view.js (sha256: c0bb766562fe382eec35e5cd3cc210c7adfd2e2e81adaca0255f7042bbd1c2cb); imports extensions/graph/viewport.js (sha256: 8d54ae3f4e323c1ac2dbf8dfcc2d412ab0f0de1787afa9a84b9ea646c621d277); imports extensions/inspector/arrays.js (sha256: 27877aaeeebaf48e396593e35087f4c053bec000d0ba43429dc374a4a632a91e); imports extensions/inspector/highlight.js (sha256: 8534cad27ed1a91af330e4dddf8e40e12c7ee8b19a6ae84f6c441318ac63ac3e); imports extensions/inspector/nans.js (sha256: d79c98765b69e4ec01722c49f69997bda7560eeb74b9f07d6a84aabd2c215b79); imports extensions/inspector/sharding.js (sha256: ba1e86b10d6a232b1b830400d2f31f4ec97366c88c402a2a55c94ecd0f70aa9c); imports extensions/inspector/view.js (sha256: 9d81f6064edcedf0d7cf24e1ca9967886061857ffc10db4846798b3b9d76b595). Do not edit.

var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
  get: (a, b) => (typeof require !== "undefined" ? require : a)[b]
}) : x)(function(x) {
  if (typeof require !== "undefined") return require.apply(this, arguments);
  throw Error('Dynamic require of "' + x + '" is not supported');
});
var __commonJS = (cb, mod) => function __require2() {
  return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// node_modules/elkjs/lib/elk-api.js
var require_elk_api = __commonJS({
  "node_modules/elkjs/lib/elk-api.js"(exports, module) {
    (function(f) {
      if (typeof exports === "object" && typeof module !== "undefined") {
        module.exports = f();
      } else if (typeof define === "function" && define.amd) {
        define([], f);
      } else {
        var g;
        if (typeof window !== "undefined") {
          g = window;
        } else if (typeof global !== "undefined") {
          g = global;
        } else if (typeof self !== "undefined") {
          g = self;
        } else {
          g = this;
        }
        g.ELK = f();
      }
    })(function() {
      var define2, module2, exports2;
      return (/* @__PURE__ */ (function() {
        function r(e, n, t) {
          function o(i2, f) {
            if (!n[i2]) {
              if (!e[i2]) {
                var c = "function" == typeof __require && __require;
                if (!f && c) return c(i2, true);
                if (u) return u(i2, true);
                var a = new Error("Cannot find module '" + i2 + "'");
                throw a.code = "MODULE_NOT_FOUND", a;
              }
              var p = n[i2] = { exports: {} };
              e[i2][0].call(p.exports, function(r2) {
                var n2 = e[i2][1][r2];
                return o(n2 || r2);
              }, p, p.exports, r, e, n, t);
            }
            return n[i2].exports;
          }
          for (var u = "function" == typeof __require && __require, i = 0; i < t.length; i++) o(t[i]);
          return o;
        }
        return r;
      })())({ 1: [function(require2, module3, exports3) {
        "use strict";
        Object.defineProperty(exports3, "__esModule", {
          value: true
        });
        exports3["default"] = void 0;
        function _typeof(o) {
          "@babel/helpers - typeof";
          return _typeof = "function" == typeof Symbol && "symbol" == typeof Symbol.iterator ? function(o2) {
            return typeof o2;
          } : function(o2) {
            return o2 && "function" == typeof Symbol && o2.constructor === Symbol && o2 !== Symbol.prototype ? "symbol" : typeof o2;
          }, _typeof(o);
        }
        function _classCallCheck(a, n) {
          if (!(a instanceof n)) throw new TypeError("Cannot call a class as a function");
        }
        function _defineProperties(e, r) {
          for (var t = 0; t < r.length; t++) {
            var o = r[t];
            o.enumerable = o.enumerable || false, o.configurable = true, "value" in o && (o.writable = true), Object.defineProperty(e, _toPropertyKey(o.key), o);
          }
        }
        function _createClass(e, r, t) {
          return r && _defineProperties(e.prototype, r), t && _defineProperties(e, t), Object.defineProperty(e, "prototype", { writable: false }), e;
        }
        function _toPropertyKey(t) {
          var i = _toPrimitive(t, "string");
          return "symbol" == _typeof(i) ? i : i + "";
        }
        function _toPrimitive(t, r) {
          if ("object" != _typeof(t) || !t) return t;
          var e = t[Symbol.toPrimitive];
          if (void 0 !== e) {
            var i = e.call(t, r || "default");
            if ("object" != _typeof(i)) return i;
            throw new TypeError("@@toPrimitive must return a primitive value.");
          }
          return ("string" === r ? String : Number)(t);
        }
        var ELK2 = exports3["default"] = /* @__PURE__ */ (function() {
          function ELK3() {
            var _this = this;
            var _ref = arguments.length > 0 && arguments[0] !== void 0 ? arguments[0] : {}, _ref$defaultLayoutOpt = _ref.defaultLayoutOptions, defaultLayoutOptions = _ref$defaultLayoutOpt === void 0 ? {} : _ref$defaultLayoutOpt, _ref$algorithms = _ref.algorithms, algorithms = _ref$algorithms === void 0 ? ["layered", "stress", "mrtree", "radial", "force", "disco", "sporeOverlap", "sporeCompaction", "rectpacking"] : _ref$algorithms, workerFactory = _ref.workerFactory, workerUrl = _ref.workerUrl;
            _classCallCheck(this, ELK3);
            this.defaultLayoutOptions = defaultLayoutOptions;
            this.initialized = false;
            if (typeof workerUrl === "undefined" && typeof workerFactory === "undefined") {
              throw new Error("Cannot construct an ELK without both 'workerUrl' and 'workerFactory'.");
            }
            var factory = workerFactory;
            if (typeof workerUrl !== "undefined" && typeof workerFactory === "undefined") {
              factory = function factory2(url) {
                return new Worker(url);
              };
            }
            var worker = factory(workerUrl);
            if (typeof worker.postMessage !== "function") {
              throw new TypeError("Created worker does not provide the required 'postMessage' function.");
            }
            this.worker = new PromisedWorker(worker);
            this.worker.postMessage({
              cmd: "register",
              algorithms
            }).then(function(r) {
              return _this.initialized = true;
            })["catch"](console.err);
          }
          return _createClass(ELK3, [{
            key: "layout",
            value: function layout2(graph) {
              var _ref2 = arguments.length > 1 && arguments[1] !== void 0 ? arguments[1] : {}, _ref2$layoutOptions = _ref2.layoutOptions, layoutOptions = _ref2$layoutOptions === void 0 ? this.defaultLayoutOptions : _ref2$layoutOptions, _ref2$logging = _ref2.logging, logging = _ref2$logging === void 0 ? false : _ref2$logging, _ref2$measureExecutio = _ref2.measureExecutionTime, measureExecutionTime = _ref2$measureExecutio === void 0 ? false : _ref2$measureExecutio;
              if (!graph) {
                return Promise.reject(new Error("Missing mandatory parameter 'graph'."));
              }
              return this.worker.postMessage({
                cmd: "layout",
                graph,
                layoutOptions,
                options: {
                  logging,
                  measureExecutionTime
                }
              });
            }
          }, {
            key: "knownLayoutAlgorithms",
            value: function knownLayoutAlgorithms() {
              return this.worker.postMessage({
                cmd: "algorithms"
              });
            }
          }, {
            key: "knownLayoutOptions",
            value: function knownLayoutOptions() {
              return this.worker.postMessage({
                cmd: "options"
              });
            }
          }, {
            key: "knownLayoutCategories",
            value: function knownLayoutCategories() {
              return this.worker.postMessage({
                cmd: "categories"
              });
            }
          }, {
            key: "terminateWorker",
            value: function terminateWorker() {
              if (this.worker) this.worker.terminate();
            }
          }]);
        })();
        var PromisedWorker = /* @__PURE__ */ (function() {
          function PromisedWorker2(worker) {
            var _this2 = this;
            _classCallCheck(this, PromisedWorker2);
            if (worker === void 0) {
              throw new Error("Missing mandatory parameter 'worker'.");
            }
            this.resolvers = {};
            this.worker = worker;
            this.worker.onmessage = function(answer) {
              setTimeout(function() {
                _this2.receive(_this2, answer);
              }, 0);
            };
          }
          return _createClass(PromisedWorker2, [{
            key: "postMessage",
            value: function postMessage(msg) {
              var id = this.id || 0;
              this.id = id + 1;
              msg.id = id;
              var self2 = this;
              return new Promise(function(resolve, reject) {
                self2.resolvers[id] = function(err, res) {
                  if (err) {
                    self2.convertGwtStyleError(err);
                    reject(err);
                  } else {
                    resolve(res);
                  }
                };
                self2.worker.postMessage(msg);
              });
            }
          }, {
            key: "receive",
            value: function receive(self2, answer) {
              var json = answer.data;
              var resolver = self2.resolvers[json.id];
              if (resolver) {
                delete self2.resolvers[json.id];
                if (json.error) {
                  resolver(json.error);
                } else {
                  resolver(null, json.data);
                }
              }
            }
          }, {
            key: "terminate",
            value: function terminate() {
              if (this.worker) {
                this.worker.terminate();
              }
            }
          }, {
            key: "convertGwtStyleError",
            value: function convertGwtStyleError(err) {
              if (!err) {
                return;
              }
              var javaException = err["__java$exception"];
              if (javaException) {
                if (javaException.cause && javaException.cause.backingJsObject) {
                  err.cause = javaException.cause.backingJsObject;
                  this.convertGwtStyleError(err.cause);
                }
                delete err["__java$exception"];
              }
            }
          }]);
        })();
      }, {}], 2: [function(require2, module3, exports3) {
        "use strict";
        var ELK2 = require2("./elk-api.js")["default"];
        Object.defineProperty(module3.exports, "__esModule", {
          value: true
        });
        module3.exports = ELK2;
        ELK2["default"] = ELK2;
      }, { "./elk-api.js": 1 }] }, {}, [2])(2);
    });
  }
});

// extensions/graph/engine.js
var import_elk_api = __toESM(require_elk_api(), 1);

// extensions/graph/layout.js
var METRICS = {
  lineHeight: 14,
  padX: 8,
  padY: 5,
  minWidth: 44,
  headerLine: 14,
  headerPad: 6,
  clusterPad: 10,
  edgeLabelHeight: 12
};
var QUICK_LAYOUT_BOXES = 150;
var SHAPE_GAP = 6;
var ELK_MAX_BOXES = 1500;
function estimateWidth(text, kind) {
  const per = { node: 6.7, sub: 5.6, head: 6.2, edge: 5.4 }[kind] || 6.7;
  return Math.ceil(text.length * per);
}
function sizes(V, measure) {
  const M = METRICS;
  const leaves = /* @__PURE__ */ new Map();
  for (const l of V.leaves.values()) {
    const first = measure(l.label, "node") + (l.shape ? SHAPE_GAP + measure(l.shape, "sub") : 0);
    const w = Math.max(first, l.sub ? measure(l.sub, "sub") : 0);
    const lines = l.sub ? 2 : 1;
    leaves.set(l.key, { width: Math.max(M.minWidth, Math.ceil(w) + 2 * M.padX), height: lines * M.lineHeight + 2 * M.padY });
  }
  const clusters = /* @__PURE__ */ new Map();
  for (const c of V.clusters.values()) {
    const lines = c.detail ? 2 : 1;
    const w = Math.max(measure(c.title, "head"), c.detail ? measure(c.detail, "sub") : 0);
    clusters.set(c.key, { header: lines * M.headerLine + M.headerPad, minWidth: Math.ceil(w) + 2 * M.padX + 16 });
  }
  return { leaves, clusters };
}
function headerKey(key) {
  return `h:${key}`;
}
function elkGraph(V, S) {
  const M = METRICS;
  const root = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.json.shapeCoords": "ROOT",
      "elk.json.edgeCoords": "ROOT",
      "elk.spacing.nodeNode": "12",
      "elk.layered.spacing.nodeNodeBetweenLayers": "20",
      "elk.spacing.edgeNode": "8",
      "elk.spacing.edgeEdge": "6",
      "elk.layered.spacing.edgeNodeBetweenLayers": "8",
      "elk.layered.spacing.edgeEdgeBetweenLayers": "6",
      "elk.spacing.componentComponent": "24",
      "elk.layered.thoroughness": "3",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
      "elk.padding": "[top=12,left=12,bottom=12,right=12]"
    },
    children: [],
    edges: []
  };
  if (V.leaves.size > QUICK_LAYOUT_BOXES) {
    root.layoutOptions["elk.layered.crossingMinimization.greedySwitch.type"] = "OFF";
    root.layoutOptions["elk.layered.thoroughness"] = "1";
    root.layoutOptions["elk.layered.nodePlacement.strategy"] = "SIMPLE";
  }
  const holders = /* @__PURE__ */ new Map([[null, root]]);
  const holder = (key) => {
    if (holders.has(key)) return holders.get(key);
    const c = V.clusters.get(key);
    const size = S.clusters.get(key);
    const node = {
      id: key,
      layoutOptions: {
        "elk.padding": `[top=${M.clusterPad},left=${M.clusterPad},bottom=${M.clusterPad},right=${M.clusterPad}]`
      },
      children: [{ id: headerKey(key), width: size.minWidth - 2 * M.padX, height: size.header, layoutOptions: { "elk.layered.layering.layerConstraint": "FIRST" } }]
    };
    holders.set(key, node);
    holder(c.parent).children.push(node);
    return node;
  };
  const leaves = [...V.leaves.values()].sort((a, b) => a.order - b.order);
  for (const l of leaves) {
    const size = S.leaves.get(l.key);
    holder(l.parent).children.push({ id: l.key, width: size.width, height: size.height });
  }
  for (const e of V.edges) {
    const up = e.k === "b";
    root.edges.push({ id: e.id, sources: [up ? e.b : e.a], targets: [up ? e.a : e.b] });
  }
  return root;
}
function readElk(V, result) {
  const boxes = /* @__PURE__ */ new Map();
  const visit = (node) => {
    for (const c of node.children || []) {
      boxes.set(c.id, { x: c.x, y: c.y, width: c.width, height: c.height });
      visit(c);
    }
  };
  visit(result);
  const byId = new Map(V.edges.map((e) => [e.id, e]));
  const edges = [];
  const collect = (node) => {
    for (const e of node.edges || []) {
      const edge = byId.get(e.id);
      if (!edge) continue;
      const points = [];
      for (const s2 of e.sections || []) {
        if (!points.length) points.push(s2.startPoint);
        points.push(...s2.bendPoints || [], s2.endPoint);
      }
      if (edge.k === "b") points.reverse();
      edges.push({ edge, points, label: null });
    }
    for (const c of node.children || []) collect(c);
  };
  collect(result);
  return { boxes, edges, bounds: { x: 0, y: 0, width: result.width, height: result.height }, engine: "elk", clustersDrawn: true, edgeLabels: false };
}
function warmUpGraph(n = 240) {
  const half = Math.max(2, Math.floor(n / 2));
  const leaves = /* @__PURE__ */ new Map();
  const edges = [];
  for (let i = 0; i < half; i += 1) {
    for (const [side, k] of [["f", "f"], ["b", "b"]]) {
      const key = `n:${side}${i}`;
      leaves.set(key, { key, type: "node", parent: i < 6 ? "c:warm" : null, order: side === "f" ? i : 2 * half - i, label: "dot_general", shape: "f32[4,16]", sub: "", role: "forward" });
      if (i > 0) edges.push({ id: `${side}${i}`, a: side === "f" ? `n:f${i - 1}` : `n:b${i}`, b: side === "f" ? key : `n:b${i - 1}`, k, count: 1, label: "" });
    }
    edges.push({ id: `r${i}`, a: `n:f${i}`, b: `n:b${i}`, k: "r", count: 1, label: "" });
  }
  const clusters = /* @__PURE__ */ new Map([["c:warm", { key: "c:warm", region: null, parent: null, title: "\u25BE warm-up", detail: "" }]]);
  const V = { leaves, clusters, edges, keyOf: [] };
  return elkGraph(V, sizes(V, estimateWidth));
}
async function layout(V, elk, measure, { edgeLabels = true } = {}) {
  const S = sizes(V, measure);
  const labelled = (L) => edgeLabels ? placeEdgeLabels(L, V, measure) : L;
  if (elk && V.leaves.size <= ELK_MAX_BOXES) {
    try {
      const result = await elk.layout(elkGraph(V, S));
      return labelled(readElk(V, result));
    } catch (err) {
      if (typeof console !== "undefined") console.warn("workbench graph: ELK failed, using the layered layout", err);
    }
  }
  return labelled(layeredLayout(V, S));
}
function layeredLayout(V, S) {
  const leaves = [...V.leaves.values()].sort((x, y) => x.order - y.order);
  const rank = /* @__PURE__ */ new Map();
  const preds = /* @__PURE__ */ new Map();
  for (const e of V.edges) {
    if (V.leaves.get(e.a).order >= V.leaves.get(e.b).order) continue;
    if (!preds.has(e.b)) preds.set(e.b, []);
    preds.get(e.b).push(e.a);
  }
  const ranks = [];
  for (const l of leaves) {
    let r = 0;
    for (const p of preds.get(l.key) || []) r = Math.max(r, (rank.get(p) ?? 0) + 1);
    rank.set(l.key, r);
    (ranks[r] = ranks[r] || []).push(l);
  }
  const gapX = 16;
  const gapY = 28;
  const boxes = /* @__PURE__ */ new Map();
  const rowHeight = Math.max(...[...S.leaves.values()].map((s2) => s2.height), 0);
  const left = 40;
  ranks.forEach((row, r) => {
    if (r > 0) {
      const bary = (l) => {
        const ps = preds.get(l.key) || [];
        if (!ps.length) return Infinity;
        return ps.reduce((acc, p) => acc + boxes.get(p).x + boxes.get(p).width / 2, 0) / ps.length;
      };
      row = row.map((l) => [bary(l), l]).sort((x2, y) => x2[0] - y[0]).map((x2) => x2[1]);
    }
    let x = left;
    for (const l of row) {
      const s2 = S.leaves.get(l.key);
      boxes.set(l.key, { x, y: 12 + r * (rowHeight + gapY), width: s2.width, height: s2.height });
      x += s2.width + gapX;
    }
  });
  const edges = [];
  let minX = left;
  for (const e of V.edges) {
    const a = boxes.get(e.a);
    const b = boxes.get(e.b);
    const ax = a.x + a.width / 2;
    const bx = b.x + b.width / 2;
    const ya = a.y + a.height;
    const yb = b.y;
    const d = rank.get(e.b) - rank.get(e.a);
    if (d === 1) {
      edges.push({ edge: e, points: [{ x: ax, y: ya }, { x: ax, y: ya + gapY / 2 }, { x: bx, y: ya + gapY / 2 }, { x: bx, y: yb }], label: null });
      continue;
    }
    const lane = left - 8 - 5 * Math.log2(Math.abs(d) + 1);
    minX = Math.min(minX, lane);
    edges.push({
      edge: e,
      points: [
        { x: ax, y: ya },
        { x: ax, y: ya + gapY / 2 },
        { x: lane, y: ya + gapY / 2 },
        { x: lane, y: yb - gapY / 2 },
        { x: bx, y: yb - gapY / 2 },
        { x: bx, y: yb }
      ],
      label: null
    });
  }
  let x1 = 0;
  let y1 = 0;
  for (const b of boxes.values()) {
    x1 = Math.max(x1, b.x + b.width);
    y1 = Math.max(y1, b.y + b.height);
  }
  const x0 = Math.min(0, minX - 8);
  return { boxes, edges, bounds: { x: x0, y: 0, width: x1 + 12 - x0, height: y1 + 12 }, engine: "layered", clustersDrawn: false, edgeLabels: false };
}
var Grid = class {
  constructor(cell = 64) {
    this.cell = cell;
    this.cells = /* @__PURE__ */ new Map();
  }
  *cellsOf(b) {
    const c = this.cell;
    for (let i = Math.floor(b.x / c); i <= Math.floor((b.x + b.width) / c); i += 1) {
      for (let j = Math.floor(b.y / c); j <= Math.floor((b.y + b.height) / c); j += 1) yield `${i},${j}`;
    }
  }
  add(b, item) {
    for (const k of this.cellsOf(b)) {
      const list = this.cells.get(k);
      if (list) list.push(item);
      else this.cells.set(k, [item]);
    }
  }
  /** Whether `test` holds for an item of a cell that `b` touches. */
  some(b, test) {
    for (const k of this.cellsOf(b)) for (const item of this.cells.get(k) || []) if (test(item)) return true;
    return false;
  }
};
var boxesMeet = (a, b, gap) => a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
function segmentMeets(p, q, b, gap) {
  return boxesMeet({ x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), width: Math.abs(q.x - p.x), height: Math.abs(q.y - p.y) }, b, gap);
}
var LABEL_REACH = 160;
function placeEdgeLabels(L, V, measure) {
  const H = METRICS.edgeLabelHeight;
  const GAP = 2;
  const solid = new Grid();
  for (const [key, b] of L.boxes) if (V.leaves.has(key) || key.startsWith("h:")) solid.add(b, b);
  const borders = L.clustersDrawn ? [...V.clusters.keys()].map((k) => L.boxes.get(k)).filter(Boolean) : [];
  const routes = new Grid();
  for (const r of L.edges) {
    for (let i = 1; i < r.points.length; i += 1) {
      const [p, q] = [r.points[i - 1], r.points[i]];
      const seg = { p, q, from: r.edge.a };
      routes.add({ x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), width: Math.abs(q.x - p.x), height: Math.abs(q.y - p.y) }, seg);
    }
  }
  const placed = new Grid();
  const done = /* @__PURE__ */ new Set();
  const free = (b, from) => !solid.some(b, (o) => boxesMeet(b, o, GAP)) && !placed.some(b, (o) => boxesMeet(b, o, GAP)) && !routes.some(b, (seg) => seg.from !== from && segmentMeets(seg.p, seg.q, b, 1)) && // inside or outside each region's box, never across its border
  !borders.some((c) => boxesMeet(b, c, GAP) && !(b.x >= c.x + GAP && b.y >= c.y + GAP && b.x + b.width <= c.x + c.width - GAP && b.y + b.height <= c.y + c.height - GAP));
  for (const r of L.edges) {
    if (!r.edge.label || r.points.length < 2) continue;
    r.label = null;
    const once = `${r.edge.a}\0${r.edge.label}`;
    if (done.has(once)) continue;
    const w = measure(r.edge.label, "edge") + 4;
    const box = candidateLabel(r.points, w, H, GAP, (b) => free(b, r.edge.a));
    if (!box) continue;
    r.label = box;
    placed.add(box, box);
    done.add(once);
  }
  L.edgeLabels = true;
  return L;
}
function candidateLabel(pts, w, h2, gap, ok) {
  let walked = 0;
  const STEP = 4;
  for (let i = 1; i < pts.length && walked <= LABEL_REACH; i += 1) {
    const [p, q] = [pts[i - 1], pts[i]];
    const len = Math.hypot(q.x - p.x, q.y - p.y);
    const vertical = Math.abs(q.x - p.x) < 0.5;
    const along = vertical ? h2 : w;
    for (let t = Math.min(6, Math.max(0, (len - along) / 2)); t + along <= len - (i === pts.length - 1 ? 8 : 0) + 1e-6 && walked + t <= LABEL_REACH; t += STEP) {
      let sides;
      if (vertical) {
        const y = Math.min(p.y, q.y) + (q.y >= p.y ? t : len - t - along);
        sides = [{ x: p.x + gap + 1, y }, { x: p.x - gap - 1 - w, y }];
      } else {
        const x = Math.min(p.x, q.x) + (q.x >= p.x ? t : len - t - along);
        sides = [{ x, y: p.y + gap + 1 }, { x, y: p.y - gap - 1 - h2 }];
      }
      for (const c of sides) {
        const b = { x: c.x, y: c.y, width: w, height: h2 };
        if (ok(b)) return b;
      }
    }
    walked += len;
  }
  return null;
}

// extensions/graph/engine.js
var KEY = "__workbench_layout_engines__";
var engines = globalThis[KEY] = globalThis[KEY] || /* @__PURE__ */ new Map();
function layoutEngine(model) {
  const ref = model.get("_layout");
  const id = typeof ref === "string" && ref.startsWith("IPY_MODEL_") ? ref.slice("IPY_MODEL_".length) : "";
  if (!id || !model.widget_manager || typeof Worker === "undefined") return Promise.resolve(null);
  if (!engines.has(id)) {
    engines.set(
      id,
      (async () => {
        try {
          const engine = await model.widget_manager.get_model(id);
          const source = engine && engine.get("source");
          if (!source) return null;
          const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
          return warmingUp(new import_elk_api.default({ workerFactory: () => new Worker(url) }));
        } catch (err) {
          console.warn("workbench graph: no layout worker, using the layered layout", err);
          return null;
        }
      })()
    );
  }
  return engines.get(id);
}
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
    }
  };
}

// extensions/common/dom.js
var SVGNS = "http://www.w3.org/2000/svg";
function h(tag, cls, parent, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== void 0) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function s(tag, attrs, parent, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== void 0) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function formatBytes(n) {
  if (n === null || n === void 0) return "-";
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

// extensions/graph/format.js
var FORMAT = 2;
function decodeRows(data, key) {
  const fields = (data.fields || {})[key];
  const rows2 = data[key] || [];
  if (!fields) {
    if (rows2.length) throw new Error(`graph data without a field table for its ${key}`);
    return [];
  }
  const strings = data.strings || [];
  const str = (i) => typeof i === "number" ? strings[i] ?? "" : "";
  const regionIds = (data.regions || []).map((r) => r[0]);
  const decoders = {
    "": (v) => v,
    s: str,
    "s*": (v) => (v || []).map(str),
    r: (v) => typeof v === "number" ? regionIds[v] ?? null : null,
    n: (v) => v,
    kv: (v) => (v || []).map(([k, x]) => [str(k), str(x)])
  };
  const columns = fields.map(([name, coding]) => {
    const decode = decoders[coding];
    if (!decode) throw new Error(`graph data: unknown coding ${JSON.stringify(coding)} of ${key}.${name}`);
    return [name, decode];
  });
  return rows2.map((row) => {
    const out = {};
    columns.forEach(([name, decode], i) => {
      out[name] = decode(row[i]);
    });
    return out;
  });
}
function formatProblem(data) {
  if (!data || !data.nodes) return "";
  if (data.format !== FORMAT) {
    return `This graph was sent in format ${data.format ?? 1}; this viewer reads format ${FORMAT}. Re-run the cell.`;
  }
  return "";
}

// extensions/graph/marks.js
function boxOf(G, V, index, id) {
  if (index.has(id)) return V.keyOf[index.get(id)] ?? null;
  if (V.clusters.has("c:" + id)) return "c:" + id;
  if (V.leaves.has("r:" + id)) return "r:" + id;
  const reg = G.regions.get(id);
  return reg && Number.isFinite(reg.first) ? V.keyOf[reg.first] ?? null : null;
}
function nanMarks(G, V, marks) {
  const out = { origin: null, source: null, boxes: /* @__PURE__ */ new Set(), edges: /* @__PURE__ */ new Set(), residual: /* @__PURE__ */ new Set() };
  if (!marks || !marks.origin) return out;
  const index = new Map(G.nodes.map((n) => [n.id, n.index]));
  const pair = (a, b) => `${a}>${b}`;
  const ids = (list) => new Set((list || []).map(([a, b]) => pair(index.get(a), index.get(b))));
  const onWay = ids(marks.edges);
  const carrying = ids(marks.residual);
  for (const e of G.edges) {
    const p = pair(e.s, e.t);
    if (!onWay.has(p)) continue;
    const a = V.keyOf[e.s];
    const b = V.keyOf[e.t];
    if (a === void 0 || b === void 0 || a === b) continue;
    const id = `${a}|${b}|${e.k}`;
    out.edges.add(id);
    if (carrying.has(p)) out.residual.add(id);
  }
  for (const id of marks.nodes || []) {
    const key = boxOf(G, V, index, id);
    if (key) out.boxes.add(key);
  }
  out.origin = boxOf(G, V, index, marks.origin);
  out.source = marks.source ? boxOf(G, V, index, marks.source) : null;
  return out;
}
function labelMarked(G, V, marks) {
  if (!marks || !marks.origin) return;
  const index = new Map(G.nodes.map((n) => [n.id, n.index]));
  const origin = boxOf(G, V, index, marks.origin);
  const source = marks.source ? boxOf(G, V, index, marks.source) : null;
  for (const [key, text] of [
    [origin, marks.label || "made here"],
    [source !== origin ? source : null, marks.source_label || "inf made here"]
  ]) {
    const leaf = key && V.leaves.get(key);
    if (leaf) leaf.sub = leaf.sub ? `${text} \xB7 ${leaf.sub}` : text;
  }
}

// extensions/graph/model.js
var LOOP_KINDS = /* @__PURE__ */ new Set(["scan", "while", "loop"]);
var RECOMPUTE_SCOPE = "rematted_computation";
function prepare(data) {
  data = data || {};
  const nodes = decodeRows(data, "nodes").map((r, index) => ({
    index,
    id: r.id,
    kind: r.kind,
    primitive: r.primitive,
    name: r.name,
    phase: r.phase,
    region: r.region,
    inputs: r.inputs,
    outputs: r.outputs,
    source: r.source,
    stack: r.name_stack,
    bytes: r.residual_bytes || 0,
    recomputed: Boolean(r.recomputed),
    internal: Boolean(r.internal)
  }));
  const regions = /* @__PURE__ */ new Map();
  let root = null;
  for (const r of decodeRows(data, "regions")) {
    regions.set(r.id, {
      id: r.id,
      kind: r.kind,
      label: r.label,
      parent: r.parent,
      phase: r.phase,
      source: r.source,
      bytes: r.residual_bytes || 0,
      params: r.params || [],
      count: 0,
      first: Infinity,
      internal: Boolean(r.internal)
    });
    if (r.parent === null && root === null) root = r.id;
  }
  groupInternals(nodes, regions);
  for (const n of nodes) {
    for (let rid = n.region; rid !== null && rid !== void 0; ) {
      const reg = regions.get(rid);
      if (!reg) break;
      reg.count += 1;
      if (n.index < reg.first) reg.first = n.index;
      rid = reg.parent;
    }
  }
  const edges = decodeRows(data, "edges").map((e) => ({ s: e.source, t: e.target, k: e.kind, aval: e.aval }));
  return { nodes, regions, edges, root, title: data.title || "", summary: data.summary || "" };
}
var INTERNAL_KIND = "internal";
function groupInternals(nodes, regions) {
  const group = (parent, phase) => {
    const id = `${parent}~${INTERNAL_KIND}~${phase}`;
    if (!regions.has(id)) {
      const passShown = (regions.get(parent) || {}).phase === phase;
      regions.set(id, { id, kind: INTERNAL_KIND, label: "wb internals", parent, phase, source: "", bytes: 0, params: [], count: 0, first: Infinity, internal: true, synthetic: true, passShown });
    }
    return id;
  };
  for (const reg of [...regions.values()]) {
    const up = reg.parent !== null ? regions.get(reg.parent) : null;
    if (reg.internal && !reg.synthetic && !LOOP_KINDS.has(reg.kind) && up && !up.internal) reg.parent = group(up.id, reg.phase);
  }
  for (const n of nodes) {
    const home = regions.get(n.region);
    if (n.internal && home && !home.internal) n.region = group(home.id, n.phase);
  }
}
var PHASE_WORDS = { primal: "", forward: "forward pass", backward: "backward pass" };
function param(reg, key) {
  const found = (reg.params || []).find(([k]) => k === key);
  return found ? found[1] : "";
}
function tripCount(reg) {
  return param(reg, "length") || param(reg, "trip count") || "";
}
function regionTitle(reg) {
  let name = reg.label;
  if (reg.kind === "named_scope" && reg.label === RECOMPUTE_SCOPE) name = "recompute";
  else if (reg.kind === "remat") name = "checkpoint (remat)";
  else if (LOOP_KINDS.has(reg.kind)) {
    const n = tripCount(reg);
    const what = reg.kind === "loop" ? "loop" : reg.kind;
    name = /^\d+$/.test(n) ? `\u21BB ${what} \xD7${n}` : `\u21BB ${what}`;
  }
  if (reg.phase === "backward" && !reg.passShown && !(reg.kind === "named_scope" && reg.label === RECOMPUTE_SCOPE)) name += " (backward)";
  return name;
}
function loopDetail(reg) {
  if (!LOOP_KINDS.has(reg.kind)) return "";
  const parts = [];
  const n = tripCount(reg);
  if (n && !/^\d+$/.test(n)) parts.push(n);
  const scheme = param(reg, "scheme");
  const snaps = param(reg, "snapshots");
  if (scheme) parts.push(scheme);
  if (snaps && !scheme.includes(snaps)) parts.push(`${snaps} snapshot${snaps === "1" ? "" : "s"}`);
  if (param(reg, "reverse") === "True") parts.push("reversed");
  return parts.join(" \xB7 ");
}
function nodeLabel(n) {
  if (n.kind === "op") return n.primitive;
  if (n.kind === "constant") return "constant";
  return n.name || n.kind;
}
function valueShape(n) {
  const avals = n.kind === "result" ? n.inputs : n.outputs;
  if (!avals.length) return "";
  return avals.length === 1 ? avals[0] : `${avals.length} values`;
}
function nodeRole(n) {
  if (n.kind !== "op") return "io";
  if (n.recomputed) return "recompute";
  return n.phase === "backward" ? "backward" : "forward";
}
function regionPath(G, rid) {
  const out = [];
  for (let r = rid; r !== null && r !== void 0 && r !== G.root; ) {
    const reg = G.regions.get(r);
    if (!reg) break;
    out.unshift(reg);
    r = reg.parent;
  }
  return out;
}
function nodeDetails(G, n) {
  const where = regionPath(G, n.region).map((r) => regionTitle(r).replace(/ \(backward\)$/, ""));
  const pass = n.recomputed ? "recomputed in the backward pass (remat)" : PHASE_WORDS[n.phase] || "";
  const head = n.kind === "op" ? n.primitive : `${n.kind} ${nodeLabel(n)}`;
  return [
    head,
    n.inputs.length ? `in:  ${n.inputs.join(", ")}` : "",
    n.outputs.length ? `out: ${n.outputs.join(", ")}` : "",
    [pass, where.join(" \u203A ")].filter(Boolean).join(", in "),
    n.source ? `from ${n.source}` : "",
    n.bytes ? `keeps ${formatBytes(n.bytes)} for the backward pass` : "",
    `id ${n.id}`
  ].filter(Boolean);
}
function regionDetails(G, reg) {
  if (reg.kind === INTERNAL_KIND) {
    return [regionTitle(reg), `${reg.count} op${reg.count === 1 ? "" : "s"} that the workbench's own code made (a checkpointing schedule's bookkeeping, say); click to open or close`, PHASE_WORDS[reg.phase] || ""].filter(Boolean);
  }
  const extra = reg.params.filter(([k]) => k !== "name").map(([k, v]) => `${k} ${v}`);
  const n = tripCount(reg);
  const loop = LOOP_KINDS.has(reg.kind) ? `a loop: its body is drawn once${/^\d+$/.test(n) ? ` and runs ${n} times` : ""}` : "";
  return [
    regionTitle(reg),
    loop,
    `${reg.count} node${reg.count === 1 ? "" : "s"} inside; click to open or close`,
    PHASE_WORDS[reg.phase] || "",
    extra.length ? extra.join(", ") : "",
    reg.source ? `from ${reg.source}` : "",
    reg.bytes ? `keeps ${formatBytes(reg.bytes)} for the backward pass` : "",
    `id ${reg.id}`
  ].filter(Boolean);
}
function visibleGraph(G, expanded) {
  const memo = /* @__PURE__ */ new Map();
  const rep = (rid) => {
    if (memo.has(rid)) return memo.get(rid);
    const r = G.regions.get(rid);
    let out = null;
    if (r && r.parent !== null && r.parent !== void 0) {
      const up = rep(r.parent);
      out = up !== null ? up : expanded.has(rid) ? null : rid;
    }
    memo.set(rid, out);
    return out;
  };
  const clusterOf = (rid) => rid === G.root || rid === null || rid === void 0 ? null : "c:" + rid;
  const leaves = /* @__PURE__ */ new Map();
  const keyOf = new Array(G.nodes.length);
  for (const n of G.nodes) {
    const r = rep(n.region);
    let key;
    if (r === null) {
      key = "n:" + n.index;
      const sub = n.bytes ? `keeps ${formatBytes(n.bytes)}` : "";
      leaves.set(key, { key, type: "node", node: n, parent: clusterOf(n.region), order: n.index, label: nodeLabel(n), shape: valueShape(n), sub, role: nodeRole(n) });
    } else {
      key = "r:" + r;
      if (!leaves.has(key)) {
        const reg = G.regions.get(r);
        const parts = [`${reg.count} node${reg.count === 1 ? "" : "s"}`];
        if (reg.bytes) parts.push(`keeps ${formatBytes(reg.bytes)}`);
        leaves.set(key, { key, type: "region", region: reg, parent: clusterOf(reg.parent), order: reg.first, label: `\u25B8 ${regionTitle(reg)}`, shape: "", sub: parts.join(", "), role: LOOP_KINDS.has(reg.kind) ? "loop" : "region" });
      }
    }
    keyOf[n.index] = key;
  }
  const clusters = /* @__PURE__ */ new Map();
  for (const leaf of leaves.values()) {
    let c = leaf.parent;
    while (c !== null && !clusters.has(c)) {
      const reg = G.regions.get(c.slice(2));
      clusters.set(c, { key: c, region: reg, parent: clusterOf(reg.parent), title: `\u25BE ${regionTitle(reg)}`, detail: loopDetail(reg) });
      c = clusterOf(reg.parent);
    }
  }
  const merged = /* @__PURE__ */ new Map();
  for (const e of G.edges) {
    const a = keyOf[e.s];
    const b = keyOf[e.t];
    if (a === void 0 || b === void 0 || a === b) continue;
    const id = `${a}|${b}|${e.k}`;
    const m = merged.get(id);
    if (m) {
      m.count += 1;
      if (m.avals.size < 4) m.avals.add(e.aval);
    } else merged.set(id, { id, a, b, k: e.k, count: 1, avals: /* @__PURE__ */ new Set([e.aval]) });
  }
  const edges = [...merged.values()].map(({ avals, ...e }) => ({
    ...e,
    label: e.count === 1 ? [...avals][0] || "" : avals.size === 1 ? `${e.count} \xD7 ${[...avals][0]}` : `${e.count} values`
  }));
  return { leaves, clusters, edges, keyOf };
}
function searchMatches(G, V, query) {
  const q = (query || "").trim().toLowerCase();
  const found = [];
  const nodes = [];
  const regions = [];
  if (q) {
    for (const n of G.nodes) {
      const text = `${n.primitive} ${n.name} ${n.id}`.toLowerCase();
      if (text.includes(q)) {
        found.push([n.index, V.keyOf[n.index]]);
        nodes.push(n.index);
      }
    }
    for (const r of G.regions.values()) {
      if (r.id !== G.root && (r.label.toLowerCase().includes(q) || regionTitle(r).toLowerCase().includes(q))) {
        const key = V.clusters.has("c:" + r.id) ? "c:" + r.id : Number.isFinite(r.first) ? V.keyOf[r.first] : null;
        found.push([r.first, key]);
        regions.push(r.id);
      }
    }
  }
  found.sort((x, y) => x[0] - y[0]);
  const keys = [...new Set(found.map(([, k]) => k).filter(Boolean))];
  return { keys, count: nodes.length + regions.length, nodes, regions };
}
function highlightTargets(G, ids) {
  const nodes = /* @__PURE__ */ new Set();
  const regions = /* @__PURE__ */ new Set();
  const open = /* @__PURE__ */ new Set();
  const byId = new Map(G.nodes.map((n) => [n.id, n]));
  const openAbove = (rid) => {
    for (let r = rid; r !== null && r !== void 0 && r !== G.root; ) {
      const reg = G.regions.get(r);
      if (!reg) break;
      open.add(r);
      r = reg.parent;
    }
  };
  for (const id of ids || []) {
    const n = byId.get(id);
    if (n) {
      nodes.add(n.index);
      openAbove(n.region);
    } else if (G.regions.has(id)) {
      regions.add(id);
      openAbove(G.regions.get(id).parent);
    }
  }
  return { nodes, regions, open };
}

// extensions/graph/viewport.js
var EDGE_LABEL_FONT_PX = 9;
var EDGE_LABEL_MIN_PX = 8;
function edgeLabelsLegible(k) {
  return k * EDGE_LABEL_FONT_PX >= EDGE_LABEL_MIN_PX - 1e-9;
}
var MAX_SCALE = 4;
var FIT_MAX_SCALE = 1.5;
function fitTransform(box, width, height, margin = 12) {
  const w = Math.max(1, box.width);
  const h2 = Math.max(1, box.height);
  const k = Math.min(FIT_MAX_SCALE, Math.max(1e-3, (width - 2 * margin) / w), Math.max(1e-3, (height - 2 * margin) / h2));
  return { k, x: width / 2 - k * (box.x + w / 2), y: height / 2 - k * (box.y + h2 / 2) };
}
function zoomLimits(box, width, height) {
  const fit = fitTransform(box, width, height).k;
  return { min: Math.max(0.05, Math.min(0.5, fit / 2)), max: MAX_SCALE };
}
function zoomAt(t, px, py, factor, limits) {
  const k = Math.max(limits.min, Math.min(limits.max, t.k * factor));
  return { k, x: px - (px - t.x) * k / t.k, y: py - (py - t.y) * k / t.k };
}
function centreOn(box, width, height, k, limits, margin = 24) {
  const fits = Math.min((width - 2 * margin) / Math.max(1, box.width), (height - 2 * margin) / Math.max(1, box.height));
  const scale = Math.max(limits.min, Math.min(k, fits, limits.max));
  return { k: scale, x: width / 2 - scale * (box.x + box.width / 2), y: height / 2 - scale * (box.y + box.height / 2) };
}
function union(boxes) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const b of boxes) {
    if (!b) continue;
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.width);
    y1 = Math.max(y1, b.y + b.height);
  }
  return Number.isFinite(x0) ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}
function roundedPath(pts, radius = 6) {
  const f = (p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  if (!pts.length) return "";
  let d = `M${f(pts[0])}`;
  for (let i = 1; i < pts.length - 1; i += 1) {
    const [A, P, B] = [pts[i - 1], pts[i], pts[i + 1]];
    const la = Math.hypot(A.x - P.x, A.y - P.y);
    const lb = Math.hypot(B.x - P.x, B.y - P.y);
    const r = Math.min(radius, la / 2, lb / 2);
    if (r < 0.5) {
      d += `L${f(P)}`;
      continue;
    }
    const p1 = { x: P.x + (A.x - P.x) * r / la, y: P.y + (A.y - P.y) * r / la };
    const p2 = { x: P.x + (B.x - P.x) * r / lb, y: P.y + (B.y - P.y) * r / lb };
    d += `L${f(p1)}Q${f(P)} ${f(p2)}`;
  }
  return pts.length > 1 ? `${d}L${f(pts[pts.length - 1])}` : d;
}

// extensions/graph/view.js
var EDGE_WORDS = { f: "forward", b: "backward", r: "residual (kept for the backward pass)" };
var LEGEND_NODES = [
  ["forward", "forward op"],
  ["backward", "backward op"],
  ["recompute", "recomputed op (remat)"],
  ["io", "argument / result"],
  ["region", "closed region (click)"],
  ["loop", "loop"]
];
var LEGEND_EDGES = [
  ["f", "forward value"],
  ["b", "backward value"],
  ["r", "residual"]
];
var MODES = [
  ["both", "both passes"],
  ["forward", "forward only"],
  ["backward", "backward only"]
];
var QUICK_MS = 40;
var NODE_FONT_PX = 11;
var TEXT_MIN_PX = 4;
var viewCount = 0;
var TextMeasure = class {
  constructor(canvasSvg) {
    this.svg = canvasSvg;
    this.cache = /* @__PURE__ */ new Map();
    this.fonts = null;
    this.ctx = null;
  }
  fontsOf() {
    const probe = s("g", { class: "wb-probe", visibility: "hidden" }, this.svg);
    const node = s("g", { class: "wb-node" }, probe);
    const cluster = s("g", { class: "wb-cluster" }, probe);
    const kinds = {
      node: s("text", {}, node, "x"),
      sub: s("text", { class: "wb-sub" }, node, "x"),
      head: s("text", { class: "wb-head-title" }, cluster, "x"),
      edge: s("text", { class: "wb-edge-label" }, probe, "x")
    };
    const fonts = {};
    for (const [k, el2] of Object.entries(kinds)) {
      const st = getComputedStyle(el2);
      fonts[k] = st.fontSize ? `${st.fontStyle} ${st.fontWeight} ${st.fontSize} ${st.fontFamily}` : "";
    }
    probe.remove();
    return fonts;
  }
  /** @type {import("./layout.js").Measure} */
  width(text, kind) {
    const key = `${kind}\0${text}`;
    let w = this.cache.get(key);
    if (w !== void 0) return w;
    if (!this.fonts) {
      this.fonts = this.fontsOf();
      this.ctx = document.createElement("canvas").getContext("2d");
    }
    const font = this.fonts[kind];
    if (font && this.ctx) {
      this.ctx.font = font;
      w = Math.ceil(this.ctx.measureText(text).width) + 2;
    } else {
      w = estimateWidth(text, kind);
    }
    this.cache.set(key, w);
    return w;
  }
};
function mountGraph({ model, el: el2, engine }) {
  const view = new GraphView(model, el2, engine);
  return () => view.destroy();
}
var GraphView = class {
  constructor(model, el2, engine) {
    viewCount += 1;
    this.uid = `wbg${viewCount}`;
    this.model = model;
    this.engine = engine;
    this.graph = prepare(model.get("graph") || {});
    this.visible = null;
    this.layout = null;
    this.transform = { x: 0, y: 0, k: 1 };
    this.limits = { min: 0.05, max: 4 };
    this.generation = 0;
    this.saveTimer = null;
    this.userMoved = false;
    this.dragged = false;
    this.search = { items: [], current: -1 };
    this.pending = null;
    this.focus = (model.get("viewport") || {}).focus || "";
    this.handlers = [];
    this.build(el2);
    this.root.dataset.createdAt = String(Math.round(performance.now()));
    this.listen();
    this.frame = requestAnimationFrame(() => this.firstDraw());
  }
  // Building the DOM ------------------------------------------------------------------------
  build(el2) {
    const root = this.root = h("div", "wb-graph", el2);
    const bar = h("div", "wb-toolbar", root);
    this.titleEl = h("span", "wb-title", bar);
    const find = h("span", "wb-group", bar);
    this.searchInput = h("input", "wb-search", find);
    this.searchInput.type = "search";
    this.searchInput.placeholder = "search by name\u2026";
    this.searchInput.setAttribute("aria-label", "search nodes and regions by name");
    this.prevButton = this.button(find, "wb-search-prev", "\u2039", "previous match (Shift+Enter)", () => this.step(-1));
    this.nextButton = this.button(find, "wb-search-next", "\u203A", "next match (Enter)", () => this.step(1));
    this.matchesEl = h("span", "wb-matches", bar);
    const modes = h("span", "wb-group", bar);
    this.modeButtons = {};
    for (const [mode, label] of MODES) {
      const b = this.button(modes, "wb-edges-mode", label, `show ${label}`, () => this.setMode(mode));
      b.dataset.edges = mode;
      this.modeButtons[mode] = b;
    }
    const tools = h("span", "wb-group", bar);
    this.button(tools, "wb-fit", "fit", "show the whole graph", () => {
      this.fit();
      this.saveViewport();
    });
    this.button(tools, "wb-expand-all", "expand all", "open every region", () => this.setExpanded([...this.graph.regions.keys()].filter((r) => r !== this.graph.root)));
    this.button(tools, "wb-collapse-all", "collapse all", "close every region", () => this.setExpanded([]));
    this.fullButton = this.button(tools, "wb-fullscreen", "full screen", "full screen (Esc to leave)", () => this.toggleFullScreen());
    this.button(tools, "wb-export", "SVG", "save the drawing as an SVG file", () => this.exportSvg());
    this.statusEl = h("span", "wb-status", bar);
    this.buildLegend(h("div", "wb-legend", root));
    this.messageEl = h("div", "wb-message", root);
    this.messageEl.hidden = true;
    this.frameEl = h("div", "wb-frame", root);
    const canvas = this.canvas = s("svg", { class: "wb-canvas", tabindex: 0 }, this.frameEl);
    s("title", {}, canvas, "drag to pan, wheel to zoom, click a region's header to open or close it");
    const defs = s("defs", {}, canvas);
    for (const k of ["f", "b", "r"]) {
      const m = s("marker", { id: `${this.uid}-arrow-${k}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse", markerUnits: "userSpaceOnUse" }, defs);
      s("path", { d: "M0,0L10,5L0,10z", class: `wb-arrow-${k}` }, m);
    }
    this.viewport = s("g", { class: "wb-viewport" }, canvas);
    this.tooltip = h("div", "wb-tooltip", this.frameEl);
    this.measure = new TextMeasure(canvas);
  }
  button(parent, cls, text, title, onClick) {
    const b = h("button", cls, parent, text);
    b.type = "button";
    b.title = title;
    b.addEventListener("click", onClick);
    return b;
  }
  buildLegend(legend) {
    for (const [role, label] of LEGEND_NODES) {
      const item = h("span", "wb-legend-item", legend);
      item.dataset.role = role;
      const svg2 = s("svg", { width: 16, height: 11 }, item);
      s("rect", { class: `wb-swatch wb-role-${role}`, x: 0.5, y: 0.5, width: 15, height: 10, rx: 2 }, svg2);
      h("span", null, item, label);
    }
    for (const [k, label] of LEGEND_EDGES) {
      const item = h("span", "wb-legend-item", legend);
      item.dataset.edge = k;
      const svg2 = s("svg", { width: 30, height: 10 }, item);
      s("line", { class: `wb-edge wb-e-${k}`, x1: 0, y1: 5, x2: 22, y2: 5 }, svg2);
      s("path", { d: "M22,1L30,5L22,9z", class: `wb-arrow-${k}` }, svg2);
      h("span", null, item, label);
    }
    const nan = this.nanLegend = h("span", "wb-legend-item wb-legend-nan", legend);
    nan.dataset.role = "nan";
    const svg = s("svg", { width: 16, height: 11 }, nan);
    s("rect", { class: "wb-swatch wb-role-nan", x: 0.5, y: 0.5, width: 15, height: 10, rx: 2 }, svg);
    h("span", null, nan, "where the NaN / inf is made, and its way to the outputs");
    nan.hidden = true;
  }
  // Model events ----------------------------------------------------------------------------
  on(name, fn) {
    this.model.on(name, fn);
    this.handlers.push([name, fn]);
  }
  listen() {
    this.on("change:graph", () => {
      this.graph = prepare(this.model.get("graph") || {});
      this.draw();
    });
    this.on("change:expanded", () => this.draw());
    this.on("change:_layout", () => this.draw());
    this.on("change:search", () => this.applySearch());
    this.on("change:edges", () => this.applyMode());
    this.on("change:viewport", () => this.onViewport());
    this.on("change:highlight", () => {
      if (this.visible) this.focusHighlight();
    });
    this.on("change:marks", () => this.draw());
    this.searchInput.addEventListener("input", () => {
      this.model.set("search", this.searchInput.value);
      this.model.save_changes();
    });
    this.searchInput.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        this.step(ev.shiftKey ? -1 : 1);
      } else if (ev.key === "Escape") {
        this.searchInput.value = "";
        this.model.set("search", "");
        this.model.save_changes();
      }
    });
    this.listenPointer();
    this.onFullScreen = () => this.afterResize();
    document.addEventListener("fullscreenchange", this.onFullScreen);
    if (typeof ResizeObserver !== "undefined") {
      this.resizer = new ResizeObserver(() => this.afterResize());
      this.resizer.observe(this.frameEl);
    }
  }
  listenPointer() {
    const canvas = this.canvas;
    let start = null;
    canvas.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      start = { x: ev.clientX, y: ev.clientY, t: { ...this.transform } };
      this.dragged = false;
    });
    canvas.addEventListener("pointermove", (ev) => {
      if (!start) return;
      const dx = ev.clientX - start.x;
      const dy = ev.clientY - start.y;
      if (!this.dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!this.dragged) {
        this.dragged = true;
        canvas.classList.add("wb-dragging");
        canvas.setPointerCapture(ev.pointerId);
        this.hideTip();
      }
      this.setTransform({ ...start.t, x: start.t.x + dx, y: start.t.y + dy });
    });
    const end = () => {
      if (start && this.dragged) {
        this.userMoved = true;
        this.saveViewport();
      }
      start = null;
      canvas.classList.remove("wb-dragging");
      setTimeout(() => {
        this.dragged = false;
      }, 0);
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener(
      "wheel",
      (ev) => {
        ev.preventDefault();
        const box = canvas.getBoundingClientRect();
        this.zoom(Math.exp(-ev.deltaY * 15e-4), ev.clientX - box.left, ev.clientY - box.top);
      },
      { passive: false }
    );
    canvas.addEventListener("keydown", (ev) => {
      const W = canvas.clientWidth;
      const H = canvas.clientHeight;
      const pan = { ArrowLeft: [60, 0], ArrowRight: [-60, 0], ArrowUp: [0, 60], ArrowDown: [0, -60] }[ev.key];
      if (ev.key === "+" || ev.key === "=") this.zoom(1.25, W / 2, H / 2);
      else if (ev.key === "-") this.zoom(0.8, W / 2, H / 2);
      else if (ev.key === "0") {
        this.fit();
        this.saveViewport();
      } else if (pan) {
        this.userMoved = true;
        this.setTransform({ ...this.transform, x: this.transform.x + pan[0], y: this.transform.y + pan[1] });
        this.saveViewport();
      } else return;
      ev.preventDefault();
    });
  }
  zoom(factor, px, py) {
    this.userMoved = true;
    this.setTransform(zoomAt(this.transform, px, py, factor, this.limits));
    this.saveViewport();
  }
  // Drawing ---------------------------------------------------------------------------------
  firstDraw() {
    this.draw().then(() => {
      const key = JSON.stringify(this.model.get("highlight") || []);
      if ((this.model.get("highlight") || []).length && this.focus !== key) this.focusHighlight();
    });
  }
  async draw() {
    const generation = ++this.generation;
    const t0 = performance.now();
    const problem = formatProblem(this.model.get("graph") || {});
    this.messageEl.hidden = !problem;
    this.messageEl.textContent = problem;
    if (problem) return;
    const V = visibleGraph(this.graph, new Set(this.model.get("expanded") || []));
    labelMarked(this.graph, V, this.model.get("marks") || {});
    const measure = (text, kind) => this.measure.width(text, kind);
    this.frameEl.classList.add("wb-busy");
    try {
      const elk = await this.engine();
      if (generation !== this.generation) return;
      const laid = layout(V, elk, measure, { edgeLabels: false });
      if (V.leaves.size > QUICK_LAYOUT_BOXES) {
        const first = await Promise.race([laid, new Promise((done) => setTimeout(() => done(null), QUICK_MS))]);
        if (generation !== this.generation) return;
        if (first === null) this.show(V, layeredLayout(V, sizes(V, measure)), t0, false);
      }
      const L = await laid;
      if (generation !== this.generation) return;
      this.show(V, L, t0, true);
    } finally {
      if (generation === this.generation) this.frameEl.classList.remove("wb-busy");
    }
  }
  /** Draws the layout `L` of the view `V`; `settled` once it is the final one (ELK's). */
  show(V, L, t0, settled) {
    const G = this.graph;
    const t1 = performance.now();
    this.visible = V;
    this.layout = L;
    this.viewport.textContent = "";
    this.sizeFrame(L);
    this.sizeNow = null;
    this.updateLimits();
    this.sizeNow = this.size();
    const specks = fitTransform(L.bounds, this.sizeNow.W, this.sizeNow.H).k * NODE_FONT_PX < TEXT_MIN_PX;
    this.render(V, L, { texts: !specks, hover: settled });
    const saved = this.model.get("viewport") || {};
    if (settled && typeof saved.k === "number" && saved.k > 0) {
      this.userMoved = true;
      this.setTransform({ x: saved.x || 0, y: saved.y || 0, k: saved.k });
    } else {
      this.fit();
    }
    this.applySearch();
    this.applyMode();
    this.applyHighlight();
    this.applyMarks();
    if (settled && this.pending) {
      const target = this.pending;
      this.pending = null;
      target();
    }
    this.sizeNow = null;
    const t2 = performance.now();
    this.titleEl.textContent = G.title;
    const engine = L.engine === "elk" ? "ELK" : settled ? "layered layout, regions not boxed" : "quick layout; ELK\u2026";
    this.statusEl.textContent = `${G.nodes.length} nodes, ${G.edges.length} edges; ${V.leaves.size} boxes, ${V.clusters.size} open regions (${engine}, ${Math.round(t2 - t0)} ms)`;
    const d = this.root.dataset;
    d.nodes = String(G.nodes.length);
    d.visible = String(V.leaves.size);
    d.layoutMs = String(Math.round(t1 - t0));
    d.drawMs = String(Math.round(t2 - t0));
    d.engine = L.engine;
    d.settled = String(settled);
    d.drawnAt = String(Math.round(performance.now()));
    d.ready = String(Number(d.ready || "0") + 1);
  }
  render(V, L, { texts = true, hover = true } = {}) {
    this.deferTexts = !texts;
    this.hover = hover;
    this.textless = [];
    this.hideTip();
    const view = this.viewport;
    view.textContent = "";
    const gClusters = s("g", { class: "wb-clusters" }, view);
    const gEdges = s("g", { class: "wb-edges" }, view);
    const gNodes = s("g", { class: "wb-nodes" }, view);
    const gLabels = this.gLabels = s("g", { class: "wb-edge-labels" }, view);
    this.labelsDrawn = false;
    if (L.clustersDrawn) {
      const depth = (c) => {
        let d = 0;
        for (let p = c.parent; p; p = V.clusters.get(p).parent) d += 1;
        return d;
      };
      for (const c of [...V.clusters.values()].sort((a, b) => depth(a) - depth(b))) {
        const box = L.boxes.get(c.key);
        if (box) this.drawCluster(gClusters, c, box);
      }
    }
    for (const routed of L.edges) this.drawEdge(gEdges, gLabels, routed, V);
    for (const leaf of V.leaves.values()) this.drawLeaf(gNodes, leaf, L.boxes.get(leaf.key));
  }
  drawCluster(parent, c, box) {
    const reg = c.region;
    const role = reg.kind === "named_scope" && reg.label === "rematted_computation" ? "recompute" : ["scan", "while", "loop"].includes(reg.kind) ? "loop" : "region";
    const g = s("g", { class: "wb-cluster", "data-region": reg.id, "data-key": c.key, "data-parent": c.parent || "", "data-phase": reg.phase, "data-role": role, "data-kind": reg.kind }, parent);
    s("rect", { class: "wb-box", x: box.x, y: box.y, width: box.width, height: box.height, rx: 6 }, g);
    const hb = this.layout.boxes.get(headerKey(c.key)) || { x: box.x + 8, y: box.y + 4, width: box.width - 16, height: c.detail ? 34 : 20 };
    const head = s("rect", { class: "wb-head", x: hb.x, y: hb.y, width: hb.width, height: hb.height, rx: 4 }, g);
    s("text", { class: "wb-head-title", x: hb.x + 4, y: hb.y + 13 }, g, c.title);
    if (c.detail) s("text", { class: "wb-head-detail", x: hb.x + 4, y: hb.y + 27 }, g, c.detail);
    head.addEventListener("click", (ev) => {
      ev.stopPropagation();
      if (!this.dragged) this.toggle(reg.id, false);
    });
    head.addEventListener("pointerenter", (ev) => this.showTip(ev, regionDetails(this.graph, reg)));
    head.addEventListener("pointerleave", () => this.hideTip());
  }
  drawEdge(parent, labels, routed, V) {
    const e = routed.edge;
    if (!routed.points.length) return;
    const g = s("g", { class: `wb-edge-group wb-e-${e.k}`, "data-edge": e.id, "data-from": e.a, "data-to": e.b }, parent);
    const d = roundedPath(routed.points, 6);
    s("path", { class: `wb-edge wb-e-${e.k}`, d, "marker-end": `url(#${this.uid}-arrow-${e.k})` }, g);
    if (!this.hover) return;
    const hit = s("path", { class: "wb-edge-hit", d }, g);
    const name = (key) => {
      const leaf = V.leaves.get(key);
      return leaf ? leaf.label.replace(/^\u25B8 /, "") : key;
    };
    hit.addEventListener("pointerenter", (ev) => this.showTip(ev, [`${e.label || "value"}`, `${EDGE_WORDS[e.k]}: ${name(e.a)} \u2192 ${name(e.b)}`]));
    hit.addEventListener("pointerleave", () => this.hideTip());
  }
  /** The shapes on the edges (layout.js, placeEdgeLabels), drawn the first time the zoom makes
   * them legible: a large view seen whole never needs them, and has that many fewer elements
   * to style and lay out. */
  drawLabels() {
    if (this.labelsDrawn || !this.layout || !this.gLabels) return;
    this.labelsDrawn = true;
    if (!this.layout.edgeLabels) placeEdgeLabels(this.layout, this.visible, (text, kind) => this.measure.width(text, kind));
    for (const routed of this.layout.edges) {
      const e = routed.edge;
      const b = routed.label;
      if (!b || !e.label) continue;
      const lg = s("g", { class: `wb-edge-group wb-e-${e.k}`, "data-edge": e.id, "data-from": e.a, "data-to": e.b }, this.gLabels);
      s("rect", { class: "wb-edge-label-bg", x: b.x, y: b.y, width: b.width, height: b.height, rx: 2 }, lg);
      s("text", { class: "wb-edge-label", x: b.x + 2, y: b.y + b.height - 3 }, lg, e.label);
    }
  }
  drawLeaf(parent, leaf, box) {
    const g = s("g", { class: "wb-node", "data-key": leaf.key, "data-parent": leaf.parent || "", "data-role": leaf.role, transform: `translate(${box.x},${box.y})` }, parent);
    s("rect", { width: box.width, height: box.height, rx: 4 }, g);
    if (this.deferTexts) this.textless.push([g, leaf]);
    else this.drawTexts(g, leaf);
    if (leaf.type === "node") {
      const n = leaf.node;
      Object.assign(g.dataset, { id: n.id, kind: n.kind, phase: n.phase, primitive: n.primitive });
      g.addEventListener("pointerenter", (ev) => this.showTip(ev, nodeDetails(this.graph, n)));
    } else {
      const r = leaf.region;
      g.classList.add("wb-collapsed");
      Object.assign(g.dataset, { region: r.id, phase: r.phase, kind: r.kind });
      g.addEventListener("pointerenter", (ev) => this.showTip(ev, regionDetails(this.graph, r)));
      g.addEventListener("click", (ev) => {
        ev.stopPropagation();
        if (!this.dragged) this.toggle(r.id, true);
      });
    }
    g.addEventListener("pointerleave", () => this.hideTip());
  }
  /** The texts of the boxes drawn without them (render's level of detail). */
  drawAllTexts() {
    if (!this.textless || !this.textless.length) return;
    for (const [g, leaf] of this.textless) this.drawTexts(g, leaf);
    this.textless = [];
  }
  /** A box's texts: its label, the shape of its value, the line below. */
  drawTexts(g, leaf) {
    const text = s("text", { x: 8, y: 5 + 11 }, g, leaf.label);
    if (leaf.shape) s("tspan", { class: "wb-shape", dx: SHAPE_GAP }, text, leaf.shape);
    if (leaf.sub) s("text", { class: "wb-sub", x: 8, y: 5 + 14 + 10 }, g, leaf.sub);
  }
  // The viewport ----------------------------------------------------------------------------
  size() {
    if (this.sizeNow) return this.sizeNow;
    return { W: this.canvas.clientWidth || 900, H: this.canvas.clientHeight || 560 };
  }
  /** On the first drawing, the canvas takes the graph's height at scale 1, between 320 px and
   * 80% of the window (the user can then drag its corner, or go full screen). */
  sizeFrame(L) {
    if (this.frameSized) return;
    this.frameSized = true;
    const want = Math.round(L.bounds.height + 40);
    const most = Math.max(560, Math.round(0.8 * (window.innerHeight || 900)));
    this.frameEl.style.height = `${Math.max(320, Math.min(most, want))}px`;
  }
  updateLimits() {
    if (!this.layout) return;
    const { W, H } = this.size();
    this.limits = zoomLimits(this.layout.bounds, W, H);
  }
  setTransform(t) {
    this.transform = t;
    this.viewport.setAttribute("transform", `translate(${t.x.toFixed(2)},${t.y.toFixed(2)}) scale(${t.k.toFixed(4)})`);
    this.root.dataset.scale = t.k.toFixed(4);
    const legible = edgeLabelsLegible(t.k);
    if (legible) this.drawLabels();
    if (t.k * NODE_FONT_PX >= TEXT_MIN_PX) this.drawAllTexts();
    this.viewport.classList.toggle("wb-labels-small", !legible);
  }
  fit(box) {
    if (!this.layout) return;
    const { W, H } = this.size();
    this.userMoved = false;
    this.setTransform(fitTransform(box || this.layout.bounds, W, H));
  }
  afterResize() {
    this.root.classList.toggle("wb-full", document.fullscreenElement === this.root);
    this.fullButton.classList.toggle("wb-active", document.fullscreenElement === this.root || this.root.classList.contains("wb-maximized"));
    this.updateLimits();
    if (this.layout && !this.userMoved) this.fit();
  }
  writeViewport() {
    this.saveTimer = null;
    const t = this.transform;
    this.model.set("viewport", { x: t.x, y: t.y, k: t.k, focus: this.focus });
    this.model.save_changes();
  }
  saveViewport() {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.writeViewport(), 250);
  }
  onViewport() {
    const saved = this.model.get("viewport") || {};
    const t = this.transform;
    if (typeof saved.k === "number" && saved.k > 0 && (saved.x !== t.x || saved.y !== t.y || saved.k !== t.k)) {
      this.setTransform({ x: saved.x || 0, y: saved.y || 0, k: saved.k });
    }
  }
  /** Pans (and zooms out if needed) so that `boxes` are all in view; false if none is drawn. */
  panTo(boxes, minScale = 0.8) {
    const box = union(boxes);
    const { W, H } = this.size();
    if (!box || !this.canvas.clientWidth) return false;
    this.userMoved = true;
    this.setTransform(centreOn(box, W, H, Math.max(this.transform.k, minScale), this.limits));
    return true;
  }
  // Regions, passes, full screen, export ----------------------------------------------------
  setExpanded(ids) {
    this.model.set("expanded", ids);
    this.model.save_changes();
  }
  toggle(rid, open) {
    const cur = new Set(this.model.get("expanded") || []);
    if (open) cur.add(rid);
    else cur.delete(rid);
    this.setExpanded([...cur]);
  }
  setMode(mode) {
    this.model.set("edges", mode);
    this.model.save_changes();
    this.applyMode();
    if (!this.layout) return;
    if (mode === "both") {
      this.fit();
    } else {
      const boxes = [];
      for (const el2 of this.viewport.querySelectorAll(`.wb-node[data-phase="${mode}"], .wb-cluster[data-phase="${mode}"]`)) {
        const b = this.layout.boxes.get(el2.dataset.key);
        if (b) boxes.push(b);
      }
      const box = union(boxes);
      if (box) this.fit(box);
    }
    this.saveViewport();
  }
  applyMode() {
    const mode = this.model.get("edges") || "both";
    this.root.dataset.edges = mode;
    this.viewport.dataset.edges = mode;
    for (const [k, b] of Object.entries(this.modeButtons)) b.classList.toggle("wb-active", k === mode);
  }
  toggleFullScreen() {
    const root = this.root;
    if (document.fullscreenElement === root) {
      document.exitFullscreen();
    } else if (root.classList.contains("wb-maximized")) {
      root.classList.remove("wb-maximized");
      this.afterResize();
    } else if (root.requestFullscreen && document.fullscreenEnabled) {
      root.requestFullscreen().catch(() => {
        root.classList.add("wb-maximized");
        this.afterResize();
      });
    } else {
      root.classList.add("wb-maximized");
      this.afterResize();
    }
  }
  /** The drawing as a standalone SVG document: the whole graph, with the styles it uses. */
  svgText() {
    const b = this.layout ? this.layout.bounds : { x: 0, y: 0, width: 100, height: 100 };
    const pad = 10;
    const out = s("svg", { xmlns: "http://www.w3.org/2000/svg", viewBox: `${b.x - pad} ${b.y - pad} ${b.width + 2 * pad} ${b.height + 2 * pad}`, width: b.width + 2 * pad, height: b.height + 2 * pad, class: "wb-graph-export" });
    const rules = [];
    for (const sheet of document.styleSheets) {
      let list;
      try {
        list = sheet.cssRules;
      } catch {
        continue;
      }
      for (const rule of list) if (rule.cssText.includes(".wb-") || rule.cssText.includes("data-edges")) rules.push(rule.cssText);
    }
    s("style", {}, out, rules.join("\n"));
    out.appendChild(this.canvas.querySelector("defs").cloneNode(true));
    this.drawLabels();
    this.drawAllTexts();
    const content = this.viewport.cloneNode(true);
    content.removeAttribute("transform");
    content.classList.remove("wb-labels-small");
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
    }, 1e3);
  }
  // Search ----------------------------------------------------------------------------------
  applySearch() {
    const query = this.model.get("search") || "";
    if (this.searchInput.value !== query) this.searchInput.value = query;
    if (!this.visible) return;
    const found = searchMatches(this.graph, this.visible, query);
    const items = [...found.nodes.map((i) => ({ node: i, order: i })), ...found.regions.map((id) => ({ region: id, order: this.graph.regions.get(id).first }))];
    items.sort((a, b) => a.order - b.order);
    const same = JSON.stringify(items) === JSON.stringify(this.search.items);
    this.search = { items, current: same ? this.search.current : -1, query };
    const hit = new Set(found.keys);
    for (const g of this.viewport.querySelectorAll(".wb-node, .wb-cluster")) g.classList.toggle("wb-match", hit.has(g.dataset.key));
    this.markCurrent();
    this.root.dataset.matches = String(found.count);
  }
  markCurrent() {
    const { items, current } = this.search;
    const key = current >= 0 ? this.keyOfItem(items[current]) : null;
    for (const g of this.viewport.querySelectorAll(".wb-current")) g.classList.remove("wb-current");
    if (key) {
      const el2 = this.viewport.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (el2) el2.classList.add("wb-current");
    }
    const n = items.length;
    this.matchesEl.textContent = !this.search.query ? "" : n === 0 ? "no match" : current >= 0 ? `${current + 1} of ${n}` : `${n} match${n === 1 ? "" : "es"}`;
    this.prevButton.disabled = this.nextButton.disabled = n === 0;
    this.root.dataset.current = current >= 0 ? `${current + 1}/${n}` : "";
    this.root.dataset.currentKey = key || "";
  }
  keyOfItem(item) {
    if (!item || !this.visible) return null;
    if (item.node !== void 0) return this.visible.keyOf[item.node];
    return this.visible.clusters.has("c:" + item.region) ? "c:" + item.region : this.visible.keyOf[this.graph.regions.get(item.region).first];
  }
  /** Goes to the next (+1) or previous (-1) match: opens the regions that hide it, pans to it. */
  step(delta) {
    const { items } = this.search;
    if (!items.length) return;
    const current = (this.search.current + delta + items.length) % items.length;
    this.search.current = current;
    const item = items[current];
    const ids = item.node !== void 0 ? [this.graph.nodes[item.node].id] : [item.region];
    const open = highlightTargets(this.graph, ids).open;
    const expanded = new Set(this.model.get("expanded") || []);
    const missing = [...open].filter((r) => !expanded.has(r));
    const go = () => {
      this.markCurrent();
      const key = this.keyOfItem(item);
      const box = key && this.layout.boxes.get(key);
      if (box && this.panTo([box])) this.saveViewport();
    };
    if (missing.length) {
      this.pending = go;
      this.setExpanded([...expanded, ...missing]);
    } else {
      go();
    }
  }
  // Highlight -------------------------------------------------------------------------------
  applyHighlight() {
    const T = highlightTargets(this.graph, this.model.get("highlight"));
    const keys = /* @__PURE__ */ new Set();
    for (const i of T.nodes) keys.add(this.visible.keyOf[i]);
    for (const r of T.regions) keys.add("r:" + r);
    let count = 0;
    for (const g of this.viewport.querySelectorAll(".wb-node")) {
      const on = keys.has(g.dataset.key);
      g.classList.toggle("wb-highlight", on);
      if (on) g.dataset.highlight = "true";
      else delete g.dataset.highlight;
      count += on ? 1 : 0;
    }
    for (const g of this.viewport.querySelectorAll(".wb-cluster")) {
      const on = T.regions.has(g.dataset.region);
      g.classList.toggle("wb-highlight", on);
      if (on) g.dataset.highlight = "true";
      else delete g.dataset.highlight;
      count += on ? 1 : 0;
    }
    this.root.dataset.highlighted = String(count);
    return { T, keys };
  }
  /** Marks where a non-finite value is made and its way to the outputs (the `marks` trait). */
  applyMarks() {
    const marks = this.model.get("marks") || {};
    const M = nanMarks(this.graph, this.visible, marks);
    let count = 0;
    for (const g of this.viewport.querySelectorAll(".wb-node, .wb-cluster")) {
      const k = g.dataset.key;
      const on = M.boxes.has(k) || k === M.origin || k === M.source;
      g.classList.toggle("wb-nan-path", on);
      g.classList.toggle("wb-nan-origin", k === M.origin);
      g.classList.toggle("wb-nan-source", k === M.source && k !== M.origin);
      count += on ? 1 : 0;
    }
    for (const g of this.viewport.querySelectorAll(".wb-edge-group[data-edge]")) {
      g.classList.toggle("wb-nan-edge", M.edges.has(g.dataset.edge));
      g.classList.toggle("wb-nan-residual", M.residual.has(g.dataset.edge));
    }
    this.nanLegend.hidden = !marks.origin;
    this.root.dataset.nanMarked = String(count);
    this.root.dataset.nanEdges = String(M.edges.size);
    this.root.dataset.nanResidual = String(M.residual.size);
  }
  focusHighlight() {
    const ids = this.model.get("highlight") || [];
    this.focus = JSON.stringify(ids);
    if (!ids.length) {
      this.applyHighlight();
      return;
    }
    const T = highlightTargets(this.graph, ids);
    const cur = new Set(this.model.get("expanded") || []);
    const missing = [...T.open].filter((r) => !cur.has(r));
    if (missing.length) {
      this.pending = () => this.panToHighlight();
      this.setExpanded([...cur, ...missing]);
      return;
    }
    this.panToHighlight();
  }
  panToHighlight() {
    const { T, keys } = this.applyHighlight();
    const boxes = [...keys].map((k) => this.layout.boxes.get(k));
    for (const r of T.regions) boxes.push(this.layout.boxes.get("c:" + r));
    if (this.panTo(boxes, 0.6)) {
      clearTimeout(this.saveTimer);
      this.writeViewport();
    } else {
      this.focus = "";
    }
  }
  // Tooltip ---------------------------------------------------------------------------------
  showTip(ev, lines) {
    if (this.dragged) return;
    const tip = this.tooltip;
    tip.textContent = lines.filter((x2) => x2).join("\n");
    tip.style.display = "block";
    const box = this.frameEl.getBoundingClientRect();
    const x = ev.clientX - box.left + 14;
    const y = ev.clientY - box.top + 14;
    tip.style.left = `${Math.min(x, Math.max(0, box.width - tip.offsetWidth - 4))}px`;
    tip.style.top = `${y + tip.offsetHeight > box.height ? Math.max(0, ev.clientY - box.top - tip.offsetHeight - 8) : y}px`;
  }
  hideTip() {
    this.tooltip.style.display = "none";
  }
  destroy() {
    cancelAnimationFrame(this.frame);
    this.generation += 1;
    if (this.saveTimer !== null) {
      clearTimeout(this.saveTimer);
      this.writeViewport();
    }
    for (const [name, fn] of this.handlers) this.model.off(name, fn);
    document.removeEventListener("fullscreenchange", this.onFullScreen);
    if (this.resizer) this.resizer.disconnect();
    this.root.remove();
  }
};

// extensions/inspector/arrays.js
var MAX_HEIGHT = 600;
var listening = false;
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
var REPORT_HEIGHT = `<script>(() => {
  const post = () => parent.postMessage({ wbArraysHeight: document.documentElement.scrollHeight }, "*");
  new ResizeObserver(post).observe(document.documentElement);
  window.addEventListener("load", post);
  post();
})();<\/script>`;
function arrayFrame(html) {
  listen();
  const frame = document.createElement("iframe");
  frame.className = "wb-arrays";
  frame.title = "the arrays, as treescope draws them";
  frame.setAttribute("sandbox", "allow-scripts");
  frame.srcdoc = `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:4px;font-family:sans-serif}</style></head><body>${html}${REPORT_HEIGHT}</body></html>`;
  return frame;
}

// extensions/inspector/highlight.js
var TOKENS = new RegExp(
  [
    String.raw`(#[^\n]*|\/\/[^\n]*)`,
    // 1 comment
    String.raw`("(?:[^"\\\n]|\\.)*")`,
    // 2 string
    String.raw`([%^][\w.#-]+)`,
    // 3 SSA value or block
    String.raw`(\b(?:tensor|memref|tuple)<[^>\n]*>|\b(?:f|bf|s|u|i|c)\d+\[[^\]\n]*\](?:\{[^}\n]*\})?|\b(?:f|bf|i|u|c)\d+\b|\bpred\b)`,
    // 4 type
    String.raw`(\b(?:stablehlo|mhlo|func|chlo|sdy|call|tt)\.[\w.]+|\b[a-z_][\w-]*(?=\())`,
    // 5 op
    String.raw`(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)`
    // 6 number
  ].join("|"),
  "g"
);
var CLASSES = [null, "tok-comment", "tok-string", "tok-value", "tok-type", "tok-op", "tok-number"];
function tokens(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(TOKENS)) {
    if (m.index > last) out.push([null, text.slice(last, m.index)]);
    const k = m.slice(1).findIndex((g) => g !== void 0) + 1;
    out.push([CLASSES[k], m[0]]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push([null, text.slice(last)]);
  return out;
}
function highlight(pre, text) {
  pre.replaceChildren();
  for (const [cls, piece] of tokens(text)) {
    if (cls === null) {
      pre.append(document.createTextNode(piece));
    } else {
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = piece;
      pre.append(span);
    }
  }
}

// extensions/inspector/nans.js
function el(tag, cls, parent, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== void 0) e.textContent = text;
  if (parent) parent.append(e);
  return e;
}
function rows(table2, pairs) {
  for (const [k, v] of pairs) {
    if (v === null || v === void 0 || v === "") continue;
    const tr = el("tr", null, table2);
    el("th", null, tr, k);
    el("td", null, tr, String(v));
  }
}
function originRows(o) {
  const made = o.kind === "nan" ? "a NaN" : "an inf";
  const pairs = [
    ["operation", `${o.primitive} made ${made}${o.values ? ` from ${o.values}` : ""}`],
    ["pass", o.phase + (o.name_stack ? `  [${o.name_stack}]` : "")],
    ["line", o.source || "(not known)"]
  ];
  if (o.iteration !== null && o.iteration !== void 0) pairs.push(["iteration", `${o.iteration} of the loop at ${o.loop || "(not known)"}`]);
  if (o.element && o.element.length) pairs.push(["element", `(${o.element.join(", ")})`]);
  return pairs;
}
function nanBlock(view, onShow, hasGraph) {
  const d = view.data;
  const box = el("div", "wb-view wb-nans");
  box.dataset.view = view.name;
  box.dataset.found = String(d.found);
  const head = el("div", "wb-nans-head " + (d.found ? "wb-bad" : "wb-good"), box);
  if (!d.found) {
    head.textContent = `explain_nans (${d.mode}): none found, every output is finite`;
  } else {
    const bad = d.outputs.filter(([, k]) => k !== "finite").map(([n, k]) => `${n} (${k})`);
    head.textContent = `explain_nans (${d.mode}): not finite: ${bad.join(", ")}`;
  }
  if (d.origin) {
    el("h4", null, box, "first made here");
    rows(el("table", "wb-nans-origin", box), originRows(d.origin));
  } else if (d.found) {
    el("p", null, box, "No operation made it: it came in through an argument or a constant.");
  }
  if (d.inf_origin) {
    el("h4", null, box, "the inf it met was made here");
    rows(el("table", "wb-nans-source", box), originRows(d.inf_origin));
  }
  if (d.remedy) {
    const r = d.remedy;
    const status = r.verified === true ? "verified: finite with it" : r.verified === false ? "tried: still not finite" : "not run";
    el("h4", null, box, `remedy: ${r.name}`);
    const p = el("p", "wb-nans-remedy", box, r.advice);
    p.dataset.verified = String(r.verified);
    el("div", "wb-nans-status", box, status + (r.result ? ` (${r.result})` : ""));
  }
  const out = el("table", "wb-nans-outputs", box);
  const tr = el("tr", null, out);
  for (const t of ["output", "finite?", "largest finite |value|"]) el("th", null, tr, t);
  for (const [name, kind, big] of d.outputs) {
    const row = el("tr", kind === "finite" ? null : "wb-bad", out);
    el("td", null, row, name);
    el("td", null, row, kind === "finite" ? "yes" : kind);
    el("td", null, row, Number(big).toPrecision(6));
  }
  if (d.path && hasGraph) {
    const b = el("button", "wb-nans-show", box, "show in the graph");
    b.type = "button";
    b.title = "open the graph tab on the operation that made it; its way to the outputs is marked in red";
    b.addEventListener("click", () => onShow([d.path.origin]));
  }
  return box;
}

// extensions/inspector/sharding.js
var PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
  "#aec7e8",
  "#ffbb78",
  "#98df8a",
  "#ff9896",
  "#c5b0d5",
  "#c49c94",
  "#f7b6d2",
  "#c7c7c7",
  "#dbdb8d",
  "#9edae5"
];
function deviceRanges(ids) {
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length) out.push(run.length > 2 ? `${run[0]}-${run[run.length - 1]}` : run.join(","));
  };
  for (const i of ids) {
    if (run.length && i === run[run.length - 1] + 1) run.push(i);
    else {
      flush();
      run = [i];
    }
  }
  flush();
  return out.join(",") || "-";
}
function arrayGrid(a, devices) {
  const flat = (a.shape || []).length === 1;
  const rows2 = flat ? [0, 1] : a.rows || [0, 1];
  const cols = flat ? a.rows || [0, 1] : a.cols || [0, 1];
  const cells = flat ? [(a.cells || []).map((row) => row[0])] : a.cells || [];
  const H0 = rows2[rows2.length - 1] - rows2[0] || 1;
  const W0 = cols[cols.length - 1] - cols[0] || 1;
  const W = 240;
  const H = flat ? 40 : Math.max(36, Math.min(200, W * H0 / W0));
  const svg = s("svg", { class: "wb-grid", width: W + 2, height: H + 2, viewBox: `-1 -1 ${W + 2} ${H + 2}` });
  let blocks = 0;
  cells.forEach((row, i) => {
    row.forEach((cell, j) => {
      const x = (cols[j] - cols[0]) / W0 * W;
      const y = (rows2[i] - rows2[0]) / H0 * H;
      const w = (cols[j + 1] - cols[j]) / W0 * W;
      const h2 = (rows2[i + 1] - rows2[i]) / H0 * H;
      const g = s("g", { class: "wb-block", "data-row": i, "data-col": j, "data-devices": cell.join(",") }, svg);
      const color = PALETTE[(cell[0] ?? 0) % PALETTE.length];
      s("rect", { x, y, width: w, height: h2, fill: color, "fill-opacity": cell.length > 1 ? 0.35 : 0.6 }, g);
      const label = s("text", { x: x + w / 2, y: y + h2 / 2 + 4, "text-anchor": "middle" }, g);
      label.textContent = deviceRanges(cell);
      const tip = s("title", {}, g);
      const names = cell.map((d) => devices[d] ?? String(d)).join(", ");
      const where = flat ? `elements ${cols[j]}:${cols[j + 1]}` : `rows ${rows2[i]}:${rows2[i + 1]}, columns ${cols[j]}:${cols[j + 1]}`;
      tip.textContent = `${where} on ${names}`;
      blocks += 1;
    });
  });
  svg.dataset.blocks = String(blocks);
  return svg;
}
function table(parent, head, rows2) {
  const t = h("table", "wb-table", parent);
  const tr = h("tr", null, h("thead", null, t));
  for (const h2 of head) h("th", null, tr, h2);
  const tb = h("tbody", null, t);
  for (const r of rows2) {
    const row = h("tr", null, tb);
    for (const c of r) h("td", null, row, String(c));
  }
  return t;
}
function shardingBlock(view) {
  const d = view.data;
  const box = h("div", "wb-view wb-sharding");
  box.dataset.view = view.name;
  if (view.note) h("div", "wb-note", box, view.note);
  const devices = d.devices || [];
  const mesh = (d.mesh || []).map(([n, k]) => `${n}=${k}`).join(" \xD7 ") || "no named mesh";
  h("div", "wb-array-sub", box, `${devices.length} devices (${devices.join(", ")}); mesh ${mesh}. Each block is labelled with the indices of the devices that hold it.`);
  for (const [key, label] of [["arguments", "Arguments"], ["outputs", "Outputs"]]) {
    h("h4", null, box, label);
    const list = h("div", "wb-arrays", box);
    list.dataset.kind = key;
    for (const a of d[key] || []) {
      const card = h("div", "wb-array", list);
      card.dataset.name = a.name;
      h("div", "wb-array-head", card, `${a.name}  ${a.dtype}[${(a.shape || []).join(",")}]`);
      const how = a.replicated ? "replicated" : "sharded";
      h("div", "wb-array-sub", card, `${a.spec}; ${how}, ${formatBytes(a.bytes_per_device)} per device`);
      if (a.spec !== "unused") card.append(arrayGrid(a, devices));
      if (a.clipped) h("div", "wb-array-sub", card, `first ${a.rows.length - 1} \xD7 ${a.cols.length - 1} of ${a.clipped[0]} \xD7 ${a.clipped[1]} blocks shown`);
      if (a.note) h("div", "wb-array-sub", card, a.note);
    }
    const cut = (d.left_out || {})[key];
    if (cut) h("div", "wb-array-sub", box, `... ${cut} more not shown`);
  }
  h("h4", null, box, `Collectives (${(d.collectives || []).length})`);
  if ((d.collectives || []).length) {
    const t = table(box, ["name", "kind", "shape", "bytes", "phase", "device groups"], d.collectives.map((c) => [c.name, c.kind, c.shape, formatBytes(c.bytes), c.phase || "", c.groups]));
    t.classList.add("wb-collectives");
  } else h("div", "wb-array-sub", box, "none: no data moves between devices");
  const mem = d.memory_per_device || {};
  h("h4", null, box, "Memory per device (XLA)");
  if (Object.keys(mem).length) {
    const t = table(box, ["arguments", "outputs", "temp", "total"], [[mem.argument_bytes, mem.output_bytes, mem.temp_bytes, mem.total_bytes].map(formatBytes)]);
    t.classList.add("wb-memory");
  } else h("div", "wb-array-sub", box, "not available");
  return box;
}

// extensions/inspector/view.js
function note(text) {
  const div = document.createElement("div");
  div.className = "wb-note";
  div.textContent = text;
  return div;
}
function irBlock(view, links, onSelect) {
  const pre = document.createElement("pre");
  const lines = (view.text || "").split("\n");
  const linked = [];
  lines.forEach((text, i) => {
    const line = document.createElement("span");
    line.className = "wb-line";
    line.dataset.line = String(i);
    highlight(line, text);
    if (links && links[String(i)]) {
      line.classList.add("wb-linked");
      line.tabIndex = -1;
      line.title = "show in the graph";
      linked.push(line);
    }
    pre.append(line);
  });
  if (linked.length) {
    pre.tabIndex = 0;
    pre.setAttribute("role", "listbox");
    pre.setAttribute("aria-label", `${view.title}: select a line to show it in the graph`);
    for (const line of linked) line.setAttribute("role", "option");
    pre.addEventListener("click", (ev) => {
      const line = ev.target.closest && ev.target.closest(".wb-line.wb-linked");
      if (line && pre.contains(line)) onSelect(Number(line.dataset.line));
    });
    pre.addEventListener("keydown", (ev) => {
      const cur = pre.querySelector(".wb-line.wb-selected") || document.activeElement;
      let at = linked.indexOf(cur);
      if (ev.key === "ArrowDown") at = Math.min(linked.length - 1, at + 1);
      else if (ev.key === "ArrowUp") at = at < 0 ? 0 : Math.max(0, at - 1);
      else if ((ev.key === "Enter" || ev.key === " ") && linked.includes(document.activeElement)) at = linked.indexOf(document.activeElement);
      else return;
      ev.preventDefault();
      const line = linked[Math.max(0, at)];
      line.focus({ preventScroll: true });
      line.scrollIntoView({ block: "nearest" });
      onSelect(Number(line.dataset.line));
    });
  }
  return pre;
}
function viewBlock(view, links, onSelect, onShow) {
  if (view.data && view.name === "nans") {
    try {
      return nanBlock(view, onShow || (() => {
      }), Boolean(onShow));
    } catch (err) {
      console.warn("workbench inspector: the NaN-origin view fell back to its text", err);
    }
  }
  if (view.data && view.name === "sharding") {
    try {
      return shardingBlock(view);
    } catch (err) {
      console.warn("workbench inspector: the sharding view fell back to its text", err);
    }
  }
  const box = document.createElement("div");
  box.className = "wb-view";
  box.dataset.view = view.name;
  if (view.note) box.append(note(view.note));
  if (view.data && typeof view.data.treescope === "string") box.append(arrayFrame(view.data.treescope));
  if (view.kind === "ir") {
    if (links) {
      const hint = document.createElement("div");
      hint.className = "wb-hint";
      hint.textContent = "Click a line (or use \u2191 \u2193) to show it in the graph tab.";
      box.append(hint);
    }
    box.append(irBlock(view, links, (line) => onSelect(view.name, line)));
  } else {
    const pre = document.createElement("pre");
    pre.textContent = view.text || "";
    box.append(pre);
  }
  return box;
}
function mountInspector({ model, el: el2 }) {
  const root = document.createElement("div");
  root.className = "wb-inspector";
  const title = document.createElement("div");
  title.className = "wb-title";
  const tabs = document.createElement("div");
  tabs.className = "wb-tabs";
  tabs.setAttribute("role", "tablist");
  const body = document.createElement("div");
  body.className = "wb-body";
  root.append(title, tabs, body);
  el2.append(root);
  const views = () => model.get("views") || [];
  const irViews = () => views().filter((v) => v.kind === "ir");
  const linksOf = (name) => (model.get("links") || {})[name] || null;
  let graphCleanup = null;
  function select(name) {
    model.set("selected", name);
    model.save_changes();
  }
  function selectLine(viewName, line) {
    const ids = linksOf(viewName)?.[String(line)] || [];
    if (JSON.stringify(ids) === JSON.stringify(model.get("highlight") || [])) {
      model.set("viewport", { ...model.get("viewport") || {}, focus: "" });
    }
    model.set("ir_selection", { view: viewName, line });
    model.set("highlight", ids);
    model.save_changes();
  }
  function markLines() {
    const sel = model.get("ir_selection") || {};
    const hl = new Set(model.get("highlight") || []);
    for (const box of body.querySelectorAll(".wb-view")) {
      const links = linksOf(box.dataset.view);
      if (!links) continue;
      for (const line of box.querySelectorAll(".wb-line.wb-linked")) {
        const i = line.dataset.line;
        const selected = sel.view === box.dataset.view && String(sel.line) === i;
        line.classList.toggle("wb-selected", selected);
        line.setAttribute("aria-selected", String(selected));
        const related = !selected && (links[i] || []).some((id) => hl.has(id));
        line.classList.toggle("wb-related", related);
      }
    }
  }
  function showInGraph(ids) {
    model.set("viewport", { ...model.get("viewport") || {}, focus: "" });
    model.set("highlight", ids);
    model.set("selected", "graph");
    model.save_changes();
  }
  const hasGraph = () => views().some((v) => v.name === "graph") && ((model.get("graph") || {}).nodes || []).length > 0;
  function graphBlock(view) {
    const box = document.createElement("div");
    box.className = "wb-view";
    box.dataset.view = view.name;
    const data = model.get("graph") || {};
    if (view.note || !data.nodes || !data.nodes.length) {
      if (view.note) box.append(note(view.note));
      else if (data.too_large)
        box.append(note(`This graph has ${data.too_large} nodes, more than the inspector draws (${data.limit}); wb.graph(f, *args) draws it in a viewer of its own. Its outline:`));
      const pre = document.createElement("pre");
      pre.textContent = view.text || "";
      box.append(pre);
      return box;
    }
    const holder = document.createElement("div");
    holder.className = "wb-graph-holder";
    box.append(holder);
    graphCleanup = mountGraph({ model, el: holder, engine: () => layoutEngine(model) });
    return box;
  }
  function stageSelect(side, current) {
    const sel = document.createElement("select");
    sel.className = `wb-compare-${side}`;
    for (const v of irViews()) {
      const opt = document.createElement("option");
      opt.value = v.name;
      opt.textContent = v.title;
      opt.selected = v.name === current;
      sel.append(opt);
    }
    sel.addEventListener("change", () => {
      const pair = [...model.get("compare") || []];
      pair[side === "left" ? 0 : 1] = sel.value;
      model.set("compare", pair);
      model.save_changes();
    });
    return sel;
  }
  function draw() {
    title.textContent = model.get("title") || "";
    const all = views();
    const ir = irViews();
    let selected = model.get("selected");
    const names = all.map((v) => v.name);
    if (selected !== "compare" && !names.includes(selected)) selected = names[0];
    tabs.replaceChildren();
    const entries = all.map((v) => [v.name, v.title, Boolean(v.note)]);
    if (ir.length >= 2) entries.push(["compare", "compare stages", false]);
    for (const [name, label, failed] of entries) {
      const b = document.createElement("button");
      b.className = "wb-tab" + (name === selected ? " wb-active" : "") + (failed ? " wb-failed" : "");
      b.dataset.view = name;
      b.setAttribute("role", "tab");
      b.textContent = label;
      b.addEventListener("click", () => select(name));
      tabs.append(b);
    }
    if (graphCleanup) {
      graphCleanup();
      graphCleanup = null;
    }
    body.replaceChildren();
    if (selected === "compare") {
      const pair = model.get("compare") || [];
      const left = ir.find((v) => v.name === pair[0]) || ir[0];
      const right = ir.find((v) => v.name === pair[1]) || ir[ir.length - 1];
      const grid = document.createElement("div");
      grid.className = "wb-compare";
      for (const [side, v] of [["left", left], ["right", right]]) {
        const col = document.createElement("div");
        col.append(stageSelect(side, v.name), viewBlock(v, linksOf(v.name), selectLine));
        grid.append(col);
      }
      body.append(grid);
    } else {
      const view = all.find((v) => v.name === selected);
      if (view && view.name === "graph") body.append(graphBlock(view));
      else if (view) body.append(viewBlock(view, linksOf(view.name), selectLine, hasGraph() ? showInGraph : null));
    }
    markLines();
  }
  draw();
  const events = ["change:views", "change:selected", "change:compare", "change:title", "change:links"];
  for (const e of events) model.on(e, draw);
  model.on("change:ir_selection", markLines);
  model.on("change:highlight", markLines);
  return () => {
    for (const e of events) model.off(e, draw);
    model.off("change:ir_selection", markLines);
    model.off("change:highlight", markLines);
    if (graphCleanup) graphCleanup();
    root.remove();
  };
}

// extensions/inspector/index.js
var index_default = {
  // Tells the kernel that this front end draws the workbench's widgets (html.py, show).
  initialize({ model }) {
    model.send({ type: "wb-live" });
  },
  render({ model, el: el2 }) {
    return mountInspector({ model, el: el2 });
  }
};
export {
  index_default as default
};
