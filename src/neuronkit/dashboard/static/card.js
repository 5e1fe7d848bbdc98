// The neuron card: one neuron's numbers on one sample, its weights, health, top samples and attributions.

import { arr, b64bytes, divergingLut, el, flatten, fmt, isObj, paintBytes, paintMatrix, plotPoints } from "./util.js";

const MAX_BARS = 48;

export class CardView {
  constructor(root) {
    this.root = root;
    this.$ = (sel) => root.querySelector(sel);
  }

  field(name, value, digits = 6) {
    const node = this.root.querySelector(`[data-field="${name}"]`);
    if (!node) return;
    if (Array.isArray(value)) {
      node.textContent = value.map((v) => fmt(v, digits)).join(", ");
      node.dataset.value = JSON.stringify(value);
    } else {
      node.textContent = typeof value === "number" ? fmt(value, digits) : value === null || value === undefined ? "—" : String(value);
      if (typeof value === "number") node.dataset.value = String(value); else delete node.dataset.value;
    }
  }

  /** Show `card` (GET /api/neuron); `info` is hello.info (feature names, input shape, classes), `points`
   * hello.points (drawn over the neuron's response map). */
  show(card, info, points = null) {
    const ex = isObj(card.explanation) ? card.explanation : {};
    this.field("name", card.name || `${card.layer}[${card.index}]`);
    this.field("activation", card.activation || "—");
    this.field("bias", card.bias !== undefined ? card.bias : ex.bias);
    this.field("weighted_sum", ex.weighted_sum);
    this.field("z", ex.z);
    this.field("output", ex.output);
    this.field("firing_rate", card.firing_rate);
    const cost = isObj(card.cost) ? card.cost : null;  // per prediction: nk.inspect.cost (Horowitz 2014, 45 nm)
    this.field("cost", cost ? `${cost.macs} multiply-adds · ${cost.parameters} parameters · ~${fmt(cost.energy_pj, 3)} pJ` : null);
    this.$("#card-steps").textContent = typeof ex.text === "string" && ex.text ? ex.text : (ex.formula || "");

    const sample = isObj(card.sample) ? card.sample : {};
    const input = this.$("#card-sample");
    if (Number.isInteger(sample.index) && document.activeElement !== input) input.value = String(sample.index);
    const classes = arr(info && info.classes);
    const lab = sample.label;
    const labText = lab === null || lab === undefined ? "" : Number.isInteger(lab) && classes[lab] !== undefined ? classes[lab] : fmt(lab);
    this.$("#card-label").textContent = labText !== "" ? `label ${labText}${card.step !== undefined ? ` · step ${card.step}` : ""}` : "";

    this.flags(card.health);
    this.weights(card, info);
    this.tops(arr(card.top), info);
    this.attributions(card.attributions);
    this.maps(card, info, points);
  }

  flags(health) {
    const box = this.$("#card-flags");
    box.replaceChildren();
    if (!isObj(health)) return;
    const flags = arr(health.flags);
    if (!flags.length) box.append(el("span", { class: "flag", text: "healthy" }));
    for (const f of flags) box.append(el("span", { class: "flag warn", text: String(f) }));
    if (Number.isFinite(health.active_fraction)) box.append(el("span", { class: "flag", text: `active ${Math.round(health.active_fraction * 100)}%` }));
    if (Number.isFinite(health.mean)) box.append(el("span", { class: "flag", text: `mean ${fmt(health.mean, 3)} ± ${fmt(health.std, 3)}` }));
  }

