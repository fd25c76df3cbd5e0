// Built by extensions/build.mjs from extensions/graph/index.js (source sha256: 170d0e8c4a05db425fd2acceb606ff53738ca05c0b294e75b9def033da675acd); imports extensions/common/dom.js (sha256: 987494bcbeae84c57bea371ac9a98ab35a4f40b76e03ecde4c1c68f1fba5180a). Do not edit.

// node_modules/@dagrejs/dagre/dist/dagre.esm.js
var Te = Object.defineProperty;
var Sn = (e, n, t) => n in e ? Te(e, n, { enumerable: true, configurable: true, writable: true, value: t }) : e[n] = t;
var Mn = (e, n) => {
  for (var t in n) Te(e, t, { get: n[t], enumerable: true });
};
var je = (e, n, t) => Sn(e, typeof n != "symbol" ? n + "" : n, t);
var ie = {};
Mn(ie, { Graph: () => T, alg: () => H });
var Pn = Object.defineProperty;
var Se = (e, n) => {
  for (var t in n) Pn(e, t, { get: n[t], enumerable: true });
};
var Q = class {
  constructor(e) {
    this._isDirected = true, this._isMultigraph = false, this._isCompound = false, this._nodes = {}, this._in = {}, this._preds = {}, this._out = {}, this._sucs = {}, this._edgeObjs = {}, this._edgeLabels = {}, this._nodeCount = 0, this._edgeCount = 0, this._defaultNodeLabelFn = () => {
    }, this._defaultEdgeLabelFn = () => {
    }, e && (this._isDirected = "directed" in e ? e.directed : true, this._isMultigraph = "multigraph" in e ? e.multigraph : false, this._isCompound = "compound" in e ? e.compound : false), this._isCompound && (this._parent = {}, this._children = {}, this._children["\0"] = {});
  }
  isDirected() {
    return this._isDirected;
  }
  isMultigraph() {
    return this._isMultigraph;
  }
  isCompound() {
    return this._isCompound;
  }
  setGraph(e) {
    return this._label = e, this;
  }
  graph() {
    return this._label;
  }
  setDefaultNodeLabel(e) {
    return typeof e != "function" ? this._defaultNodeLabelFn = () => e : this._defaultNodeLabelFn = e, this;
  }
  nodeCount() {
    return this._nodeCount;
  }
  nodes() {
    return Object.keys(this._nodes);
  }
  sources() {
    return this.nodes().filter((e) => Object.keys(this._in[e]).length === 0);
  }
  sinks() {
    return this.nodes().filter((e) => Object.keys(this._out[e]).length === 0);
  }
  setNodes(e, n) {
    return e.forEach((t) => {
      n !== void 0 ? this.setNode(t, n) : this.setNode(t);
    }), this;
  }
  setNode(e, n) {
    return e in this._nodes ? (arguments.length > 1 && (this._nodes[e] = n), this) : (this._nodes[e] = arguments.length > 1 ? n : this._defaultNodeLabelFn(e), this._isCompound && (this._parent[e] = "\0", this._children[e] = {}, this._children["\0"][e] = true), this._in[e] = {}, this._preds[e] = {}, this._out[e] = {}, this._sucs[e] = {}, ++this._nodeCount, this);
  }
  node(e) {
    return this._nodes[e];
  }
  hasNode(e) {
    return e in this._nodes;
  }
  removeNode(e) {
    if (e in this._nodes) {
      let n = (t) => this.removeEdge(this._edgeObjs[t]);
      delete this._nodes[e], this._isCompound && (this._removeFromParentsChildList(e), delete this._parent[e], this.children(e).forEach((t) => {
        this.setParent(t);
      }), delete this._children[e]), Object.keys(this._in[e]).forEach(n), delete this._in[e], delete this._preds[e], Object.keys(this._out[e]).forEach(n), delete this._out[e], delete this._sucs[e], --this._nodeCount;
    }
    return this;
  }
  setParent(e, n) {
    if (!this._isCompound) throw new Error("Cannot set parent in a non-compound graph");
    if (n === void 0) n = "\0";
    else {
      n += "";
      for (let t = n; t !== void 0; t = this.parent(t)) if (t === e) throw new Error("Setting " + n + " as parent of " + e + " would create a cycle");
      this.setNode(n);
    }
    return this.setNode(e), this._removeFromParentsChildList(e), this._parent[e] = n, this._children[n][e] = true, this;
  }
  parent(e) {
    if (this._isCompound) {
      let n = this._parent[e];
      if (n !== "\0") return n;
    }
  }
  children(e = "\0") {
    if (this._isCompound) {
      let n = this._children[e];
      if (n) return Object.keys(n);
    } else {
      if (e === "\0") return this.nodes();
      if (this.hasNode(e)) return [];
    }
    return [];
  }
  predecessors(e) {
    let n = this._preds[e];
    if (n) return Object.keys(n);
  }
  successors(e) {
    let n = this._sucs[e];
    if (n) return Object.keys(n);
  }
  neighbors(e) {
    let n = this.predecessors(e);
    if (n) {
      let t = new Set(n), r = this.successors(e);
      if (r) for (let o of r) t.add(o);
      return Array.from(t.values());
    }
  }
  isLeaf(e) {
    var n;
    let t;
    return this.isDirected() ? t = this.successors(e) : t = this.neighbors(e), ((n = t == null ? void 0 : t.length) != null ? n : 0) === 0;
  }
  filterNodes(e) {
    let n = new this.constructor({ directed: this._isDirected, multigraph: this._isMultigraph, compound: this._isCompound });
    n.setGraph(this.graph()), Object.entries(this._nodes).forEach(([o, i]) => {
      e(o) && n.setNode(o, i);
    }), Object.values(this._edgeObjs).forEach((o) => {
      n.hasNode(o.v) && n.hasNode(o.w) && n.setEdge(o, this.edge(o));
    });
    let t = {}, r = (o) => {
      let i = this.parent(o);
      return !i || n.hasNode(i) ? (t[o] = i, i) : i in t ? t[i] : r(i);
    };
    return this._isCompound && n.nodes().forEach((o) => n.setParent(o, r(o))), n;
  }
  setDefaultEdgeLabel(e) {
    return typeof e != "function" ? this._defaultEdgeLabelFn = () => e : this._defaultEdgeLabelFn = e, this;
  }
  edgeCount() {
    return this._edgeCount;
  }
  edges() {
    return Object.values(this._edgeObjs);
  }
  setPath(e, n) {
    return e.reduce((t, r) => (n !== void 0 ? this.setEdge(t, r, n) : this.setEdge(t, r), r)), this;
  }
  setEdge(e, n, t, r) {
    let o, i, s2, a, l = false;
    typeof e == "object" && e !== null && "v" in e ? (o = e.v, i = e.w, s2 = e.name, arguments.length === 2 && (a = n, l = true)) : (o = e, i = n, s2 = r, arguments.length > 2 && (a = t, l = true)), o = "" + o, i = "" + i, s2 !== void 0 && (s2 = "" + s2);
    let u = z(this._isDirected, o, i, s2);
    if (u in this._edgeLabels) return l && (this._edgeLabels[u] = a), this;
    if (s2 !== void 0 && !this._isMultigraph) throw new Error("Cannot set a named edge when isMultigraph = false");
    this.setNode(o), this.setNode(i), this._edgeLabels[u] = l ? a : this._defaultEdgeLabelFn(o, i, s2);
    let d = Fn(this._isDirected, o, i, s2);
    return o = d.v, i = d.w, Object.freeze(d), this._edgeObjs[u] = d, Re(this._preds[i], o), Re(this._sucs[o], i), this._in[i][u] = d, this._out[o][u] = d, this._edgeCount++, this;
  }
  edge(e, n, t) {
    let r = arguments.length === 1 ? oe(this._isDirected, e) : z(this._isDirected, e, n, t);
    return this._edgeLabels[r];
  }
  edgeAsObj(e, n, t) {
    let r = arguments.length === 1 ? this.edge(e) : this.edge(e, n, t);
    return typeof r != "object" || r === null ? { label: r } : r;
  }
  hasEdge(e, n, t) {
    return (arguments.length === 1 ? oe(this._isDirected, e) : z(this._isDirected, e, n, t)) in this._edgeLabels;
  }
  removeEdge(e, n, t) {
    let r = arguments.length === 1 ? oe(this._isDirected, e) : z(this._isDirected, e, n, t), o = this._edgeObjs[r];
    if (o) {
      let i = o.v, s2 = o.w;
      delete this._edgeLabels[r], delete this._edgeObjs[r], Ie(this._preds[s2], i), Ie(this._sucs[i], s2), delete this._in[s2][r], delete this._out[i][r], this._edgeCount--;
    }
    return this;
  }
  inEdges(e, n) {
    return this.isDirected() ? this.filterEdges(this._in[e], e, n) : this.nodeEdges(e, n);
  }
  outEdges(e, n) {
    return this.isDirected() ? this.filterEdges(this._out[e], e, n) : this.nodeEdges(e, n);
  }
  nodeEdges(e, n) {
    if (e in this._nodes) return this.filterEdges({ ...this._in[e], ...this._out[e] }, e, n);
  }
  _removeFromParentsChildList(e) {
    delete this._children[this._parent[e]][e];
  }
  filterEdges(e, n, t) {
    if (!e) return;
    let r = Object.values(e);
    return t ? r.filter((o) => o.v === n && o.w === t || o.v === t && o.w === n) : r;
  }
};
function Re(e, n) {
  e[n] ? e[n]++ : e[n] = 1;
}
function Ie(e, n) {
  e[n] !== void 0 && !--e[n] && delete e[n];
}
function z(e, n, t, r) {
  let o = "" + n, i = "" + t;
  if (!e && o > i) {
    let s2 = o;
    o = i, i = s2;
  }
  return o + "" + i + "" + (r === void 0 ? "\0" : r);
}
function Fn(e, n, t, r) {
  let o = "" + n, i = "" + t;
  if (!e && o > i) {
    let a = o;
    o = i, i = a;
  }
  let s2 = { v: o, w: i };
  return r && (s2.name = r), s2;
}
function oe(e, n) {
  return z(e, n.v, n.w, n.name);
}
var Dn = {};
Se(Dn, { read: () => Bn, write: () => An });
function An(e) {
  let n = { options: { directed: e.isDirected(), multigraph: e.isMultigraph(), compound: e.isCompound() }, nodes: Vn(e), edges: Yn(e) }, t = e.graph();
  return t !== void 0 && (n.value = structuredClone(t)), n;
}
function Vn(e) {
  return e.nodes().map((n) => {
    let t = e.node(n), r = e.parent(n), o = { v: n };
    return t !== void 0 && (o.value = t), r !== void 0 && (o.parent = r), o;
  });
}
function Yn(e) {
  return e.edges().map((n) => {
    let t = e.edge(n), r = { v: n.v, w: n.w };
    return n.name !== void 0 && (r.name = n.name), t !== void 0 && (r.value = t), r;
  });
}
function Bn(e) {
  let n = new Q(e.options);
  return e.value !== void 0 && n.setGraph(e.value), e.nodes.forEach((t) => {
    n.setNode(t.v, t.value), t.parent && n.setParent(t.v, t.parent);
  }), e.edges.forEach((t) => {
    n.setEdge({ v: t.v, w: t.w, name: t.name }, t.value);
  }), n;
}
var H = {};
Se(H, { CycleException: () => K, bellmanFord: () => Me, components: () => zn, dijkstra: () => J, dijkstraAll: () => $n, findCycles: () => Un, floydWarshall: () => Kn, isAcyclic: () => Zn, postorder: () => nt, preorder: () => tt, prim: () => rt, shortestPaths: () => ot, tarjan: () => Fe, topsort: () => De });
var Wn = () => 1;
function Me(e, n, t, r) {
  return Xn(e, String(n), t || Wn, r || function(o) {
    var i;
    return (i = e.outEdges(o)) != null ? i : [];
  });
}
function Xn(e, n, t, r) {
  let o = {}, i, s2 = 0, a = e.nodes(), l = function(c) {
    let f = o[c.v], h2 = o[c.w];
    if (!f || !h2) return;
    let g = t(c);
    f.distance + g < h2.distance && (o[c.w] = { distance: f.distance + g, predecessor: c.v }, i = true);
  }, u = function() {
    a.forEach(function(c) {
      r(c).forEach(function(f) {
        let h2 = f.v === c ? f.v : f.w, g = h2 === f.v ? f.w : f.v;
        l({ v: h2, w: g });
      });
    });
  };
  a.forEach(function(c) {
    let f = c === n ? 0 : Number.POSITIVE_INFINITY;
    o[c] = { distance: f, predecessor: "" };
  });
  let d = a.length;
  for (let c = 1; c < d && (i = false, s2++, u(), !!i); c++) ;
  if (s2 === d - 1 && (i = false, u(), i)) throw new Error("The graph contains a negative weight cycle");
  return o;
}
function zn(e) {
  let n = {}, t = [], r;
  function o(i) {
    var s2, a;
    i in n || (n[i] = true, r.push(i), (s2 = e.successors(i)) == null || s2.forEach(o), (a = e.predecessors(i)) == null || a.forEach(o));
  }
  return e.nodes().forEach(function(i) {
    r = [], o(i), r.length && t.push(r);
  }), t;
}
var Pe = class {
  constructor() {
    this._arr = [], this._keyIndices = {};
  }
  size() {
    return this._arr.length;
  }
  keys() {
    return this._arr.map((e) => e.key);
  }
  has(e) {
    return e in this._keyIndices;
  }
  priority(e) {
    let n = this._keyIndices[e];
    if (n !== void 0) return this._arr[n].priority;
  }
  min() {
    if (this.size() === 0) throw new Error("Queue underflow");
    return this._arr[0].key;
  }
  add(e, n) {
    let t = this._keyIndices, r = String(e);
    if (!(r in t)) {
      let o = this._arr, i = o.length;
      return t[r] = i, o.push({ key: r, priority: n }), this._decrease(i), true;
    }
    return false;
  }
  removeMin() {
    if (this.size() === 0) throw new Error("Queue underflow");
    this._swap(0, this._arr.length - 1);
    let e = this._arr.pop();
    return delete this._keyIndices[e.key], this._heapify(0), e.key;
  }
  decrease(e, n) {
    let t = this._keyIndices[e];
    if (t === void 0) throw new Error(`Key not found: ${e}`);
    let r = this._arr[t].priority;
    if (n > r) throw new Error(`New priority is greater than current priority. Key: ${e} Old: ${r} New: ${n}`);
    this._arr[t].priority = n, this._decrease(t);
  }
  _heapify(e) {
    let n = this._arr, t = 2 * e, r = t + 1, o = e;
    t < n.length && (o = n[t].priority < n[o].priority ? t : o, r < n.length && (o = n[r].priority < n[o].priority ? r : o), o !== e && (this._swap(e, o), this._heapify(o)));
  }
  _decrease(e) {
    let n = this._arr, t = n[e].priority, r;
    for (; e !== 0 && (r = e >> 1, !(n[r].priority < t)); ) this._swap(e, r), e = r;
  }
  _swap(e, n) {
    let t = this._arr, r = this._keyIndices, o = t[e], i = t[n];
    t[e] = i, t[n] = o, r[i.key] = e, r[o.key] = n;
  }
};
var Hn = () => 1;
function J(e, n, t, r) {
  let o = function(i) {
    var s2;
    return (s2 = e.outEdges(i)) != null ? s2 : [];
  };
  return qn(e, String(n), t || Hn, r || o);
}
function qn(e, n, t, r) {
  let o = {}, i = new Pe(), s2, a, l = function(u) {
    let d = u.v !== s2 ? u.v : u.w, c = o[d];
    if (!c) return;
    let f = t(u), h2 = a.distance + f;
    if (f < 0) throw new Error("dijkstra does not allow negative edge weights. Bad edge: " + u + " Weight: " + f);
    h2 < c.distance && (c.distance = h2, c.predecessor = s2, i.decrease(d, h2));
  };
  for (e.nodes().forEach(function(u) {
    let d = u === n ? 0 : Number.POSITIVE_INFINITY;
    o[u] = { distance: d, predecessor: "" }, i.add(u, d);
  }); i.size() > 0; ) {
    s2 = i.removeMin();
    let u = o[s2];
    if (!u || u.distance === Number.POSITIVE_INFINITY) break;
    a = u, r(s2).forEach(l);
  }
  return o;
}
function $n(e, n, t) {
  return e.nodes().reduce(function(r, o) {
    return r[o] = J(e, o, n, t), r;
  }, {});
}
function Fe(e) {
  let n = 0, t = [], r = {}, o = [];
  function i(s2) {
    var a;
    let l = r[s2] = { onStack: true, lowlink: n, index: n++ };
    if (t.push(s2), (a = e.successors(s2)) == null || a.forEach(function(u) {
      if (u in r) {
        let d = r[u];
        d != null && d.onStack && (l.lowlink = Math.min(l.lowlink, d.index));
      } else {
        i(u);
        let d = r[u];
        d && (l.lowlink = Math.min(l.lowlink, d.lowlink));
      }
    }), l.lowlink === l.index) {
      let u = [], d;
      do {
        d = t.pop();
        let c = r[d];
        c && (c.onStack = false), u.push(d);
      } while (s2 !== d);
      o.push(u);
    }
  }
  return e.nodes().forEach(function(s2) {
    s2 in r || i(s2);
  }), o;
}
function Un(e) {
  return Fe(e).filter(function(n) {
    var t;
    let r = n[0];
    return r ? n.length > 1 || n.length === 1 && ((t = e.outEdges(r, r)) != null ? t : []).length > 0 : false;
  });
}
var Jn = () => 1;
function Kn(e, n, t) {
  return Qn(e, n || Jn, t || function(r) {
    var o;
    return (o = e.outEdges(r)) != null ? o : [];
  });
}
function Qn(e, n, t) {
  let r = {}, o = e.nodes();
  return o.forEach(function(i) {
    let s2 = {};
    r[i] = s2, s2[i] = { distance: 0, predecessor: "" }, o.forEach(function(a) {
      i !== a && (s2[a] = { distance: Number.POSITIVE_INFINITY, predecessor: "" });
    }), t(i).forEach(function(a) {
      let l = a.v === i ? a.w : a.v, u = n(a);
      s2[l] = { distance: u, predecessor: i };
    });
  }), o.forEach(function(i) {
    let s2 = r[i];
    s2 && o.forEach(function(a) {
      let l = r[a];
      l && o.forEach(function(u) {
        let d = l[i], c = s2[u], f = l[u];
        if (d && c && f) {
          let h2 = d.distance + c.distance;
          h2 < f.distance && (f.distance = h2, f.predecessor = c.predecessor);
        }
      });
    });
  }), r;
}
var K = class extends Error {
  constructor(e) {
    super(e), this.name = "CycleException";
  }
};
function De(e) {
  let n = {}, t = {}, r = [];
  function o(i) {
    var s2;
    if (i in t) throw new K();
    i in n || (t[i] = true, n[i] = true, (s2 = e.predecessors(i)) == null || s2.forEach(o), delete t[i], r.push(i));
  }
  if (e.sinks().forEach(o), Object.keys(n).length !== e.nodeCount()) throw new K();
  return r;
}
function Zn(e) {
  try {
    De(e);
  } catch (n) {
    if (n instanceof K) return false;
    throw n;
  }
  return true;
}
function et(e, n, t, r, o) {
  Array.isArray(n) || (n = [n]);
  let i = ((a) => {
    var l;
    return (l = e.isDirected() ? e.successors(a) : e.neighbors(a)) != null ? l : [];
  }), s2 = {};
  return n.forEach(function(a) {
    if (!e.hasNode(a)) throw new Error("Graph does not have node: " + a);
    o = Ae(e, a, t === "post", s2, i, r, o);
  }), o;
}
function Ae(e, n, t, r, o, i, s2) {
  return n in r || (r[n] = true, t || (s2 = i(s2, n)), o(n).forEach(function(a) {
    s2 = Ae(e, a, t, r, o, i, s2);
  }), t && (s2 = i(s2, n))), s2;
}
function Ve(e, n, t) {
  return et(e, n, t, function(r, o) {
    return r.push(o), r;
  }, []);
}
function nt(e, n) {
  return Ve(e, n, "post");
}
function tt(e, n) {
  return Ve(e, n, "pre");
}
function rt(e, n) {
  var t;
  let r = new Q(), o = {}, i = new Pe(), s2;
  function a(d) {
    let c = d.v === s2 ? d.w : d.v, f = i.priority(c);
    if (f !== void 0) {
      let h2 = n(d);
      h2 < f && (o[c] = s2, i.decrease(c, h2));
    }
  }
  if (e.nodeCount() === 0) return r;
  e.nodes().forEach(function(d) {
    i.add(d, Number.POSITIVE_INFINITY), r.setNode(d);
  });
  let l = e.nodes()[0];
  l !== void 0 && i.decrease(l, 0);
  let u = false;
  for (; i.size() > 0; ) {
    if (s2 = i.removeMin(), s2 in o) r.setEdge(s2, o[s2]);
    else {
      if (u) throw new Error("Input graph is not connected: " + e);
      u = true;
    }
    (t = e.nodeEdges(s2)) == null || t.forEach(a);
  }
  return r;
}
function ot(e, n, t, r) {
  return it(e, n, t, r != null ? r : ((o) => {
    var i;
    return (i = e.outEdges(o)) != null ? i : [];
  }));
}
function it(e, n, t, r) {
  if (t === void 0) return J(e, n, t, r);
  let o = false, i = e.nodes();
  for (let s2 = 0; s2 < i.length; s2++) {
    let a = i[s2];
    if (a === void 0) continue;
    let l = r(a);
    for (let u = 0; u < l.length; u++) {
      let d = l[u];
      if (!d) continue;
      let c = d.v === a ? d.v : d.w, f = c === d.v ? d.w : d.v;
      t({ v: c, w: f }) < 0 && (o = true);
    }
    if (o) return Me(e, n, t, r);
  }
  return J(e, n, t, r);
}
var T = Q;
function M(e, n, t, r) {
  let o = r;
  for (; e.hasNode(o); ) o = $(r);
  return t.dummy = n, e.setNode(o, t), o;
}
function Ye(e) {
  let n = new T().setGraph(e.graph());
  return e.nodes().forEach((t) => n.setNode(t, e.node(t))), e.edges().forEach((t) => {
    let r = n.edge(t.v, t.w) || { weight: 0, minlen: 1 }, o = e.edge(t);
    n.setEdge(t.v, t.w, { weight: r.weight + o.weight, minlen: Math.max(r.minlen, o.minlen) });
  }), n;
}
function Z(e) {
  let n = new T({ multigraph: e.isMultigraph() }).setGraph(e.graph());
  return e.nodes().forEach((t) => {
    e.children(t).length || n.setNode(t, e.node(t));
  }), e.edges().forEach((t) => {
    n.setEdge(t, e.edge(t));
  }), n;
}
function se(e, n) {
  let t = e.x, r = e.y, o = n.x - t, i = n.y - r, s2 = e.width / 2, a = e.height / 2;
  if (!o && !i) throw new Error("Not possible to find intersection inside of the rectangle");
  let l, u;
  return o === 0 || Math.abs(i) * s2 > Math.abs(o) * a ? (i < 0 && (a = -a), l = a * o / i, u = a) : (o < 0 && (s2 = -s2), l = s2, u = s2 * i / o), { x: t + l, y: r + u };
}
function P(e) {
  let n = D(de(e) + 1).map(() => []);
  return e.nodes().forEach((t) => {
    let r = e.node(t), o = r.rank;
    o !== void 0 && (n[o] || (n[o] = []), n[o][r.order] = t);
  }), n;
}
function Be(e) {
  let n = e.nodes().map((r) => {
    let o = e.node(r).rank;
    return o === void 0 ? Number.MAX_VALUE : o;
  }), t = S(Math.min, n);
  e.nodes().forEach((r) => {
    let o = e.node(r);
    Object.hasOwn(o, "rank") && (o.rank -= t);
  });
}
function We(e) {
  let n = e.nodes().map((s2) => e.node(s2).rank).filter((s2) => s2 !== void 0), t = S(Math.min, n), r = [];
  e.nodes().forEach((s2) => {
    let a = e.node(s2).rank - t;
    r[a] || (r[a] = []), r[a].push(s2);
  });
  let o = 0, i = e.graph().nodeRankFactor;
  Array.from(r).forEach((s2, a) => {
    s2 === void 0 && a % i !== 0 ? --o : s2 !== void 0 && o && s2.forEach((l) => e.node(l).rank += o);
  });
}
function ae(e, n, t, r) {
  let o = { width: 0, height: 0 };
  return arguments.length >= 4 && (o.rank = t, o.order = r), M(e, "border", o, n);
}
function st(e, n = Xe) {
  let t = [];
  for (let r = 0; r < e.length; r += n) {
    let o = e.slice(r, r + n);
    t.push(o);
  }
  return t;
}
var Xe = 65535;
function S(e, n) {
  if (n.length > Xe) {
    let t = st(n);
    return e(...t.map((r) => e(...r)));
  } else return e(...n);
}
function de(e) {
  let t = e.nodes().map((r) => {
    let o = e.node(r).rank;
    return o === void 0 ? Number.MIN_VALUE : o;
  });
  return S(Math.max, t);
}
function ze(e, n) {
  let t = { lhs: [], rhs: [] };
  return e.forEach((r) => {
    n(r) ? t.lhs.push(r) : t.rhs.push(r);
  }), t;
}
function le(e, n) {
  let t = Date.now();
  try {
    return n();
  } finally {
    console.log(e + " time: " + (Date.now() - t) + "ms");
  }
}
function q(e, n) {
  return n();
}
var at = 0;
function $(e) {
  let n = ++at;
  return e + ("" + n);
}
function D(e, n, t = 1) {
  n == null && (n = e, e = 0);
  let r = (i) => i < n;
  t < 0 && (r = (i) => n < i);
  let o = [];
  for (let i = e; r(i); i += t) o.push(i);
  return o;
}
function W(e, n) {
  let t = {};
  for (let r of n) e[r] !== void 0 && (t[r] = e[r]);
  return t;
}
function X(e, n) {
  let t;
  return typeof n == "string" ? t = (r) => r[n] : t = n, Object.entries(e).reduce((r, [o, i]) => (r[o] = t(i, o), r), {});
}
function He(e, n) {
  return e.reduce((t, r, o) => (t[r] = n[o], t), {});
}
var V = "\0";
function ee(e, n, t) {
  var u, d, c, f, h2, g;
  if (!(e && n && t && n.dummy === "edge" && t.dummy === "edge" && n.edgeObj && t.edgeObj && e[n.edgeObj.v] && e[t.edgeObj.v] && e[n.edgeObj.w] && e[t.edgeObj.w])) return 0;
  let r = true;
  n.edgeObj.w === t.edgeObj.w && (r = false);
  let o = r ? (d = (u = e[n.edgeObj.v]) == null ? void 0 : u.rank) != null ? d : NaN + 1 : (f = (c = e[n.edgeObj.w]) == null ? void 0 : c.rank) != null ? f : NaN - 1, i = Object.entries(e).find((m) => {
    var L, y;
    return ((L = m[1].edgeObj) == null ? void 0 : L.v) === n.edgeObj.v && ((y = m[1].edgeObj) == null ? void 0 : y.w) === n.edgeObj.w && m[1].rank === o;
  }), s2 = Object.entries(e).find((m) => {
    var L, y;
    return ((L = m[1].edgeObj) == null ? void 0 : L.v) === t.edgeObj.v && ((y = m[1].edgeObj) == null ? void 0 : y.w) === t.edgeObj.w && m[1].rank === o;
  });
  if (!i || !s2) return 0;
  let a = (h2 = i[1].order) != null ? h2 : NaN, l = (g = s2[1].order) != null ? g : NaN;
  return isNaN(a - l) ? 0 : a - l;
}
var ue = "3.1.3";
var ce = class {
  constructor() {
    je(this, "_sentinel");
    let n = {};
    n._next = n._prev = n, this._sentinel = n;
  }
  dequeue() {
    let n = this._sentinel, t = n._prev;
    if (t !== n) return qe(t), t;
  }
  enqueue(n) {
    let t = this._sentinel;
    n._prev && n._next && qe(n), n._next = t._next, t._next._prev = n, t._next = n, n._prev = t;
  }
  toString() {
    let n = [], t = this._sentinel, r = t._prev;
    for (; r !== t; ) n.push(JSON.stringify(r, dt)), r = r._prev;
    return "[" + n.join(", ") + "]";
  }
};
function qe(e) {
  e._prev._next = e._next, e._next._prev = e._prev, delete e._next, delete e._prev;
}
function dt(e, n) {
  if (e !== "_next" && e !== "_prev") return n;
}
var $e = ce;
var lt = () => 1;
function be(e, n) {
  if (e.nodeCount() <= 1) return [];
  let t = ct(e, n || lt);
  return ut(t.graph, t.buckets, t.zeroIdx).flatMap((o) => e.outEdges(o.v, o.w) || []);
}
function ut(e, n, t) {
  var a;
  let r = [], o = n[n.length - 1], i = n[0], s2;
  for (; e.nodeCount(); ) {
    for (; s2 = i.dequeue(); ) fe(e, n, t, s2);
    for (; s2 = o.dequeue(); ) fe(e, n, t, s2);
    if (e.nodeCount()) {
      for (let l = n.length - 2; l > 0; --l) if (s2 = (a = n[l]) == null ? void 0 : a.dequeue(), s2) {
        r = r.concat(fe(e, n, t, s2, true) || []);
        break;
      }
    }
  }
  return r;
}
function fe(e, n, t, r, o) {
  let i = [], s2 = o ? i : void 0;
  return (e.inEdges(r.v) || []).forEach((a) => {
    let l = e.edge(a), u = e.node(a.v);
    o && i.push({ v: a.v, w: a.w }), u.out -= l, he(n, t, u);
  }), (e.outEdges(r.v) || []).forEach((a) => {
    let l = e.edge(a), u = a.w, d = e.node(u);
    d.in -= l, he(n, t, d);
  }), e.removeNode(r.v), s2;
}
function ct(e, n) {
  let t = new T(), r = 0, o = 0;
  e.nodes().forEach((a) => {
    t.setNode(a, { v: a, in: 0, out: 0 });
  }), e.edges().forEach((a) => {
    let l = t.edge(a.v, a.w) || 0, u = n(a), d = l + u;
    t.setEdge(a.v, a.w, d);
    let c = t.node(a.v), f = t.node(a.w);
    o = Math.max(o, c.out += u), r = Math.max(r, f.in += u);
  });
  let i = ft(o + r + 3).map(() => new $e()), s2 = r + 1;
  return t.nodes().forEach((a) => {
    he(i, s2, t.node(a));
  }), { graph: t, buckets: i, zeroIdx: s2 };
}
function he(e, n, t) {
  var r, o, i;
  t.out ? t.in ? (i = e[t.out - t.in + n]) == null || i.enqueue(t) : (o = e[e.length - 1]) == null || o.enqueue(t) : (r = e[0]) == null || r.enqueue(t);
}
function ft(e) {
  let n = [];
  for (let t = 0; t < e; t++) n.push(t);
  return n;
}
function Ue(e, n) {
  (e.graph().acyclicer === "greedy" ? be(e, r(e)) : ht(e, n != null ? n : null)).forEach((o) => {
    let i = e.edge(o);
    e.removeEdge(o), i.forwardName = o.name, i.reversed = true, e.setEdge(o.w, o.v, i, $("rev"));
  });
  function r(o) {
    return (i) => o.edge(i).weight;
  }
}
function ht(e, n) {
  let t = [], r = {}, o = {};
  function i(l) {
    Object.hasOwn(o, l) || (o[l] = true, r[l] = true, e.outEdges(l).forEach((u) => {
      Object.hasOwn(r, u.w) ? t.push(u) : i(u.w);
    }), delete r[l]);
  }
  function s2(l) {
    var u;
    Object.hasOwn(o, l) || (o[l] = true, r[l] = true, (u = e.outEdges(l)) == null || u.forEach((d) => {
      var c, f;
      Object.hasOwn(r, d.w) || ((c = n.node(l)) == null ? void 0 : c.rank) > ((f = n.node(d.w)) == null ? void 0 : f.rank) && bt(e, d.w, d) ? t.push(d) : s2(d.w);
    }), delete r[l]);
  }
  let a = i;
  return n && typeof n.node == "function" && (a = s2), e.sources().forEach(a), e.nodes().forEach(a), t;
}
function Je(e) {
  e.edges().forEach((n) => {
    let t = e.edge(n);
    if (t.reversed) {
      e.removeEdge(n);
      let r = t.forwardName;
      delete t.reversed, delete t.forwardName, e.setEdge(n.w, n.v, t, r);
    }
  });
}
function bt(e, n, t) {
  let r = /* @__PURE__ */ new Set();
  function o(i) {
    var s2;
    if (e.sources().includes(i)) return true;
    r.add(i);
    for (let a of (s2 = e.inEdges(i)) != null ? s2 : []) if (!(a.v === t.v && a.w === t.w) && !r.has(a.v) && o(a.v)) return true;
    return false;
  }
  return o(n);
}
function Ke(e) {
  e.graph().dummyChains = [], e.edges().forEach((n) => pt(e, n));
}
function pt(e, n) {
  let t = n.v, r = e.node(t).rank, o = n.w, i = e.node(o).rank, s2 = n.name, a = e.edge(n), l = a.labelRank;
  if (i === r + 1) return;
  e.removeEdge(n);
  let u, d, c;
  for (c = 0, ++r; r < i; ++c, ++r) a.points = [], d = { width: 0, height: 0, edgeLabel: a, edgeObj: n, rank: r }, u = M(e, "edge", d, "_d"), r === l && (d.width = a.width, d.height = a.height, d.dummy = "edge-label", d.labelpos = a.labelpos), e.setEdge(t, u, { weight: a.weight }, s2), c === 0 && e.graph().dummyChains.push(u), t = u;
  e.setEdge(t, o, { weight: a.weight }, s2);
}
function Qe(e) {
  e.graph().dummyChains.forEach((n) => {
    let t = e.node(n), r = t.edgeLabel, o;
    for (e.setEdge(t.edgeObj, r); t.dummy; ) o = e.successors(n)[0], e.removeNode(n), r.points.push({ x: t.x, y: t.y }), t.dummy === "edge-label" && (r.x = t.x, r.y = t.y, r.width = t.width, r.height = t.height), n = o, t = e.node(n);
  });
}
function U(e) {
  let n = {};
  function t(r) {
    let o = e.node(r);
    if (Object.hasOwn(n, r)) return o.rank;
    n[r] = true;
    let i = e.outEdges(r), s2 = i ? i.map((l) => l == null ? Number.POSITIVE_INFINITY : t(l.w) - e.edge(l).minlen) : [], a = S(Math.min, s2);
    return a === Number.POSITIVE_INFINITY && (a = 0), o.rank = a;
  }
  e.sources().forEach(t);
}
function A(e, n) {
  return e.node(n.w).rank - e.node(n.v).rank - e.edge(n).minlen;
}
var ne = Et;
function Et(e) {
  let n = new T({ directed: false }), t = e.nodes();
  if (t.length === 0) throw new Error("Graph must have at least one node");
  let r = t[0], o = e.nodeCount();
  n.setNode(r, {});
  let i, s2;
  for (; Lt(n, e) < o && (i = yt(n, e), !!i); ) s2 = n.hasNode(i.v) ? A(e, i) : -A(e, i), wt(n, e, s2);
  return n;
}
function Lt(e, n) {
  function t(r) {
    let o = n.nodeEdges(r);
    o && o.forEach((i) => {
      let s2 = i.v, a = r === s2 ? i.w : s2;
      !e.hasNode(a) && !A(n, i) && (e.setNode(a, {}), e.setEdge(r, a, {}), t(a));
    });
  }
  return e.nodes().forEach(t), e.nodeCount();
}
function yt(e, n) {
  return n.edges().reduce((r, o) => {
    let i = Number.POSITIVE_INFINITY;
    return e.hasNode(o.v) !== e.hasNode(o.w) && (i = A(n, o)), i < r[0] ? [i, o] : r;
  }, [Number.POSITIVE_INFINITY, null])[1];
}
function wt(e, n, t) {
  e.nodes().forEach((r) => n.node(r).rank += t);
}
var { preorder: Nt, postorder: Gt } = H;
var en = Y;
Y.initLowLimValues = pe;
Y.initCutValues = ge;
Y.calcCutValue = nn;
Y.leaveEdge = rn;
Y.enterEdge = on;
Y.exchangeEdges = sn;
function Y(e) {
  e = Ye(e), U(e);
  let n = ne(e);
  pe(n), ge(n, e);
  let t, r;
  for (; t = rn(n); ) r = on(n, e, t), sn(n, e, t, r);
}
function ge(e, n) {
  let t = Gt(e, e.nodes());
  t = t.slice(0, t.length - 1), t.forEach((r) => vt(e, n, r));
}
function vt(e, n, t) {
  let o = e.node(t).parent, i = e.edge(t, o);
  i.cutvalue = nn(e, n, t);
}
function nn(e, n, t) {
  let o = e.node(t).parent, i = true, s2 = n.edge(t, o), a = 0;
  s2 || (i = false, s2 = n.edge(o, t)), a = s2.weight;
  let l = n.nodeEdges(t);
  return l && l.forEach((u) => {
    let d = u.v === t, c = d ? u.w : u.v;
    if (c !== o) {
      let f = d === i, h2 = n.edge(u).weight;
      if (a += f ? h2 : -h2, xt(e, t, c)) {
        let m = e.edge(t, c).cutvalue;
        a += f ? -m : m;
      }
    }
  }), a;
}
function pe(e, n) {
  arguments.length < 2 && (n = e.nodes()[0]), tn(e, {}, 1, n);
}
function tn(e, n, t, r, o) {
  let i = t, s2 = e.node(r);
  n[r] = true;
  let a = e.neighbors(r);
  return a && a.forEach((l) => {
    Object.hasOwn(n, l) || (t = tn(e, n, t, l, r));
  }), s2.low = i, s2.lim = t++, o ? s2.parent = o : delete s2.parent, t;
}
function rn(e) {
  return e.edges().find((n) => e.edge(n).cutvalue < 0);
}
function on(e, n, t) {
  let r = t.v, o = t.w;
  n.hasEdge(r, o) || (r = t.w, o = t.v);
  let i = e.node(r), s2 = e.node(o), a = i, l = false;
  return i.lim > s2.lim && (a = s2, l = true), n.edges().filter((d) => l === Ze(e, e.node(d.v), a) && l !== Ze(e, e.node(d.w), a)).reduce((d, c) => A(n, c) < A(n, d) ? c : d);
}
function sn(e, n, t, r) {
  let o = t.v, i = t.w;
  e.removeEdge(o, i), e.setEdge(r.v, r.w, {}), pe(e), ge(e, n), kt(e, n);
}
function kt(e, n) {
  let t = e.nodes().find((o) => !e.node(o).parent);
  if (!t) return;
  let r = Nt(e, [t]);
  r = r.slice(1), r.forEach((o) => {
    let s2 = e.node(o).parent, a = n.edge(o, s2), l = false;
    a || (a = n.edge(s2, o), l = true), n.node(o).rank = n.node(s2).rank + (l ? a.minlen : -a.minlen);
  });
}
function xt(e, n, t) {
  return e.hasEdge(n, t);
}
function Ze(e, n, t) {
  return t.low <= n.lim && n.lim <= t.lim;
}
var dn = _t;
function _t(e) {
  let n = e.graph().ranker;
  if (typeof n == "function") return n(e);
  switch (n) {
    case "network-simplex":
      an(e);
      break;
    case "tight-tree":
      Ct(e);
      break;
    case "longest-path":
      Ot(e);
      break;
    case "none":
      break;
    default:
      an(e);
  }
}
var Ot = U;
function Ct(e) {
  U(e), ne(e);
}
function an(e) {
  en(e);
}
var ln = Tt;
function Tt(e) {
  let n = Rt(e), t = e.graph();
  if (!Array.isArray(t.dummyChains)) return;
  t.dummyChains.forEach((o) => {
    let i = e.node(o), s2 = i.edgeObj, a = jt(e, n, s2.v, s2.w), l = a.path, u = a.lca, d = 0, c = l[d], f = true;
    for (; o !== s2.w; ) {
      if (i = e.node(o), f) {
        for (; (c = l[d]) !== u && e.node(c).maxRank < i.rank; ) d++;
        c === u && (f = false);
      }
      if (!f) {
        for (; d < l.length - 1 && e.node(l[d + 1]).minRank <= i.rank; ) d++;
        c = l[d];
      }
      c !== void 0 && e.setParent(o, c), o = e.successors(o)[0];
    }
  });
}
function jt(e, n, t, r) {
  let o = [], i = [], s2 = Math.min(n[t].low, n[r].low), a = Math.max(n[t].lim, n[r].lim), l;
  l = t;
  do
    l = e.parent(l), o.push(l);
  while (l && (n[l].low > s2 || a > n[l].lim));
  let u = l, d = r;
  for (; (d = e.parent(d)) !== u; ) i.push(d);
  return { path: o.concat(i.reverse()), lca: u };
}
function Rt(e) {
  let n = {}, t = 0;
  function r(o) {
    let i = t;
    e.children(o).forEach(r), n[o] = { low: i, lim: t++ };
  }
  return e.children(V).forEach(r), n;
}
function un(e) {
  let n = M(e, "root", {}, "_root"), t = It(e), r = Object.values(t), o = S(Math.max, r) - 1, i = 2 * o + 1;
  e.graph().nestingRoot = n, e.edges().forEach((a) => e.edge(a).minlen *= i);
  let s2 = St(e) + 1;
  e.children(V).forEach((a) => {
    cn(e, n, i, s2, o, t, a);
  }), e.graph().nodeRankFactor = i;
}
function cn(e, n, t, r, o, i, s2) {
  var c;
  let a = e.children(s2);
  if (!a.length) {
    s2 !== n && e.setEdge(n, s2, { weight: 0, minlen: t });
    return;
  }
  let l = ae(e, "_bt"), u = ae(e, "_bb"), d = e.node(s2);
  e.setParent(l, s2), d.borderTop = l, e.setParent(u, s2), d.borderBottom = u, a.forEach((f) => {
    var b;
    cn(e, n, t, r, o, i, f);
    let h2 = e.node(f), g = h2.borderTop ? h2.borderTop : f, m = h2.borderBottom ? h2.borderBottom : f, L = h2.borderTop ? r : 2 * r, y = g !== m ? 1 : o - ((b = i[s2]) != null ? b : 0) + 1;
    e.setEdge(l, g, { weight: L, minlen: y, nestingEdge: true }), e.setEdge(m, u, { weight: L, minlen: y, nestingEdge: true });
  }), e.parent(s2) || e.setEdge(n, l, { weight: 0, minlen: o + ((c = i[s2]) != null ? c : 0) });
}
function It(e) {
  let n = {};
  function t(r, o) {
    let i = e.children(r);
    i && i.length && i.forEach((s2) => t(s2, o + 1)), n[r] = o;
  }
  return e.children(V).forEach((r) => t(r, 1)), n;
}
function St(e) {
  return e.edges().reduce((n, t) => n + e.edge(t).weight, 0);
}
function fn(e) {
  let n = e.graph();
  e.removeNode(n.nestingRoot), delete n.nestingRoot, e.edges().forEach((t) => {
    e.edge(t).nestingEdge && e.removeEdge(t);
  });
}
var bn = Pt;
function Pt(e) {
  function n(t) {
    let r = e.children(t), o = e.node(t);
    if (r.length && r.forEach(n), o && Object.hasOwn(o, "minRank")) {
      o.borderLeft = [], o.borderRight = [];
      for (let i = o.minRank, s2 = o.maxRank + 1; i < s2; ++i) hn(e, "borderLeft", "_bl", t, o, i), hn(e, "borderRight", "_br", t, o, i);
    }
  }
  e.children(V).forEach(n);
}
function hn(e, n, t, r, o, i) {
  let s2 = { width: 0, height: 0, rank: i, borderType: n }, a = o[n][i - 1], l = M(e, "border", s2, t);
  o[n][i] = l, e.setParent(l, r), a && e.setEdge(a, l, { weight: 1 });
}
function pn(e) {
  var t;
  let n = (t = e.graph().rankdir) == null ? void 0 : t.toLowerCase();
  (n === "lr" || n === "rl") && En(e);
}
function mn(e) {
  var t;
  let n = (t = e.graph().rankdir) == null ? void 0 : t.toLowerCase();
  (n === "bt" || n === "rl") && Ft(e), (n === "lr" || n === "rl") && (Dt(e), En(e));
}
function En(e) {
  e.nodes().forEach((n) => gn(e.node(n))), e.edges().forEach((n) => gn(e.edge(n)));
}
function gn(e) {
  let n = e.width;
  e.width = e.height, e.height = n;
}
function Ft(e) {
  e.nodes().forEach((n) => me(e.node(n))), e.edges().forEach((n) => {
    var r;
    let t = e.edge(n);
    (r = t.points) == null || r.forEach(me), Object.hasOwn(t, "y") && me(t);
  });
}
function me(e) {
  e.y = -e.y;
}
function Dt(e) {
  e.nodes().forEach((n) => Ee(e.node(n))), e.edges().forEach((n) => {
    var r;
    let t = e.edge(n);
    (r = t.points) == null || r.forEach(Ee), Object.hasOwn(t, "x") && Ee(t);
  });
}
function Ee(e) {
  let n = e.x;
  e.x = e.y, e.y = n;
}
function Le(e, n = null) {
  let t = {}, r = e.nodes().filter((d) => !e.children(d).length), o = r.map((d) => e.node(d).rank), i = S(Math.max, o), s2 = D(i + 1).map(() => []);
  function a(d) {
    if (t[d]) return;
    t[d] = true;
    let c = e.node(d);
    s2[c.rank].push(d);
    let f = e.successors(d);
    f && [...f].sort((g, m) => u(g, m)).forEach(a);
  }
  r.sort((d, c) => e.node(d).rank - e.node(c).rank).forEach(a);
  function u(d, c) {
    let f = e.node(d), h2 = e.node(c);
    return ee(n, f, h2);
  }
  return s2;
}
function ye(e, n) {
  let t = 0;
  for (let r = 1; r < n.length; ++r) t += Vt(e, n[r - 1], n[r]);
  return t;
}
function Vt(e, n, t) {
  let r = He(t, t.map((u, d) => d)), o = n.flatMap((u) => {
    let d = e.outEdges(u);
    return d ? d.map((c) => ({ pos: r[c.w], weight: e.edge(c).weight })).sort((c, f) => c.pos - f.pos) : [];
  }), i = 1;
  for (; i < t.length; ) i <<= 1;
  let s2 = 2 * i - 1;
  i -= 1;
  let a = new Array(s2).fill(0), l = 0;
  return o.forEach((u) => {
    let d = u.pos + i;
    a[d] += u.weight;
    let c = 0;
    for (; d > 0; ) d % 2 && (c += a[d + 1]), d = d - 1 >> 1, a[d] += u.weight;
    l += u.weight * c;
  }), l;
}
function we(e, n = []) {
  return n.map((t) => {
    let r = e.inEdges(t);
    if (!r || !r.length) return { v: t };
    {
      let o = r.reduce((i, s2) => {
        let a = e.edge(s2), l = e.node(s2.v);
        return { sum: i.sum + a.weight * l.order, weight: i.weight + a.weight };
      }, { sum: 0, weight: 0 });
      return { v: t, barycenter: o.sum / o.weight, weight: o.weight };
    }
  });
}
function Ne(e, n) {
  let t = {};
  e.forEach((o, i) => {
    let s2 = { indegree: 0, in: [], out: [], vs: [o.v], i };
    o.barycenter !== void 0 && (s2.barycenter = o.barycenter, s2.weight = o.weight), t[o.v] = s2;
  }), n.edges().forEach((o) => {
    let i = t[o.v], s2 = t[o.w];
    i !== void 0 && s2 !== void 0 && (s2.indegree++, i.out.push(s2));
  });
  let r = Object.values(t).filter((o) => !o.indegree);
  return Yt(r);
}
function Yt(e) {
  let n = [];
  function t(o) {
    return (i) => {
      i.merged || (i.barycenter === void 0 || o.barycenter === void 0 || i.barycenter >= o.barycenter) && Bt(o, i);
    };
  }
  function r(o) {
    return (i) => {
      i.in.push(o), --i.indegree === 0 && e.push(i);
    };
  }
  for (; e.length; ) {
    let o = e.pop();
    n.push(o), o.in.reverse().forEach(t(o)), o.out.forEach(r(o));
  }
  return n.filter((o) => !o.merged).map((o) => W(o, ["vs", "i", "barycenter", "weight"]));
}
function Bt(e, n) {
  let t = 0, r = 0;
  e.weight && (t += e.barycenter * e.weight, r += e.weight), n.weight && (t += n.barycenter * n.weight, r += n.weight), e.vs = n.vs.concat(e.vs), e.barycenter = t / r, e.weight = r, e.i = Math.min(n.i, e.i), n.merged = true;
}
function Ge(e, n, t, r, o) {
  let i = {}, s2 = null, a = null, l = o;
  typeof n == "boolean" ? (l = n, i = {}) : n && (i = n, s2 = t != null ? t : null, a = r != null ? r : null);
  let u = ze(e, (y) => Object.hasOwn(y, "barycenter")), d = u.lhs, c = u.rhs.sort((y, b) => b.i - y.i), f = [], h2 = 0, g = 0, m = 0;
  d.sort(Wt(a, s2, !!l));
  for (let [y, b] of Object.entries(i)) {
    let p = d.findIndex((E) => E.vs[0] === y);
    d.splice(p + 1, 0, b);
  }
  m = Ln(f, c, m), d.forEach((y) => {
    m += y.vs.length, f.push(y.vs), h2 += y.barycenter * y.weight, g += y.weight, m = Ln(f, c, m);
  });
  let L = { vs: f.flat(1) };
  return g && (L.barycenter = h2 / g, L.weight = g), L;
}
function Ln(e, n, t) {
  let r;
  for (; n.length && (r = n[n.length - 1]).i <= t; ) n.pop(), e.push(r.vs), t++;
  return t;
}
function Wt(e, n, t) {
  return (r, o) => {
    if (r.barycenter < o.barycenter) return -1;
    if (r.barycenter > o.barycenter) return 1;
    if (e && (typeof r.vs[0] == "string" || typeof o.vs[0] == "string")) {
      let i = e.node(r.vs[0]), s2 = e.node(o.vs[0]), a = ee(n, i, s2);
      if (a !== 0) return a;
    }
    return t ? o.i - r.i : r.i - o.i;
  };
}
function te(e, n, t, r, o) {
  var y, b, p, E, w, k, _, O, j, R, I;
  let i = null, s2 = o;
  typeof r == "boolean" ? (s2 = r, i = null) : r !== void 0 && (i = r);
  let a = e.children(n), l = e.node(n), u = l ? l.borderLeft : void 0, d = l ? l.borderRight : void 0, c = {};
  u && (a = a.filter((v) => v !== u && v !== d));
  let f = we(e, a);
  f.forEach((v) => {
    if (e.children(v.v).length) {
      let { result: x } = te(e, v.v, t, i, s2);
      c[v.v] = x, Object.hasOwn(x, "barycenter") && zt(v, x);
    }
  });
  let h2 = Ne(f, t);
  Xt(h2, c);
  let g = {}, m = false;
  for (let v = 0; v < h2.length; v++) for (let x = v + 1; x < h2.length; x++) if (!(!h2[v] || !h2[x] || !((y = h2[v]) != null && y.barycenter) || !((b = h2[x]) != null && b.barycenter)) && ((p = h2[v]) == null ? void 0 : p.barycenter) === h2[x].barycenter) {
    let G = (w = (E = h2[v]) == null ? void 0 : E.vs[0]) != null ? w : "", N = (_ = (k = h2[x]) == null ? void 0 : k.vs[0]) != null ? _ : "", C = e.node(G), B = e.node(N);
    if (C.dummy === "edge" && B.dummy === "edge" && ((O = C.edgeObj) == null ? void 0 : O.v) === ((j = B.edgeObj) == null ? void 0 : j.v) && ((R = C.edgeObj) == null ? void 0 : R.w) === ((I = B.edgeObj) == null ? void 0 : I.w)) if (C.edgeLabel.reversed) {
      g[N] = h2[v], h2.splice(v, 1), v--;
      break;
    } else g[G] || (g[G] = h2[x], h2.splice(x, 1), x--);
    else m = true;
  }
  let L = Ge(h2, g, i, e, s2);
  if (u && d) {
    L.vs = [u, L.vs, d].flat(1);
    let v = e.predecessors(u);
    if (v && v.length) {
      let x = e.node(v[0]), G = e.predecessors(d), N = e.node(G[0]);
      Object.hasOwn(L, "barycenter") || (L.barycenter = 0, L.weight = 0), L.barycenter = (L.barycenter * L.weight + x.order + N.order) / (L.weight + 2), L.weight += 2;
    }
  }
  return Object.defineProperty(L, "result", { value: L, enumerable: false, configurable: true, writable: true }), Object.defineProperty(L, "usedBias", { value: m, enumerable: false, configurable: true, writable: true }), L;
}
function Xt(e, n) {
  e.forEach((t) => {
    t.vs = t.vs.flatMap((r) => n[r] ? n[r].vs : r);
  });
}
function zt(e, n) {
  e.barycenter !== void 0 ? (e.barycenter = (e.barycenter * e.weight + n.barycenter * n.weight) / (e.weight + n.weight), e.weight += n.weight) : (e.barycenter = n.barycenter, e.weight = n.weight);
}
function ve(e, n, t, r) {
  r || (r = e.nodes());
  let o = Ht(e), i = new T({ compound: true }).setGraph({ root: o }).setDefaultNodeLabel((s2) => e.node(s2));
  return r.forEach((s2) => {
    let a = e.node(s2), l = e.parent(s2);
    if (a.rank === n || a.minRank <= n && n <= a.maxRank) {
      i.setNode(s2), i.setParent(s2, l || o);
      let u = e[t](s2);
      u && u.forEach((d) => {
        let c = d.v === s2 ? d.w : d.v, f = i.edge(c, s2), h2 = f !== void 0 ? f.weight : 0;
        i.setEdge(c, s2, { weight: e.edge(d).weight + h2 });
      }), Object.hasOwn(a, "minRank") && i.setNode(s2, { borderLeft: a.borderLeft[n], borderRight: a.borderRight[n] });
    }
  }), i;
}
function Ht(e) {
  let n;
  for (; e.hasNode(n = $("_root")); ) ;
  return n;
}
function ke(e, n, t) {
  let r = {}, o;
  t.forEach((i) => {
    let s2 = e.parent(i), a, l;
    for (; s2; ) {
      if (a = e.parent(s2), a ? (l = r[a], r[a] = s2) : (l = o, o = s2), l && l !== s2) {
        n.setEdge(l, s2);
        return;
      }
      s2 = a;
    }
  });
}
function re(e, n = {}, t = null) {
  if (typeof n.customOrder == "function") {
    n.customOrder(e, re);
    return;
  }
  let r = de(e), o = yn(e, D(1, r + 1), "inEdges"), i = yn(e, D(r - 1, -1, -1), "outEdges"), s2 = Le(e, t);
  if (wn(e, s2), n.disableOptimalOrderHeuristic) return;
  let a = Number.POSITIVE_INFINITY, l, u = n.constraints || [];
  for (let d = 0, c = 0; c < 4; ++d, ++c) {
    qt(d % 2 ? o : i, d % 4 >= 2, u, t), s2 = P(e);
    let f = ye(e, s2);
    f < a ? (c = 0, l = Object.assign({}, s2), a = f) : f === a && (l = structuredClone(s2));
  }
  wn(e, l);
}
function yn(e, n, t) {
  let r = /* @__PURE__ */ new Map(), o = (i, s2) => {
    r.has(i) || r.set(i, []), r.get(i).push(s2);
  };
  for (let i of e.nodes()) {
    let s2 = e.node(i);
    if (typeof s2.rank == "number" && o(s2.rank, i), typeof s2.minRank == "number" && typeof s2.maxRank == "number") for (let a = s2.minRank; a <= s2.maxRank; a++) a !== s2.rank && o(a, i);
  }
  return n.map(function(i) {
    return ve(e, i, t, r.get(i) || []);
  });
}
function qt(e, n, t, r) {
  let o = true, i = new T();
  e.forEach(function(s2) {
    t.forEach((d) => i.setEdge(d.left, d.right));
    let a = s2.graph().root, { result: l, usedBias: u } = te(s2, a, i, r, o);
    n && u && (o = !o), l.vs.forEach((d, c) => s2.node(d).order = c), ke(s2, i, l.vs);
  });
}
function wn(e, n) {
  Object.values(n).forEach((t) => t.forEach((r, o) => e.node(r).order = o));
}
function $t(e, n) {
  let t = {};
  function r(o, i) {
    let s2 = 0, a = 0, l = o.length, u = i[i.length - 1];
    return i.forEach((d, c) => {
      let f = Jt(e, d), h2 = f ? e.node(f).order : l;
      (f || d === u) && (i.slice(a, c + 1).forEach((g) => {
        let m = e.predecessors(g);
        m && m.forEach((L) => {
          let y = e.node(L), b = y.order;
          (b < s2 || h2 < b) && !(y.dummy && e.node(g).dummy) && Gn(t, L, g);
        });
      }), a = c + 1, s2 = h2);
    }), i;
  }
  return n.length && n.reduce(r), t;
}
function Ut(e, n) {
  let t = {};
  function r(a) {
    var l;
    return ((l = e.node(a)) == null ? void 0 : l.dummy) === "border";
  }
  if (!e.nodes().some(r)) return t;
  function i(a, l, u, d, c) {
    D(l, u).forEach((f) => {
      let h2 = a[f];
      if (h2 !== void 0 && e.node(h2).dummy) {
        let g = e.predecessors(h2);
        g && g.forEach((m) => {
          if (m === void 0) return;
          let L = e.node(m);
          L.dummy && (L.order < d || L.order > c) && Gn(t, m, h2);
        });
      }
    });
  }
  function s2(a, l) {
    let u = -1, d = -1, c = 0;
    return l.forEach((f, h2) => {
      if (r(f)) {
        let g = e.predecessors(f);
        if (g && g.length) {
          let m = g[0];
          if (m === void 0) return;
          d = e.node(m).order, i(l, c, h2, u, d), c = h2, u = d;
        }
      }
      i(l, c, l.length, d, a.length);
    }), l;
  }
  return n.length && n.reduce(s2), t;
}
function Jt(e, n) {
  if (e.node(n).dummy) {
    let t = e.predecessors(n);
    if (t) return t.find((r) => e.node(r).dummy);
  }
}
function Gn(e, n, t) {
  if (n > t) {
    let o = n;
    n = t, t = o;
  }
  let r = e[n];
  r || (e[n] = r = {}), r[t] = true;
}
function Kt(e, n, t) {
  if (n > t) {
    let o = n;
    n = t, t = o;
  }
  let r = e[n];
  return r !== void 0 && Object.hasOwn(r, t);
}
function Qt(e, n, t, r, o) {
  let i = {}, s2 = {}, a = {};
  return n.forEach((l) => {
    l.forEach((u, d) => {
      i[u] = u, s2[u] = u, a[u] = d;
    });
  }), n.forEach((l) => {
    let u = -1, d = -1, c = false, f = l, h2 = l.findIndex((g) => (o == null ? void 0 : o.includes(g)) || Nn(g, e, o));
    h2 > 0 && (f = [l[h2], ...l.slice(0, h2), ...l.slice(h2 + 1)], c = true), f.forEach((g) => {
      var L;
      let m = r(g);
      if (m && m.length) {
        o != null && o.includes(g) && (m = m.filter((p) => Nn(p, e, o)));
        let y = m.sort((p, E) => {
          let w = a[p], k = a[E];
          return (w !== void 0 ? w : 0) - (k !== void 0 ? k : 0);
        }), b = (y.length - 1) / 2;
        for (let p = Math.floor(b), E = Math.ceil(b); p <= E; ++p) {
          let w = y[p];
          if (w === void 0) continue;
          let k = a[w];
          if (k !== void 0 && s2[g] === g && u < k && a[w] !== d && !Kt(t, g, w)) {
            let _ = i[w];
            _ !== void 0 && (s2[w] = g, s2[g] = i[g] = _, u = k, c && (u = -1, d = (L = a[w]) != null ? L : -1, c = false));
          }
        }
      }
    });
  }), { root: i, align: s2 };
}
function Zt(e, n, t, r, o = false) {
  let i = {}, s2 = er(e, n, t, o), a = o ? "borderLeft" : "borderRight";
  function l(h2, g) {
    let m = s2.nodes().slice(), L = {}, y = m.pop();
    for (; y; ) {
      if (L[y]) h2(y);
      else {
        L[y] = true, m.push(y);
        for (let b of g(y)) m.push(b);
      }
      y = m.pop();
    }
  }
  function u(h2) {
    let g = s2.inEdges(h2);
    g ? i[h2] = g.reduce((m, L) => {
      var p;
      let y = (p = i[L.v]) != null ? p : 0, b = s2.edge(L);
      return Math.max(m, y + (b !== void 0 ? b : 0));
    }, 0) : i[h2] = 0;
  }
  function d(h2) {
    let g = s2.outEdges(h2), m = Number.POSITIVE_INFINITY;
    g && (m = g.reduce((y, b) => {
      let p = i[b.w], E = s2.edge(b);
      return Math.min(y, (p !== void 0 ? p : 0) - (E !== void 0 ? E : 0));
    }, Number.POSITIVE_INFINITY));
    let L = e.node(h2);
    m !== Number.POSITIVE_INFINITY && L.borderType !== a && (i[h2] = Math.max(i[h2] !== void 0 ? i[h2] : 0, m));
  }
  function c(h2) {
    return s2.predecessors(h2) || [];
  }
  function f(h2) {
    return s2.successors(h2) || [];
  }
  return l(u, c), l(d, f), Object.keys(r).forEach((h2) => {
    var m;
    let g = t[h2];
    g !== void 0 && (i[h2] = (m = i[g]) != null ? m : 0);
  }), i;
}
function er(e, n, t, r) {
  let o = new T(), i = e.graph(), s2 = or(i.nodesep, i.edgesep, r);
  return n.forEach((a) => {
    let l;
    a.forEach((u) => {
      let d = t[u];
      if (d !== void 0) {
        if (o.setNode(d), l !== void 0) {
          let c = t[l];
          if (c !== void 0) {
            let f = o.edge(c, d);
            o.setEdge(c, d, Math.max(s2(e, u, l), f || 0));
          }
        }
        l = u;
      }
    });
  }), o;
}
function nr(e, n) {
  return Object.values(n).reduce((t, r) => {
    let o = Number.NEGATIVE_INFINITY, i = Number.POSITIVE_INFINITY;
    Object.entries(r).forEach(([a, l]) => {
      let u = ir(e, a) / 2;
      o = Math.max(l + u, o), i = Math.min(l - u, i);
    });
    let s2 = o - i;
    return s2 < t[0] && (t = [s2, r]), t;
  }, [Number.POSITIVE_INFINITY, null])[1];
}
function tr(e, n) {
  let t = Object.values(n), r = S(Math.min, t), o = S(Math.max, t);
  ["u", "d"].forEach((i) => {
    ["l", "r"].forEach((s2) => {
      let a = i + s2, l = e[a];
      if (!l || l === n) return;
      let u = Object.values(l), d = r - S(Math.min, u);
      s2 !== "l" && (d = o - S(Math.max, u)), d && (e[a] = X(l, (c) => c + d));
    });
  });
}
function rr(e, n = void 0) {
  let t = e.ul;
  return t ? X(t, (r, o) => {
    var s2, a;
    if (n) {
      let l = n.toLowerCase(), u = e[l];
      if (u && u[o] !== void 0) return u[o];
    }
    let i = Object.values(e).map((l) => {
      let u = l[o];
      return u !== void 0 ? u : 0;
    }).sort((l, u) => l - u);
    return (((s2 = i[1]) != null ? s2 : 0) + ((a = i[2]) != null ? a : 0)) / 2;
  }) : {};
}
function vn(e, n) {
  let t = P(e), r = Object.assign($t(e, t), Ut(e, t)), o = {}, i;
  ["u", "d"].forEach((a) => {
    i = a === "u" ? t : Object.values(t).reverse(), ["l", "r"].forEach((l) => {
      l === "r" && (i = i.map((f) => Object.values(f).reverse()));
      let d = Qt(e, i, r, (f) => (a === "u" ? e.predecessors(f) : e.successors(f)) || [], n), c = Zt(e, i, d.root, d.align, l === "r");
      l === "r" && (c = X(c, (f) => -f)), o[a + l] = c;
    });
  });
  let s2 = nr(e, o);
  return tr(o, s2), rr(o, e.graph().align);
}
function or(e, n, t) {
  return (r, o, i) => {
    let s2 = r.node(o), a = r.node(i), l = 0, u;
    if (l += s2.width / 2, Object.hasOwn(s2, "labelpos")) switch (s2.labelpos.toLowerCase()) {
      case "l":
        u = -s2.width / 2;
        break;
      case "r":
        u = s2.width / 2;
        break;
    }
    if (u && (l += t ? u : -u), u = void 0, l += (s2.dummy ? n : e) / 2, l += (a.dummy ? n : e) / 2, l += a.width / 2, Object.hasOwn(a, "labelpos")) switch (a.labelpos.toLowerCase()) {
      case "l":
        u = a.width / 2;
        break;
      case "r":
        u = -a.width / 2;
        break;
    }
    return u && (l += t ? u : -u), l;
  };
}
function ir(e, n) {
  return e.node(n).width;
}
function Nn(e, n, t) {
  var s2;
  if (!t) return false;
  let r = (s2 = n.node(e)) == null ? void 0 : s2.edgeObj;
  if (!r || n.node(e).edgeLabel.reversed) return false;
  let o = t.indexOf(r == null ? void 0 : r.v), i = t.indexOf(r == null ? void 0 : r.w);
  return o !== -1 && i !== -1 && o === (i + 1) % t.length || o === (i - 1) % t.length;
}
function kn(e, n) {
  e = Z(e), sr(e), Object.entries(vn(e, n)).forEach(([t, r]) => e.node(t).x = r);
}
function sr(e) {
  let n = P(e), t = e.graph(), r = t.ranksep, o = t.rankalign, i = 0;
  n.forEach((s2) => {
    let a = s2.reduce((l, u) => {
      var c;
      let d = (c = e.node(u).height) != null ? c : 0;
      return l > d ? l : d;
    }, 0);
    s2.forEach((l) => {
      let u = e.node(l);
      o === "top" ? u.y = i + u.height / 2 : o === "bottom" ? u.y = i + a - u.height / 2 : u.y = i + a / 2;
    }), i += a + r;
  });
}
var xn = /* @__PURE__ */ new WeakMap();
function Oe(e, n = {}) {
  return In(e, q, n), e;
}
function _n(e, n, t) {
  let r = n;
  for (; r !== void 0; ) {
    let o = e.parent(r);
    if (o === t) return r;
    r = o;
  }
}
function In(e, n, t) {
  var y;
  let r = e.nodes().filter((b) => e.children(b).length), o = {};
  r.forEach((b) => {
    let p = e.node(b);
    if (p && p.rankdir) {
      let E = new T({ multigraph: true, compound: true });
      E.setGraph({ rankdir: p.rankdir });
      let w = e.children(b);
      w.forEach((G) => {
        let N = { ...e.node(G) };
        E.setNode(G, N);
        let C = e.parent(G);
        C && C !== b && w.includes(C) && E.setParent(G, C);
      });
      let k = /* @__PURE__ */ new Set();
      e.edges().forEach((G) => {
        let N = _n(e, G.v, b), C = _n(e, G.w, b);
        if (N === G.v && C === G.w) E.setEdge(G, { ...e.edge(G) });
        else if (N && C && N !== C) {
          let B = `${N}\0${C}`;
          k.has(B) || (k.add(B), E.setEdge(N, C, { ...e.edge(G) }));
        }
      }), In(E, n, t);
      let _ = Rn(E);
      Cn(_, n, t, null), Tn(E, _);
      let O = 1 / 0, j = 1 / 0, R = -1 / 0, I = -1 / 0;
      E.nodes().forEach((G) => {
        if (G === b) return;
        let N = E.node(G);
        N && typeof N.x == "number" && typeof N.y == "number" && typeof N.width == "number" && typeof N.height == "number" && (O = Math.min(O, N.x - N.width / 2), R = Math.max(R, N.x + N.width / 2), j = Math.min(j, N.y - N.height / 2), I = Math.max(I, N.y + N.height / 2));
      }), (!isFinite(O) || !isFinite(j) || !isFinite(R) || !isFinite(I)) && (O = j = 0, R = I = 0);
      let v = R - O, x = I - j;
      o[b] = { minX: O, minY: j, maxX: R, maxY: I, width: v, height: x, offsetX: O, offsetY: j }, p._dagreClusterSubgraph = E;
    }
  });
  let i = [], s2 = (b) => {
    let p = [], E = (e.children(b) || []).filter((w) => w !== b);
    for (; E.length > 0; ) {
      let w = E.shift();
      p.push(w), (e.children(w) || []).filter((k) => k !== w).forEach((k) => E.push(k));
    }
    return p;
  }, a = /* @__PURE__ */ new Map();
  r.forEach((b) => {
    let p = e.node(b);
    p && p.rankdir && o[b] && a.set(b, (e.children(b) || []).filter((E) => E !== b));
  });
  let l = new Set([...a.values()].flat()), u = /* @__PURE__ */ new Map();
  a.forEach((b, p) => {
    l.has(p) || u.set(p, s2(p));
  });
  let d = new Set([...u.values()].flat()), c = (b) => {
    for (let [p, E] of u) if (E.includes(b)) return p;
    return b;
  }, f = [];
  e.edges().forEach((b) => {
    (d.has(b.v) || d.has(b.w)) && f.push({ edge: b, label: e.edge(b) });
  });
  let h2 = /* @__PURE__ */ new Map();
  d.forEach((b) => {
    let p = e.parent(b);
    h2.set(b, typeof p == "string" ? p : void 0);
  }), u.forEach((b, p) => {
    let E = e.node(p), w = [];
    b.forEach((O) => {
      let j = e.node(O);
      j && (w.push({ id: O, node: j, parent: h2.get(O) }), e.removeNode(O));
    });
    let k = f.filter(({ edge: O }) => b.includes(O.v) || b.includes(O.w)), _ = o[p];
    E && (i.push({ clusterId: p, subgraph: E._dagreClusterSubgraph, bounds: _, children: b, removedNodes: w, removedEdges: k }), E.width = _.width, E.height = _.height);
  });
  let g = /* @__PURE__ */ new Set();
  f.forEach(({ edge: b, label: p }) => {
    let E = c(b.v), w = c(b.w);
    if (E !== w && e.hasNode(E) && e.hasNode(w)) {
      let k = `${E}\0${w}`;
      g.has(k) || (g.add(k), e.setEdge(E, w, { ...p, width: 0, height: 0 }));
    }
  });
  let m = Rn(e), L = Cn(m, n, t, (y = xn.get(e)) != null ? y : null);
  xn.set(e, L), Tn(e, m), g.forEach((b) => {
    let p = b.indexOf("\0"), E = b.slice(0, p), w = b.slice(p + 1);
    e.hasEdge(E, w) && e.removeEdge(E, w);
  }), i.forEach(({ clusterId: b, subgraph: p, bounds: E, removedNodes: w, removedEdges: k }) => {
    var v, x;
    let _ = e.node(b), O = (v = _ == null ? void 0 : _.x) != null ? v : 0, j = (x = _ == null ? void 0 : _.y) != null ? x : 0, R = (E.minX + E.maxX) / 2, I = (E.minY + E.maxY) / 2;
    w.forEach(({ id: G, node: N, parent: C }) => {
      e.setNode(G, N), C !== void 0 && e.setParent(G, C);
    }), k.forEach(({ edge: G, label: N }) => {
      e.setEdge(G, N);
    }), p.nodes().forEach((G) => {
      if (G === b) return;
      let N = p.node(G), C = e.node(G);
      C && N && typeof N.x == "number" && typeof N.y == "number" && (C.x = O + (N.x - R), C.y = j + (N.y - I));
    }), On(e, p, O - R, j - I), delete _._dagreClusterSubgraph;
  }), r.forEach((b) => {
    var w, k;
    let p = e.node(b), E = o[b];
    if (p && p.rankdir && p._dagreClusterSubgraph && E) {
      let _ = p._dagreClusterSubgraph, O = (w = p.x) != null ? w : 0, j = (k = p.y) != null ? k : 0, R = (E.minX + E.maxX) / 2, I = (E.minY + E.maxY) / 2;
      _.nodes().forEach((v) => {
        if (v === b) return;
        let x = _.node(v), G = e.node(v);
        if (G && x && typeof x.x == "number" && typeof x.y == "number") {
          let N = x.x - R, C = x.y - I;
          G.x = O + N, G.y = j + C;
        }
      }), On(e, _, O - R, j - I), delete p._dagreClusterSubgraph;
    }
  });
}
function On(e, n, t, r) {
  n.edges().forEach((o) => {
    if (!e.hasEdge(o)) return;
    let i = n.edge(o), s2 = e.edge(o);
    s2.points = i.points.map((a) => ({ x: a.x + t, y: a.y + r })), Object.hasOwn(i, "x") && (s2.x = i.x + t, s2.y = i.y + r);
  });
}
function Cn(e, n, t, r = null) {
  var l, u;
  let o = (t == null ? void 0 : t.useDynamic) !== false, i = o && (l = r == null ? void 0 : r.graph) != null ? l : null, s2 = o && (u = r == null ? void 0 : r.rawNodes) != null ? u : null;
  n("    makeSpaceForEdgeLabels", () => br(e)), n("    removeSelfEdges", () => Gr(e)), n("    acyclic", () => Ue(e, i)), n("    nestingGraph.run", () => un(e)), n("    rank", () => dn(Z(e))), n("    injectEdgeLabelProxies", () => gr(e)), n("    removeEmptyRanks", () => We(e)), n("    nestingGraph.cleanup", () => fn(e)), n("    normalizeRanks", () => Be(e)), n("    assignRankMinMax", () => pr(e)), n("    removeEdgeLabelProxies", () => mr(e)), n("    normalize.run", () => Ke(e)), n("    parentDummyChains", () => ln(e)), n("    addBorderSegments", () => bn(e)), n("    order", () => re(e, t, s2)), n("    insertSelfEdges", () => vr(e)), n("    adjustCoordinateSystem", () => pn(e)), n("    position", () => kn(e, t.corePath)), n("    positionSelfEdges", () => kr(e));
  let a = JSON.parse(JSON.stringify(e._nodes));
  return n("    removeBorderNodes", () => Nr(e)), n("    normalize.undo", () => Qe(e)), n("    fixupEdgeLabelCoords", () => yr(e)), n("    undoCoordinateSystem", () => mn(e)), n("    translateGraph", () => Er(e)), n("    assignNodeIntersects", () => Lr(e)), n("    reversePoints", () => wr(e)), n("    acyclic.undo", () => Je(e)), { graph: e, rawNodes: a };
}
function Tn(e, n) {
  e.nodes().forEach((t) => {
    let r = e.node(t), o = n.node(t);
    r && (r.x = o.x, r.y = o.y, r.order = o.order, r.rank = o.rank, n.children(t).length && (r.width = o.width, r.height = o.height));
  }), e.edges().forEach((t) => {
    let r = e.edge(t), o = n.edge(t);
    r.points = o.points, Object.hasOwn(o, "x") && (r.x = o.x, r.y = o.y);
  }), e.graph().width = n.graph().width, e.graph().height = n.graph().height;
}
var ar = ["nodesep", "edgesep", "ranksep", "marginx", "marginy"];
var dr = { ranksep: 50, edgesep: 20, nodesep: 50, rankdir: "TB", rankalign: "center" };
var lr = ["acyclicer", "ranker", "rankdir", "align", "rankalign"];
var ur = ["width", "height", "rank"];
var jn = { width: 0, height: 0 };
var cr = ["minlen", "weight", "width", "height", "labeloffset"];
var fr = { minlen: 1, weight: 1, width: 0, height: 0, labeloffset: 10, labelpos: "r" };
var hr = ["labelpos"];
function Rn(e) {
  let n = new T({ multigraph: true, compound: true }), t = _e(e.graph());
  return n.setGraph(Object.assign({}, dr, xe(t, ar), W(t, lr))), e.nodes().forEach((r) => {
    let o = _e(e.node(r)), i = xe(o, ur);
    Object.keys(jn).forEach((a) => {
      i[a] === void 0 && (i[a] = jn[a]);
    }), n.setNode(r, i);
    let s2 = e.parent(r);
    s2 !== void 0 && n.setParent(r, s2);
  }), e.edges().forEach((r) => {
    let o = _e(e.edge(r));
    n.setEdge(r, Object.assign({}, fr, xe(o, cr), W(o, hr)));
  }), n;
}
function br(e) {
  let n = e.graph();
  n.ranksep /= 2, e.edges().forEach((t) => {
    var o;
    let r = e.edge(t);
    r.minlen *= 2, ((o = r.labelpos) != null ? o : "r").toLowerCase() !== "c" && (n.rankdir === "TB" || n.rankdir === "BT" ? r.width += r.labeloffset : r.height += r.labeloffset);
  });
}
function gr(e) {
  e.edges().forEach((n) => {
    let t = e.edge(n);
    if (t.width && t.height) {
      let r = e.node(n.v), i = { rank: (e.node(n.w).rank - r.rank) / 2 + r.rank, e: n };
      M(e, "edge-proxy", i, "_ep");
    }
  });
}
function pr(e) {
  let n = 0;
  e.nodes().forEach((t) => {
    let r = e.node(t);
    r.borderTop && (r.minRank = e.node(r.borderTop).rank, r.maxRank = e.node(r.borderBottom).rank, n = Math.max(n, r.maxRank));
  }), e.graph().maxRank = n;
}
function mr(e) {
  e.nodes().forEach((n) => {
    let t = e.node(n);
    if (t.dummy === "edge-proxy") {
      let r = t;
      e.edge(r.e).labelRank = t.rank, e.removeNode(n);
    }
  });
}
function Er(e) {
  let n = Number.POSITIVE_INFINITY, t = 0, r = Number.POSITIVE_INFINITY, o = 0, i = e.graph(), s2 = i.marginx || 0, a = i.marginy || 0;
  function l(u) {
    let d = u.x, c = u.y, f = u.width, h2 = u.height;
    n = Math.min(n, d - f / 2), t = Math.max(t, d + f / 2), r = Math.min(r, c - h2 / 2), o = Math.max(o, c + h2 / 2);
  }
  e.nodes().forEach((u) => l(e.node(u))), e.edges().forEach((u) => {
    let d = e.edge(u);
    Object.hasOwn(d, "x") && l(d);
  }), n -= s2, r -= a, e.nodes().forEach((u) => {
    let d = e.node(u);
    d.x -= n, d.y -= r;
  }), e.edges().forEach((u) => {
    let d = e.edge(u);
    d.points.forEach((c) => {
      c.x -= n, c.y -= r;
    }), Object.hasOwn(d, "x") && (d.x -= n), Object.hasOwn(d, "y") && (d.y -= r);
  }), i.width = t - n + s2, i.height = o - r + a;
}
function Lr(e) {
  e.edges().forEach((n) => {
    if (n.v === n.w) return;
    let t = e.edge(n), r = e.node(n.v), o = e.node(n.w), i, s2;
    t.points ? (i = t.points[0], s2 = t.points[t.points.length - 1]) : (t.points = [], i = o, s2 = r), t.points.unshift(se(r, i)), t.points.push(se(o, s2));
  });
}
function yr(e) {
  e.edges().forEach((n) => {
    let t = e.edge(n);
    if (Object.hasOwn(t, "x")) switch ((t.labelpos === "l" || t.labelpos === "r") && (t.width -= t.labeloffset), t.labelpos) {
      case "l":
        t.x -= t.width / 2 + t.labeloffset;
        break;
      case "r":
        t.x += t.width / 2 + t.labeloffset;
        break;
    }
  });
}
function wr(e) {
  e.edges().forEach((n) => {
    let t = e.edge(n);
    t.reversed && t.points.reverse();
  });
}
function Nr(e) {
  e.nodes().forEach((n) => {
    if (e.children(n).length) {
      let t = e.node(n), r = e.node(t.borderTop), o = e.node(t.borderBottom), i = e.node(t.borderLeft[t.borderLeft.length - 1]), s2 = e.node(t.borderRight[t.borderRight.length - 1]);
      t.width = Math.abs(s2.x - i.x), t.height = Math.abs(o.y - r.y), t.x = i.x + t.width / 2, t.y = r.y + t.height / 2;
    }
  }), e.nodes().forEach((n) => {
    e.node(n).dummy === "border" && e.removeNode(n);
  });
}
function Gr(e) {
  e.edges().forEach((n) => {
    if (n.v === n.w) {
      let t = e.node(n.v);
      t.selfEdges || (t.selfEdges = []), t.selfEdges.push({ e: n, label: e.edge(n) }), e.removeEdge(n);
    }
  });
}
function vr(e) {
  P(e).forEach((t) => {
    let r = 0;
    t.forEach((o, i) => {
      let s2 = e.node(o);
      typeof s2.rank != "number" && (s2.rank = 0), s2.order = i + r, (s2.selfEdges || []).forEach((a) => {
        M(e, "selfedge", { width: a.label.width, height: a.label.height, rank: s2.rank, order: i + ++r, e: a.e, edgeLabel: a.label }, "_se"), (!Array.isArray(a.label.points) || a.label.points.length !== 7) && (a.label.points = [{ x: 0, y: -10 }, { x: 0, y: -10 }, { x: 0, y: 0 }, { x: 0, y: 10 }, { x: 0, y: 10 }, { x: 0, y: 0 }, { x: 0, y: 0 }]);
      }), delete s2.selfEdges;
    });
  });
}
function kr(e) {
  e.nodes().forEach((n) => {
    let t = e.node(n), r = (o) => typeof o == "number" && isFinite(o);
    if (t.dummy === "selfedge") {
      let o = t, i = e.node(o.e.v), s2 = r(i == null ? void 0 : i.x) ? i.x : 0, a = r(i == null ? void 0 : i.y) ? i.y : 0, l = r(i == null ? void 0 : i.width) ? i.width : 0, u = r(i == null ? void 0 : i.height) ? i.height : 0, d = r(t.x) ? t.x : s2, c = r(t.y) ? t.y : a, f = l / 2, h2 = u / 2;
      o.edgeLabel.points = [{ x: d + f, y: c - h2 }, { x: d + f, y: c - h2 }, { x: d, y: c }, { x: d - f, y: c + h2 }, { x: d - f, y: c + h2 }, { x: d, y: c }, { x: d, y: c }], o.edgeLabel.x = d, o.edgeLabel.y = c, e.setEdge(o.e, o.edgeLabel), e.removeNode(n);
    } else t && Array.isArray(t.selfEdges) && t.selfEdges.forEach((o) => {
      if (!Array.isArray(o.label.points) || o.label.points.length !== 7) {
        let i = r(t.x) ? t.x : 0, s2 = r(t.y) ? t.y : 0, a = r(t.width) ? t.width : 0, l = r(t.height) ? t.height : 0, u = a / 2, d = l / 2;
        o.label.points = [{ x: i + u, y: s2 - d }, { x: i + u, y: s2 - d }, { x: i, y: s2 }, { x: i - u, y: s2 + d }, { x: i - u, y: s2 + d }, { x: i, y: s2 }, { x: i, y: s2 }];
      }
    });
  });
}
function xe(e, n) {
  return X(W(e, n), Number);
}
function _e(e) {
  let n = {};
  return e && Object.entries(e).forEach(([t, r]) => {
    typeof t == "string" && (t = t.toLowerCase()), n[t] = r;
  }), n;
}
function Ce(e) {
  let n = P(e), t = new T({ compound: true, multigraph: true }).setGraph({});
  return e.nodes().forEach((r) => {
    t.setNode(r, { label: r }), t.setParent(r, "layer" + e.node(r).rank);
  }), e.edges().forEach((r) => t.setEdge(r.v, r.w, {}, r.name)), n.forEach((r, o) => {
    let i = "layer" + o;
    t.setNode(i, { rank: "same" }), r.reduce((s2, a) => (t.setEdge(s2, a, { style: "invis" }), a));
  }), t;
}
var xr = { graphlib: ie, version: ue, layout: Oe, debug: Ce, util: { time: le, notime: q } };
var Uo = xr;

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

