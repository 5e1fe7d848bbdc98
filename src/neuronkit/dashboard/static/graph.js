// The network as an SVG graph: layers as columns of neurons, synapses coloured by sign and sized by |w|.
// Elements are built once per structure (layers, shown neurons, width) and only restyled on each update.
// For 2-D data each hidden neuron's response map is a small canvas over its node (in the #maps overlay).

import { arr, b64bytes, diverging, divergingLut, el, paintBytes, rgb, svg } from "./util.js";

const POS = "#2f6fde";
const NEG = "#e8710a";

export class GraphView {
  constructor(svgEl, overlayEl, handlers) {
    this.svg = svgEl;
    this.overlay = overlayEl;
    this.h = handlers; // {onClick(layer, index), onPage(layer, page), onHover(text)}
    this.key = null;
    this.nodes = new Map(); // "layer:index" -> {circle, x, y, r, map}
    this.lines = []; // per layer: [{line, li, j, i}]
    this.selected = null;
  }

  structureKey(graph, withMaps, width) {
    const parts = arr(graph.layers).map((l) => `${l.name}|${l.kind}|${l.units}|${l.page}|${l.pages}|${arr(l.shown).join(",")}|${l.w ? 1 : 0}`);
    return `${Math.round(width / 8)}#${withMaps ? 1 : 0}#${parts.join(";")}`;
  }

  /** Draw `graph` (GRAPH), painting `maps` (MAPS) when given; `is2d` keeps room for maps on frames without
   * them; `outputLabels` names the output neurons (the class names). Returns false when there is nothing to draw. */
  render(graph, maps, is2d = false, outputLabels = null) {
    this.outputLabels = Array.isArray(outputLabels) ? outputLabels : null;
    if (!graph || !Array.isArray(graph.layers) || !graph.layers.length) return false;
    const width = Math.max(320, this.svg.clientWidth || this.svg.parentElement.clientWidth || 600);
    const withMaps = is2d || Boolean(maps && maps.neurons);
    const key = `${this.structureKey(graph, withMaps, width)}#${this.outputLabels ? this.outputLabels.join("|") : ""}`;
    if (key !== this.key) { this.build(graph, withMaps, width); this.key = key; }
    this.restyle(graph);
    if (maps && maps.neurons) this.paintMaps(maps);
    return true;
  }