  weights(card, info) {
    const values = flatten(arr(card.weights));
    const canvas = this.$("#card-wimage");
    const image = isObj(card.weights_image) ? card.weights_image : null;
    canvas.hidden = !(image && paintMatrix(canvas, values, image.shape));
    if (!canvas.hidden) { canvas.style.width = "160px"; canvas.style.height = `${Math.round(160 * canvas.height / canvas.width)}px`; }
    // weights from the inputs (the first Dense, possibly after Flatten) are named by the features
    const features = arr(info && info.feature_names);
    const names = values.length && values.length === features.length ? features : [];
    const rows = values.map((v, i) => ({ name: names[i] !== undefined ? names[i] : `w${i}`, value: v }));
    const shown = rows.length > MAX_BARS ? [...rows].sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, MAX_BARS) : rows;
    bars(this.$("#card-weights"), shown, rows.length > MAX_BARS ? `largest ${MAX_BARS} of ${rows.length} by |w|` : "");
  }

  tops(top, info) {
    const box = this.$("#card-top");
    box.replaceChildren();
    const shape = arr(info && (arr(info.input_shape).length === 3 ? info.input_shape : info.image_shape));
    const classes = arr(info && info.classes);
    for (const t of top) {
      if (!isObj(t)) continue;
      const tile = el("div", { class: "top", title: `sample ${t.index}` });
      if (Array.isArray(t.image) && t.image.length) {
        const c = el("canvas", { width: 8, height: 8 });
        if (paintMatrix(c, t.image, shape.length >= 2 ? shape.slice(-2) : null, { gray: true })) tile.append(c);
      }
      const label = Number.isInteger(t.label) && classes[t.label] !== undefined ? classes[t.label] : t.label;
      tile.append(el("b", { text: fmt(t.value, 3) }), el("span", { text: `#${t.index}${label !== undefined && label !== null ? ` · ${label}` : ""}` }));
      box.append(tile);
    }
    if (!box.childElementCount) box.append(el("span", { class: "muted small", text: "—" }));
  }

  attributions(attr) {
    const title = this.$("#card-attr-title");
    if (!isObj(attr)) { title.textContent = "Attributions"; bars(this.$("#card-attr"), [], ""); return; }
    title.textContent = attr.method ? `Attributions (${attr.method})` : "Attributions";
    const names = arr(attr.names);
    const rows = flatten(arr(attr.values)).map((v, i) => ({ name: names[i] !== undefined ? names[i] : `x${i}`, value: v }));
    const shown = rows.length > MAX_BARS ? [...rows].sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, MAX_BARS) : rows;
    bars(this.$("#card-attr"), shown, rows.length > MAX_BARS ? `largest ${MAX_BARS} of ${rows.length}` : "");
  }

  maps(card, info, points) {
    const wrap = this.$("#card-map-wrap");
    const m = isObj(card.map) ? card.map : null;
    const bytes = m ? b64bytes(m.data) : new Uint8Array(0);
    const grid = m ? m.grid || Math.round(Math.sqrt(bytes.length)) : 0;
    wrap.hidden = !(m && grid && bytes.length >= grid * grid);
    if (!wrap.hidden) {
      // the map at grid resolution, scaled smoothly onto a 200 px canvas, the training points on top
      this.mapGrid = this.mapGrid || document.createElement("canvas");
      paintBytes(this.mapGrid, bytes, grid, divergingLut(m.min, m.max));
      const c = this.$("#card-map");
      const dpr = window.devicePixelRatio || 1;
      const size = Math.round(200 * dpr);
      if (c.width !== size) { c.width = size; c.height = size; }
      c.style.width = "200px"; c.style.height = "200px"; c.style.imageRendering = "auto";
      const ctx = c.getContext("2d");
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.mapGrid, 0, 0, size, size);
      const classes = Array.isArray(info && info.classes);
      // dark rings: the map itself is orange and blue, like the first two classes
      plotPoints(ctx, size, m.extent, points, classes, 0, dpr * 0.75, "rgba(31,41,51,0.75)");
    }
    const fwrap = this.$("#card-fmap-wrap");
    const f = isObj(card.feature_map) ? card.feature_map : null;
    fwrap.hidden = !(f && paintMatrix(this.$("#card-fmap"), f.data, f.shape, { sequential: true }));
    if (!fwrap.hidden) { const c = this.$("#card-fmap"); c.style.width = "160px"; c.style.height = `${Math.round(160 * c.height / c.width)}px`; }
  }
}

/** A signed bar list: name, a bar from the centre (blue +, orange -), the value. */
export function bars(box, rows, note) {
  box.replaceChildren();
  const max = Math.max(1e-12, ...rows.map((r) => (Number.isFinite(r.value) ? Math.abs(r.value) : 0)));
  for (const r of rows) {
    const v = Number.isFinite(r.value) ? r.value : 0;
    const frac = (Math.abs(v) / max) * 50;
    const bar = el("div", {
      class: "bar",
      style: { left: v >= 0 ? "50%" : `${50 - frac}%`, width: `${frac}%`, background: v >= 0 ? "#2f6fde" : "#e8710a" },
    });
    box.append(el("span", { class: "name", title: String(r.name), text: String(r.name) }),
      el("div", { class: "track" }, bar), el("span", { class: "val", text: fmt(r.value, 4) }));
  }
  if (note) box.append(el("span", { class: "muted", style: { gridColumn: "1 / -1" }, text: note }));
  if (!rows.length) box.append(el("span", { class: "muted", text: "—" }));
}