// extensions/graph/index.js
var DAGRE_LIMIT = 400;
var NODE_H = 30;
var COLORS = { f: "#1f77b4", b: "#d62728", r: "#ff7f0e" };
var STYLE = `
.wb-graph { font-family: var(--jp-ui-font-family, sans-serif); font-size: 12px; position: relative;
  border: 1px solid #d0d7de; border-radius: 6px; margin: 4px 0; background: #fff; color: #1f2328; }
.wb-graph .wb-toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center;
  padding: 4px 8px; border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
.wb-graph .wb-toolbar button { font: inherit; padding: 2px 8px; border: 1px solid #d0d7de;
  background: #fff; border-radius: 4px; cursor: pointer; }
.wb-graph .wb-toolbar button.wb-active { background: #ddf4ff; border-color: #54aeff; font-weight: 600; }
.wb-graph .wb-toolbar input { font: inherit; padding: 2px 6px; width: 14em; }
.wb-graph .wb-title { font-weight: 600; }
.wb-graph .wb-status { color: #57606a; margin-left: auto; }
.wb-graph svg.wb-canvas { display: block; width: 100%; height: 560px; cursor: grab; user-select: none; }
.wb-graph svg.wb-canvas.wb-dragging { cursor: grabbing; }
.wb-graph .wb-node rect { fill: #fff; stroke: #8c959f; rx: 4; }
.wb-graph .wb-node[data-phase="forward"] rect { fill: #eef6fc; }
.wb-graph .wb-node[data-phase="backward"] rect { fill: #fdf0f0; }
.wb-graph .wb-node[data-kind="argument"] rect, .wb-graph .wb-node[data-kind="result"] rect { fill: #f3f0ff; }
.wb-graph .wb-node.wb-collapsed rect { fill: #fff8c5; stroke: #9a6700; stroke-width: 1.5; cursor: pointer; }
.wb-graph .wb-node.wb-collapsed[data-phase="forward"] rect { stroke: #0969da; }
.wb-graph .wb-node.wb-collapsed[data-phase="backward"] rect { stroke: #cf222e; }
.wb-graph .wb-node.wb-match rect { stroke: #bf3989; stroke-width: 3; }
.wb-graph .wb-node.wb-highlight rect { fill: #ffe8a3; stroke: #e36209; stroke-width: 3.5; }
.wb-graph .wb-cluster.wb-highlight > rect.wb-box { fill: rgba(255, 232, 163, 0.35); stroke: #e36209; stroke-width: 3; stroke-dasharray: none; }
.wb-graph .wb-node text { font-size: 11px; fill: #1f2328; pointer-events: none; }
.wb-graph .wb-node text.wb-bytes { font-size: 9px; fill: #9a6700; }
.wb-graph .wb-cluster > rect.wb-box { fill: rgba(175, 184, 193, 0.08); stroke: #afb8c1; stroke-dasharray: 4 2; }
.wb-graph .wb-cluster.wb-match > rect.wb-box { stroke: #bf3989; stroke-width: 2; }
.wb-graph .wb-cluster rect.wb-head { fill: #eaeef2; cursor: pointer; }
.wb-graph .wb-cluster text { font-size: 10px; fill: #57606a; pointer-events: none; }
.wb-graph .wb-edge { fill: none; stroke-width: 1.3; }
.wb-graph .wb-edge.wb-e-r { stroke-dasharray: 5 3; }
.wb-graph[data-edges="forward"] .wb-edge:not(.wb-e-f) { display: none; }
.wb-graph[data-edges="backward"] .wb-edge.wb-e-f { display: none; }
.wb-graph[data-edges="forward"] .wb-node[data-phase="backward"] { opacity: 0.3; }
.wb-graph[data-edges="backward"] .wb-node[data-phase="forward"] { opacity: 0.3; }
.wb-graph .wb-legend span { margin-right: 8px; }
.wb-graph .wb-tooltip { position: absolute; pointer-events: none; background: #fff; border: 1px solid #8c959f;
  border-radius: 4px; padding: 4px 8px; box-shadow: 0 2px 6px rgba(0,0,0,.15); font-size: 11px;
  max-width: 520px; white-space: pre-wrap; font-family: var(--jp-code-font-family, monospace); display: none; z-index: 10; }
`;
function prepare(data) {
  const S2 = data.strings || [];
  const str = (i) => typeof i === "number" ? S2[i] ?? "" : i ?? "";
  const rows = data.regions || [];
  const regionId = (i) => typeof i === "number" ? rows[i] ? rows[i][0] : null : i ?? null;
  const nodes = (data.nodes || []).map((r, i) => ({
    index: i,
    id: r[0],
    kind: str(r[1]),
    primitive: r[2],
    name: str(r[3]),
    phase: str(r[4]),
    region: regionId(r[5]),
    inputs: (r[6] || []).map(str),
    outputs: (r[7] || []).map(str),
    source: str(r[8]),
    stack: str(r[9]),
    bytes: r[10]
  }));
  const regions = /* @__PURE__ */ new Map();
  let root = null;
  for (const r of rows) {
    const reg = { id: r[0], kind: str(r[1]), label: r[2], parent: regionId(r[3]), phase: str(r[4]), source: str(r[5]), bytes: r[6], count: 0, first: Infinity };
    regions.set(reg.id, reg);
    if (reg.parent === null && root === null) root = reg.id;
  }
  for (const n of nodes) {
    let rid = n.region;
    while (rid !== null && rid !== void 0) {
      const reg = regions.get(rid);
      if (!reg) break;
      reg.count += 1;
      if (n.index < reg.first) reg.first = n.index;
      rid = reg.parent;
    }
  }
  const edges = (data.edges || []).map((e) => ({ s: e[0], t: e[1], k: e[2], aval: str(e[3]) }));
  return { nodes, regions, edges, root };
}
function label(n) {
  if (n.kind === "op") return n.primitive;
  if (n.kind === "constant") return "const";
  return n.name ? `${n.kind === "argument" ? "arg" : "out"} ${n.name}` : n.kind;
}
function textWidth(t) {
  return Math.max(44, Math.min(260, 7 * t.length + 16));
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
      const lab = label(n);
      leaves.set(key, { key, type: "node", node: n, parent: clusterOf(n.region), order: n.index, label: lab, width: textWidth(lab) });
    } else {
      key = "r:" + r;
      if (!leaves.has(key)) {
        const reg = G.regions.get(r);
        const lab = `\u25B8 ${reg.label} (${reg.count})`;
        leaves.set(key, { key, type: "region", region: reg, parent: clusterOf(reg.parent), order: reg.first, label: lab, width: textWidth(lab) });
      }
    }
    keyOf[n.index] = key;
  }
  const clusters = /* @__PURE__ */ new Map();
  for (const leaf of leaves.values()) {
    let c = leaf.parent;
    while (c !== null && !clusters.has(c)) {
      const reg = G.regions.get(c.slice(2));
      clusters.set(c, { key: c, region: reg, parent: clusterOf(reg.parent) });
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
    if (m) m.count += 1;
    else merged.set(id, { a, b, k: e.k, count: 1 });
  }
  return { leaves, clusters, edges: [...merged.values()], keyOf };
}
function layoutDagre(V2) {
  const g = new Uo.graphlib.Graph({ compound: true });
  g.setGraph({ rankdir: "TB", nodesep: 14, ranksep: 26, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const c of V2.clusters.values()) g.setNode(c.key, { paddingTop: 18 });
  for (const c of V2.clusters.values()) if (c.parent) g.setParent(c.key, c.parent);
  for (const l of V2.leaves.values()) {
    g.setNode(l.key, { width: l.width, height: NODE_H });
    if (l.parent) g.setParent(l.key, l.parent);
  }
  for (const e of V2.edges) g.setEdge(e.a, e.b);
  Uo.layout(g);
  const pos = /* @__PURE__ */ new Map();
  for (const l of V2.leaves.values()) pos.set(l.key, g.node(l.key));
  for (const c of V2.clusters.values()) pos.set(c.key, g.node(c.key));
  const paths = /* @__PURE__ */ new Map();
  for (const e of g.edges()) paths.set(`${e.v}|${e.w}`, g.edge(e).points);
  return { pos, paths, engine: "dagre" };
}
function rankLeaves(V2) {
  const leaves = [...V2.leaves.values()].sort((x, y) => x.order - y.order);
  const rank = /* @__PURE__ */ new Map();
  const preds = /* @__PURE__ */ new Map();
  for (const e of V2.edges) {
    const la = V2.leaves.get(e.a);
    const lb = V2.leaves.get(e.b);
    if (la.order >= lb.order) continue;
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
  return { leaves, rank, preds, ranks };
}
function layoutFast(V2, R) {
  const { leaves, preds, ranks, rank } = R;
  const pos = /* @__PURE__ */ new Map();
  const gapX = 14;
  const gapY = 26;
  ranks.forEach((row, r) => {
    if (r > 0) {
      const bary = (l) => {
        const ps = preds.get(l.key) || [];
        if (!ps.length) return Infinity;
        return ps.reduce((acc, p) => acc + pos.get(p).x, 0) / ps.length;
      };
      row = row.map((l) => [bary(l), l]).sort((x2, y) => x2[0] - y[0]).map((x2) => x2[1]);
    }
    let x = 12;
    for (const l of row) {
      pos.set(l.key, { x: x + l.width / 2, y: 12 + r * (NODE_H + gapY) + NODE_H / 2, width: l.width, height: NODE_H });
      x += l.width + gapX;
    }
  });
  const depth = (c) => {
    let d = 0;
    for (let p = c.parent; p; p = V2.clusters.get(p).parent) d += 1;
    return d;
  };
  const boxes = /* @__PURE__ */ new Map();
  const grow = (key, b) => {
    const cur = boxes.get(key);
    if (!cur) boxes.set(key, { ...b });
    else {
      cur.x0 = Math.min(cur.x0, b.x0);
      cur.y0 = Math.min(cur.y0, b.y0);
      cur.x1 = Math.max(cur.x1, b.x1);
      cur.y1 = Math.max(cur.y1, b.y1);
    }
  };
  for (const l of leaves) {
    const p = pos.get(l.key);
    if (l.parent) grow(l.parent, { x0: p.x - p.width / 2, y0: p.y - NODE_H / 2, x1: p.x + p.width / 2, y1: p.y + NODE_H / 2 });
  }
  const cs = [...V2.clusters.values()].sort((a, b) => depth(b) - depth(a));
  for (const c of cs) {
    const b = boxes.get(c.key) || { x0: 0, y0: 0, x1: 40, y1: 20 };
    const padded = { x0: b.x0 - 6, y0: b.y0 - 18, x1: b.x1 + 6, y1: b.y1 + 6 };
    pos.set(c.key, { x: (padded.x0 + padded.x1) / 2, y: (padded.y0 + padded.y1) / 2, width: padded.x1 - padded.x0, height: padded.y1 - padded.y0 });
    if (c.parent) grow(c.parent, padded);
  }
  const depthMax = cs.length ? depth(cs[0]) + 1 : 0;
  const { paths, minX } = routeLongEdges(V2, rank, pos, 12 - 6 * depthMax, gapY);
  return { pos, paths, engine: "layered", minX };
}
function routeLongEdges(V2, rank, pos, left, gapY) {
  const paths = /* @__PURE__ */ new Map();
  let minX = Infinity;
  for (const e of V2.edges) {
    const d = rank.get(e.b) - rank.get(e.a);
    if (d === 1) continue;
    const a = pos.get(e.a);
    const b = pos.get(e.b);
    const lane = left - 10 - 5 * Math.log2(Math.abs(d) + 1);
    const ya = a.y + a.height / 2;
    const yb = b.y - b.height / 2;
    paths.set(`${e.a}|${e.b}`, [
      { x: a.x, y: ya },
      { x: a.x, y: ya + gapY / 2 },
      { x: lane, y: ya + gapY / 2 },
      { x: lane, y: yb - gapY / 2 },
      { x: b.x, y: yb - gapY / 2 },
      { x: b.x, y: yb }
    ]);
    minX = Math.min(minX, lane);
  }
  return { paths, minX };
}
function layout(V2) {
  const R = rankLeaves(V2);
  let size = V2.leaves.size + V2.clusters.size;
  for (const e of V2.edges) size += Math.max(0, Math.abs(R.rank.get(e.b) - R.rank.get(e.a)) - 1);
  if (size <= DAGRE_LIMIT) {
    try {
      return layoutDagre(V2);
    } catch (err) {
      console.warn("workbench graph: dagre failed, using the layered layout", err);
    }
  }
  return layoutFast(V2, R);
}
function roundedPath(pts, radius) {
  const f = (p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  let d = `M${f(pts[0])}`;
  for (let i = 1; i < pts.length - 1; i += 1) {
    const [A2, P2, B] = [pts[i - 1], pts[i], pts[i + 1]];
    const la = Math.hypot(A2.x - P2.x, A2.y - P2.y);
    const lb = Math.hypot(B.x - P2.x, B.y - P2.y);
    const r = Math.min(radius, la / 2, lb / 2);
    if (r < 0.5) {
      d += `L${f(P2)}`;
      continue;
    }
    const p1 = { x: P2.x + (A2.x - P2.x) * r / la, y: P2.y + (A2.y - P2.y) * r / la };
    const p2 = { x: P2.x + (B.x - P2.x) * r / lb, y: P2.y + (B.y - P2.y) * r / lb };
    d += `L${f(p1)}Q${f(P2)} ${f(p2)}`;
  }
  return pts.length > 1 ? `${d}L${f(pts[pts.length - 1])}` : d;
}
function edgePath(e, L) {
  const pts = L.paths.get(`${e.a}|${e.b}`);
  if (pts && pts.length && L.engine === "layered") return roundedPath(pts, 8);
  if (pts && pts.length) return "M" + pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("L");
  const a = L.pos.get(e.a);
  const b = L.pos.get(e.b);
  return `M${a.x.toFixed(1)},${(a.y + a.height / 2).toFixed(1)}L${b.x.toFixed(1)},${(b.y - b.height / 2).toFixed(1)}`;
}
var uid = 0;
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
function render({ model, el }) {
  uid += 1;
  const me2 = `wbg${uid}`;
  const root = h("div", "wb-graph", el);
  h("style", null, root, STYLE);
  const bar = h("div", "wb-toolbar", root);
  const title = h("span", "wb-title", bar);
  const search = h("input", "wb-search", bar);
  search.type = "search";
  search.placeholder = "search by name\u2026";
  const matches = h("span", "wb-matches", bar);
  const modes = {};
  for (const m of ["both", "forward", "backward"]) {
    const b = h("button", "wb-edges-mode", bar, m === "both" ? "both passes" : `${m} only`);
    b.dataset.edges = m;
    b.addEventListener("click", () => {
      model.set("edges", m);
      model.save_changes();
    });
    modes[m] = b;
  }
  const fitBtn = h("button", "wb-fit", bar, "fit");
  const expandAll = h("button", "wb-expand-all", bar, "expand all");
  const collapseAll = h("button", "wb-collapse-all", bar, "collapse all");
  const legend = h("span", "wb-legend", bar);
  for (const [k, name] of [["f", "forward"], ["b", "backward"], ["r", "residual"]]) {
    const sp = h("span", null, legend, `\u2014 ${name}`);
    sp.style.color = COLORS[k];
  }
  const status = h("span", "wb-status", bar);
  const canvas = s("svg", { class: "wb-canvas" }, root);
  s("title", {}, canvas).textContent = "drag to pan, wheel to zoom; click a region to open or close it";
  const defs = s("defs", {}, canvas);
  for (const k of Object.keys(COLORS)) {
    const m = s("marker", { id: `${me2}-arrow-${k}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, defs);
    s("path", { d: "M0,0L10,5L0,10z", fill: COLORS[k] }, m);
  }
  const view = s("g", { class: "wb-viewport" }, canvas);
  const tip = h("div", "wb-tooltip", root);
  let G = prepare(model.get("graph") || {});
  let V2 = null;
  let L = null;
  let vp = { x: 0, y: 0, k: 1 };
  let saveTimer = null;
  let focus = (model.get("viewport") || {}).focus || "";
  let pendingFocus = false;
  const highlightKey = () => JSON.stringify(model.get("highlight") || []);
  const applyViewport = () => view.setAttribute("transform", `translate(${vp.x},${vp.y}) scale(${vp.k})`);
  const writeViewport = () => {
    saveTimer = null;
    model.set("viewport", { x: vp.x, y: vp.y, k: vp.k, focus });
    model.save_changes();
  };
  const saveViewport = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(writeViewport, 250);
  };
  const fit = () => {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const p of L.pos.values()) {
      x0 = Math.min(x0, p.x - p.width / 2);
      y0 = Math.min(y0, p.y - p.height / 2);
      x1 = Math.max(x1, p.x + p.width / 2);
      y1 = Math.max(y1, p.y + p.height / 2);
    }
    if (!isFinite(x0)) return;
    if (L.minX !== void 0) x0 = Math.min(x0, L.minX - 4);
    const W2 = canvas.clientWidth || 900;
    const H2 = canvas.clientHeight || 560;
    const w = x1 - x0 + 1;
    const hh = y1 - y0 + 1;
    const whole = 0.95 * Math.min(W2 / w, H2 / hh);
    if (whole >= 0.6) {
      const k = Math.min(1.5, whole);
      vp = { k, x: (W2 - k * (x1 + x0)) / 2, y: (H2 - k * (y1 + y0)) / 2 };
    } else {
      const k = Math.max(0.6, Math.min(1, 0.95 * W2 / w));
      let cx = (x0 + x1) / 2;
      if (w * k > W2) {
        let top = null;
        for (const l of V2.leaves.values()) {
          const p = L.pos.get(l.key);
          if (p && (top === null || p.y < top.y)) top = p;
        }
        if (top) cx = top.x;
      }
      vp = { k, x: W2 / 2 - k * cx, y: 8 - k * y0 };
    }
    applyViewport();
  };
  const setExpanded = (ids) => {
    model.set("expanded", ids);
    model.save_changes();
  };
  const toggle = (rid, open) => {
    const cur = new Set(model.get("expanded") || []);
    if (open) cur.add(rid);
    else cur.delete(rid);
    setExpanded([...cur]);
  };
  const showTip = (ev, lines) => {
    tip.textContent = lines.filter((x) => x).join("\n");
    tip.style.display = "block";
    const box = root.getBoundingClientRect();
    tip.style.left = `${ev.clientX - box.left + 14}px`;
    tip.style.top = `${ev.clientY - box.top + 14}px`;
  };
  const hideTip = () => {
    tip.style.display = "none";
  };
  const nodeLines = (n) => [
    n.kind === "op" ? `${n.primitive}  (${n.id})` : `${n.kind} ${n.name}  (${n.id})`,
    n.inputs.length ? `in:  ${n.inputs.join(", ")}` : "",
    n.outputs.length ? `out: ${n.outputs.join(", ")}` : "",
    `phase: ${n.phase}`,
    n.source ? `source: ${n.source}` : "",
    n.stack ? `name stack: ${n.stack}` : "",
    n.bytes ? `kept for the backward pass: ${formatBytes(n.bytes)}` : ""
  ];
  const regionLines = (r) => [
    `${r.label}  [${r.kind}]  (${r.id})`,
    `${r.count} nodes inside; click to ${"expand / collapse"}`,
    `phase: ${r.phase}`,
    r.source ? `source: ${r.source}` : "",
    r.bytes ? `kept for the backward pass: ${formatBytes(r.bytes)}` : ""
  ];
  let dragged = false;
  const draw = () => {
    const t0 = performance.now();
    hideTip();
    V2 = visibleGraph(G, new Set(model.get("expanded") || []));
    L = layout(V2);
    const t1 = performance.now();
    view.textContent = "";
    const gClusters = s("g", { class: "wb-clusters" }, view);
    const gEdges = s("g", { class: "wb-edges" }, view);
    const gNodes = s("g", { class: "wb-nodes" }, view);
    const depth = (c) => {
      let d = 0;
      for (let p = c.parent; p; p = V2.clusters.get(p).parent) d += 1;
      return d;
    };
    for (const c of [...V2.clusters.values()].sort((a, b) => depth(a) - depth(b))) {
      const p = L.pos.get(c.key);
      if (!p) continue;
      const g = s("g", { class: "wb-cluster", "data-region": c.region.id }, gClusters);
      s("rect", { class: "wb-box", x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height, rx: 6 }, g);
      const lab = `\u25BE ${c.region.label}`;
      const head = s("rect", { class: "wb-head", x: p.x - p.width / 2, y: p.y - p.height / 2, width: Math.min(p.width, textWidth(lab) * 0.9), height: 14, rx: 3 }, g);
      const t = s("text", { x: p.x - p.width / 2 + 4, y: p.y - p.height / 2 + 11 }, g);
      t.textContent = lab;
      head.addEventListener("click", (ev) => {
        ev.stopPropagation();
        if (!dragged) toggle(c.region.id, false);
      });
      head.addEventListener("pointerenter", (ev) => showTip(ev, regionLines(c.region)));
      head.addEventListener("pointerleave", hideTip);
    }
    for (const e of V2.edges) {
      s("path", { class: `wb-edge wb-e-${e.k}`, d: edgePath(e, L), stroke: COLORS[e.k], "marker-end": `url(#${me2}-arrow-${e.k})` }, gEdges);
    }
    for (const l of V2.leaves.values()) {
      const p = L.pos.get(l.key);
      const g = s("g", { class: "wb-node", "data-key": l.key, transform: `translate(${p.x - l.width / 2},${p.y - NODE_H / 2})` }, gNodes);
      s("rect", { width: l.width, height: NODE_H }, g);
      const t = s("text", { x: 6, y: 13 }, g);
      t.textContent = l.label;
      let bytes = 0;
      if (l.type === "node") {
        const n = l.node;
        g.dataset.id = n.id;
        g.dataset.kind = n.kind;
        g.dataset.phase = n.phase;
        g.dataset.primitive = n.primitive;
        bytes = n.bytes;
        g.addEventListener("pointerenter", (ev) => showTip(ev, nodeLines(n)));
      } else {
        const r = l.region;
        g.classList.add("wb-collapsed");
        g.dataset.region = r.id;
        g.dataset.phase = r.phase;
        bytes = r.bytes;
        g.addEventListener("pointerenter", (ev) => showTip(ev, regionLines(r)));
        g.addEventListener("click", (ev) => {
          ev.stopPropagation();
          if (!dragged) toggle(r.id, true);
        });
      }
      g.addEventListener("pointerleave", hideTip);
      if (bytes) {
        const b = s("text", { class: "wb-bytes", x: 6, y: 25 }, g);
        b.textContent = `residual ${formatBytes(bytes)}`;
      }
    }
    const saved = model.get("viewport") || {};
    if (typeof saved.k === "number" && saved.k > 0) {
      vp = { x: saved.x || 0, y: saved.y || 0, k: saved.k };
      applyViewport();
    } else {
      fit();
    }
    applySearch();
    applyEdges();
    applyHighlight();
    if (pendingFocus) {
      pendingFocus = false;
      panNow(highlightTargets(G, model.get("highlight")));
    }
    const t2 = performance.now();
    const total = G.nodes.length;
    title.textContent = (model.get("graph") || {}).title || "";
    status.textContent = `${total} nodes, ${G.edges.length} edges; showing ${V2.leaves.size} boxes in ${V2.clusters.size} open regions (${L.engine}, ${Math.round(t2 - t0)} ms)`;
    root.dataset.nodes = String(total);
    root.dataset.visible = String(V2.leaves.size);
    root.dataset.layoutMs = String(Math.round(t1 - t0));
    root.dataset.drawMs = String(Math.round(t2 - t0));
    root.dataset.engine = L.engine;
    root.dataset.ready = String(Number(root.dataset.ready || "0") + 1);
  };
  const applySearch = () => {
    const q2 = (model.get("search") || "").trim().toLowerCase();
    if (search.value.trim().toLowerCase() !== q2) search.value = model.get("search") || "";
    const hit = /* @__PURE__ */ new Set();
    let count = 0;
    if (q2) {
      for (const n of G.nodes) {
        const text = `${n.primitive} ${n.name} ${n.id}`.toLowerCase();
        if (text.includes(q2)) {
          count += 1;
          hit.add(V2.keyOf[n.index]);
        }
      }
      for (const r of G.regions.values()) {
        if (r.id !== G.root && r.label.toLowerCase().includes(q2)) {
          count += 1;
          hit.add("c:" + r.id);
          hit.add("r:" + r.id);
        }
      }
    }
    for (const g of view.querySelectorAll(".wb-node")) {
      g.classList.toggle("wb-match", hit.has(g.dataset.key));
    }
    for (const g of view.querySelectorAll(".wb-cluster")) g.classList.toggle("wb-match", hit.has("c:" + g.dataset.region));
    matches.textContent = q2 ? `${count} match${count === 1 ? "" : "es"}` : "";
    root.dataset.matches = String(count);
  };
  const applyHighlight = () => {
    const T2 = highlightTargets(G, model.get("highlight"));
    const keys = /* @__PURE__ */ new Set();
    for (const i of T2.nodes) keys.add(V2.keyOf[i]);
    for (const r of T2.regions) keys.add("r:" + r);
    let count = 0;
    for (const g of view.querySelectorAll(".wb-node")) {
      const on2 = keys.has(g.dataset.key);
      g.classList.toggle("wb-highlight", on2);
      if (on2) g.dataset.highlight = "true";
      else delete g.dataset.highlight;
      count += on2 ? 1 : 0;
    }
    for (const g of view.querySelectorAll(".wb-cluster")) {
      const on2 = T2.regions.has(g.dataset.region);
      g.classList.toggle("wb-highlight", on2);
      if (on2) g.dataset.highlight = "true";
      else delete g.dataset.highlight;
      count += on2 ? 1 : 0;
    }
    root.dataset.highlighted = String(count);
    return { T: T2, keys };
  };
  const panToHighlight = (keys, T2) => {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    const boxes = [...keys].map((k2) => L.pos.get(k2));
    for (const r of T2.regions) boxes.push(L.pos.get("c:" + r));
    for (const p of boxes) {
      if (!p) continue;
      x0 = Math.min(x0, p.x - p.width / 2);
      y0 = Math.min(y0, p.y - p.height / 2);
      x1 = Math.max(x1, p.x + p.width / 2);
      y1 = Math.max(y1, p.y + p.height / 2);
    }
    const W2 = canvas.clientWidth;
    const H2 = canvas.clientHeight;
    if (!isFinite(x0) || !W2 || !H2) return false;
    let k = vp.k;
    const need = Math.min(W2 / (x1 - x0 + 40), H2 / (y1 - y0 + 40));
    if (need < k) k = Math.max(0.05, need);
    if (k < 0.6 && need >= 0.6) k = 0.6;
    vp = { k, x: W2 / 2 - k * (x0 + x1) / 2, y: H2 / 2 - k * (y0 + y1) / 2 };
    applyViewport();
    return true;
  };
  const focusHighlight = () => {
    const ids = model.get("highlight") || [];
    focus = highlightKey();
    if (!ids.length) {
      applyHighlight();
      return;
    }
    const T2 = highlightTargets(G, ids);
    const cur = new Set(model.get("expanded") || []);
    const missing = [...T2.open].filter((r) => !cur.has(r));
    if (missing.length) {
      pendingFocus = true;
      setExpanded([...cur, ...missing]);
      return;
    }
    panNow(T2);
  };
  const panNow = (T2) => {
    const { keys } = applyHighlight();
    if (panToHighlight(keys, T2)) {
      clearTimeout(saveTimer);
      writeViewport();
    } else {
      focus = "";
    }
  };
  const applyEdges = () => {
    const m = model.get("edges") || "both";
    root.dataset.edges = m;
    for (const [k, b] of Object.entries(modes)) b.classList.toggle("wb-active", k === m);
  };
  let start = null;
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    start = { x: ev.clientX, y: ev.clientY, vx: vp.x, vy: vp.y };
    dragged = false;
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!start) return;
    const dx = ev.clientX - start.x;
    const dy = ev.clientY - start.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!dragged) {
      dragged = true;
      canvas.classList.add("wb-dragging");
      canvas.setPointerCapture(ev.pointerId);
    }
    vp = { ...vp, x: start.vx + dx, y: start.vy + dy };
    applyViewport();
  });
  const endDrag = () => {
    if (start && dragged) saveViewport();
    start = null;
    canvas.classList.remove("wb-dragging");
    setTimeout(() => {
      dragged = false;
    }, 0);
  };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  canvas.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const box = canvas.getBoundingClientRect();
      const px = ev.clientX - box.left;
      const py = ev.clientY - box.top;
      const k = Math.max(0.02, Math.min(8, vp.k * Math.exp(-ev.deltaY * 15e-4)));
      vp = { k, x: px - (px - vp.x) * k / vp.k, y: py - (py - vp.y) * k / vp.k };
      applyViewport();
      saveViewport();
    },
    { passive: false }
  );
  fitBtn.addEventListener("click", () => {
    fit();
    saveViewport();
  });
  expandAll.addEventListener("click", () => setExpanded([...G.regions.keys()].filter((r) => r !== G.root)));
  collapseAll.addEventListener("click", () => setExpanded([]));
  search.addEventListener("input", () => {
    model.set("search", search.value);
    model.save_changes();
  });
  const onGraph = () => {
    G = prepare(model.get("graph") || {});
    draw();
  };
  const onViewport = () => {
    const saved = model.get("viewport") || {};
    if (typeof saved.k === "number" && saved.k > 0 && (saved.x !== vp.x || saved.y !== vp.y || saved.k !== vp.k)) {
      vp = { x: saved.x || 0, y: saved.y || 0, k: saved.k };
      applyViewport();
    }
  };
  const onHighlight = () => {
    if (V2) focusHighlight();
  };
  const firstDraw = () => {
    draw();
    if ((model.get("highlight") || []).length && focus !== highlightKey()) focusHighlight();
  };
  model.on("change:graph", onGraph);
  model.on("change:expanded", draw);
  model.on("change:search", applySearch);
  model.on("change:edges", applyEdges);
  model.on("change:viewport", onViewport);
  model.on("change:highlight", onHighlight);
  const frame = requestAnimationFrame(firstDraw);
  return () => {
    cancelAnimationFrame(frame);
    if (saveTimer !== null) {
      clearTimeout(saveTimer);
      writeViewport();
    }
    model.off("change:graph", onGraph);
    model.off("change:expanded", draw);
    model.off("change:search", applySearch);
    model.off("change:edges", applyEdges);
    model.off("change:viewport", onViewport);
    model.off("change:highlight", onHighlight);
    root.remove();
  };
}
var index_default = { render };
export {
  index_default as default,
  highlightTargets,
  layout,
  prepare,
  render,
  roundedPath,
  visibleGraph
};