  build(graph, withMaps, width) {
    const layers = graph.layers;
    this.svg.replaceChildren();
    this.overlay.replaceChildren();
    this.nodes.clear();
    this.lines = [];
    const maxShown = Math.max(1, ...layers.map((l) => arr(l.shown).length));
    const hasInputLabels = layers[0] && arr(layers[0].labels).length > 0;
    const left = hasInputLabels ? 84 : 60;
    const right = 72; // room for the last layer's centred label ("Dense · 10 · softmax")
    const top = 62;
    const rowH = withMaps ? Math.max(44, Math.min(52, 560 / maxShown)) : Math.max(24, Math.min(34, 520 / maxShown));
    const height = top + maxShown * rowH + 12;
    this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.svg.setAttribute("height", String(height));
    this.overlay.style.height = `${height}px`;
    const span = width - left - right;
    const xAt = (li) => (layers.length === 1 ? left + span / 2 : left + (li * span) / (layers.length - 1));

    const gSyn = svg("g", { class: "synapses" });
    const gNeu = svg("g", { class: "neurons" });
    const gLab = svg("g", { class: "labels" });
    this.svg.append(gSyn, gNeu, gLab);

    const pos = layers.map((layer, li) => {
      const shown = arr(layer.shown);
      const y0 = top + ((maxShown - shown.length) * rowH) / 2 + rowH / 2;
      const isHidden = li > 0 && li < layers.length - 1;
      const r = withMaps && isHidden ? Math.min(20, rowH / 2 - 3) : Math.min(10, rowH / 2 - 3);
      return shown.map((index, j) => ({ index, x: xAt(li), y: y0 + j * rowH, r, isHidden }));
    });

    layers.forEach((layer, li) => {
      const x = xAt(li);
      const title = svg("text", { class: "layer-label", x, y: 14 });
      title.textContent = layer.name;
      const sub = svg("text", { class: "layer-sub", x, y: 28 });
      // "40 · tanh" for Dense layers; other kinds say what they are ("Conv2d · 4 · relu")
      const gap = layers.length > 1 ? span / (layers.length - 1) : span;
      const parts = [layer.kind !== "Input" && layer.kind !== "Dense" ? layer.kind : null, `${layer.units}`, layer.activation];
      sub.textContent = parts.filter(Boolean).join(" · ");
      if (gap < 96) sub.textContent = `${layer.units}`;
      const tip = svg("title");
      tip.textContent = [layer.name, layer.kind, `${layer.units} units`, layer.activation].filter(Boolean).join(" · ");
      title.append(tip);
      gLab.append(title, sub);
      if ((layer.pages || 1) > 1) this.addPager(layer, x);

      // synapses from the previous layer's shown neurons
      if (li > 0 && Array.isArray(layer.w)) {
        const prev = pos[li - 1];
        pos[li].forEach((p, j) => {
          const row = layer.w[j];
          if (!Array.isArray(row)) return;
          prev.forEach((q, i) => {
            if (i >= row.length) return;
            const line = svg("line", { class: "synapse", x1: q.x + q.r, y1: q.y, x2: p.x - p.r, y2: p.y });
            gSyn.append(line);
            this.lines.push({ line, li, j, i });
          });
        });
      }

      pos[li].forEach((p, j) => {
        const name = layer.kind === "Input" ? `${layer.name}[${p.index}]` : `${layer.name}[${p.index}]`;
        const c = svg("circle", {
          class: "neuron", cx: p.x, cy: p.y, r: p.r, "data-layer": layer.name, "data-index": p.index,
          tabindex: layer.kind === "Input" ? -1 : 0, role: layer.kind === "Input" ? "img" : "button", "aria-label": name,
        });
        const t = svg("title");
        t.textContent = name;
        c.append(t);
        const label = arr(layer.labels)[j];
        c.addEventListener("mouseenter", () => this.h.onHover(this.describe(layer.name, p.index)));
        c.addEventListener("mouseleave", () => this.h.onHover(""));
        if (layer.kind !== "Input") {
          c.addEventListener("click", () => this.h.onClick(layer.name, p.index));
          c.addEventListener("keydown", (e) => {
            if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.h.onClick(layer.name, p.index); }
          });
        }
        gNeu.append(c);
        if (li === 0 && label !== undefined) {
          const tx = svg("text", { class: "input-label", x: p.x - p.r - 6, y: p.y });
          tx.textContent = String(label);
          gLab.append(tx);
        }
        const outName = li === layers.length - 1 && li > 0 && this.outputLabels && this.outputLabels.length === layer.units
          ? this.outputLabels[p.index] : undefined;
        if (outName !== undefined) {
          const tx = svg("text", { class: "output-label", x: p.x + p.r + 6, y: p.y });
          tx.textContent = String(outName).slice(0, 12);
          gLab.append(tx);
        }
        let map = null;
        if (withMaps && p.isHidden) {
          const size = 2 * p.r - 4;
          map = el("canvas", {
            class: "map", "data-layer": layer.name, "data-index": p.index, width: 8, height: 8,
            style: { left: `${p.x - size / 2}px`, top: `${p.y - size / 2}px`, width: `${size}px`, height: `${size}px` },
          });
          this.overlay.append(map);
        }
        this.nodes.set(`${layer.name}:${p.index}`, { circle: c, title: t, map, layer: layer.name, index: p.index, label });
      });
    });
    this.applySelection();
  }

  addPager(layer, x) {
    const shown = arr(layer.shown);
    const first = shown.length ? shown[0] + 1 : 0;
    const last = shown.length ? shown[shown.length - 1] + 1 : 0;
    const prev = el("button", { type: "button", "aria-label": `Previous neurons of ${layer.name}`, text: "‹" });
    const next = el("button", { type: "button", "aria-label": `Next neurons of ${layer.name}`, text: "›" });
    prev.disabled = layer.page <= 0;
    next.disabled = layer.page >= layer.pages - 1;
    prev.addEventListener("click", () => this.h.onPage(layer.name, layer.page - 1));
    next.addEventListener("click", () => this.h.onPage(layer.name, layer.page + 1));
    const text = el("span", { class: "pager-text", text: `${first}-${last} of ${layer.units}` });
    const box = el("div", { class: "pager", "data-layer": layer.name, style: { left: `${x}px`, top: "34px" } }, prev, text, next);
    this.overlay.append(box);
  }

  restyle(graph) {
    this.stats = new Map();
    for (const layer of graph.layers) {
      const shown = arr(layer.shown);
      const acts = arr(layer.mean_act);
      const flags = arr(layer.flags);
      const bias = arr(layer.b);
      shown.forEach((index, j) => {
        const node = this.nodes.get(`${layer.name}:${index}`);
        if (!node) return;
        const a = acts[j];
        node.circle.setAttribute("fill", Number.isFinite(a) ? rgb(diverging(Math.tanh(a))) : "#f3f4f6");
        const f = arr(flags[j]);
        node.circle.classList.toggle("dead", f.includes("dead"));
        node.circle.classList.toggle("saturated", f.includes("saturated"));
        this.stats.set(`${layer.name}:${index}`, { mean: a, bias: bias[j], flags: f, label: node.label });
      });
    }
    const byLayer = graph.layers;
    for (const s of this.lines) {
      const layer = byLayer[s.li];
      const w = layer.w && layer.w[s.j] ? layer.w[s.j][s.i] : null;
      if (!Number.isFinite(w)) { s.line.setAttribute("stroke-opacity", "0"); continue; }
      const m = layer.w_absmax > 0 ? Math.min(1, Math.abs(w) / layer.w_absmax) : 0;
      s.line.setAttribute("stroke", w >= 0 ? POS : NEG);
      s.line.setAttribute("stroke-width", (0.4 + 4.6 * m).toFixed(2));
      s.line.setAttribute("stroke-opacity", (0.15 + 0.75 * m).toFixed(2));
    }
  }

  paintMaps(maps) {
    const grid = maps.grid;
    for (const [layer, list] of Object.entries(maps.neurons || {})) {
      for (const m of arr(list)) {
        const node = this.nodes.get(`${layer}:${m.index}`);
        if (!node || !node.map) continue;
        paintBytes(node.map, b64bytes(m.data), grid, divergingLut(m.min, m.max));
      }
    }
  }

  describe(layer, index) {
    const s = this.stats && this.stats.get(`${layer}:${index}`);
    const parts = [`${layer}[${index}]`];
    if (s && s.label !== undefined) parts.push(String(s.label));
    if (s && Number.isFinite(s.mean)) parts.push(`mean output ${Number(s.mean.toPrecision(3))}`);
    if (s && Number.isFinite(s.bias)) parts.push(`bias ${Number(s.bias.toPrecision(3))}`);
    if (s && s.flags && s.flags.length) parts.push(s.flags.join(", "));
    return parts.join(" · ");
  }

  select(layer, index) {
    this.selected = layer === null ? null : `${layer}:${index}`;
    this.applySelection();
  }

  applySelection() {
    for (const [k, n] of this.nodes) n.circle.classList.toggle("selected", k === this.selected);
  }

  clear() {
    this.svg.replaceChildren();
    this.overlay.replaceChildren();
    this.nodes.clear();
    this.lines = [];
    this.key = null;
  }
}
