// Small shared helpers: colours, base64 decoding, number formatting, safe DOM building.

export const SVG_NS = "http://www.w3.org/2000/svg";

// Playground's colours: orange for negative, blue for positive, white in between.
const NEG = [232, 113, 10];
const POS = [47, 111, 222];
const MID = [247, 247, 247];

/** A colour for t in [-1, 1] on the orange-white-blue diverging map, as [r, g, b]. */
export function diverging(t) {
  if (!Number.isFinite(t)) return MID;
  const u = Math.max(-1, Math.min(1, t));
  const end = u < 0 ? NEG : POS;
  const a = Math.abs(u);
  return [MID[0] + (end[0] - MID[0]) * a, MID[1] + (end[1] - MID[1]) * a, MID[2] + (end[2] - MID[2]) * a];
}

export function rgb(c, alpha = 1) {
  const [r, g, b] = c.map((v) => Math.round(v));
  return alpha >= 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${alpha})`;
}

// A categorical palette for any number of classes (first ten: Tableau 10; then hues spaced by the golden angle).
const CATEGORICAL = [
  [78, 121, 167], [242, 142, 43], [225, 87, 89], [118, 183, 178], [89, 161, 79],
  [237, 201, 72], [176, 122, 161], [255, 157, 167], [156, 117, 95], [186, 176, 172],
];

export function classColor(index) {
  const k = Number.isFinite(index) ? Math.abs(Math.round(index)) : 0; // never undefined, whatever arrives
  if (k < CATEGORICAL.length) return CATEGORICAL[k];
  const h = (k * 137.508) % 360;
  return hslToRgb(h, 0.55, 0.55);
}

function hslToRgb(h, s, l) {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c]
    : h < 300 ? [x, 0, c] : [c, 0, x];
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255];
}

/** Base64 to bytes (maps arrive as base64 uint8). */
export function b64bytes(s) {
  if (typeof s !== "string" || !s) return new Uint8Array(0);
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A 256-entry RGBA table mapping a quantised byte (0..255 = min..max) onto the diverging map, 0 at white. */
export function divergingLut(min, max) {
  const lut = new Uint8ClampedArray(256 * 4);
  const lo = Number.isFinite(min) ? min : 0;
  const hi = Number.isFinite(max) ? max : 1;
  const scale = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  for (let b = 0; b < 256; b++) {
    const v = lo + (b / 255) * (hi - lo);
    const c = diverging(v / scale);
    lut[b * 4] = c[0]; lut[b * 4 + 1] = c[1]; lut[b * 4 + 2] = c[2]; lut[b * 4 + 3] = 255;
  }
  return lut;
}

/** Paint a G*G byte map onto `canvas` (its own G x G pixels; CSS scales it). Reuses the ImageData. */
export function paintBytes(canvas, bytes, grid, lut) {
  if (!canvas || !grid || bytes.length < grid * grid) return;
  if (canvas.width !== grid) { canvas.width = grid; canvas.height = grid; }
  const ctx = canvas.getContext("2d");
  let img = canvas._nkImage;
  if (!img || img.width !== grid) { img = ctx.createImageData(grid, grid); canvas._nkImage = img; }
  const d = img.data;
  for (let i = 0; i < grid * grid; i++) {
    const b = bytes[i] * 4;
    d[i * 4] = lut[b]; d[i * 4 + 1] = lut[b + 1]; d[i * 4 + 2] = lut[b + 2]; d[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Paint a small float matrix (flat or nested): diverging around 0 (weights), white to blue for values >= 0
 * (`sequential`, activations) or gray (`gray`, input images); returns false when the shape does not fit. */
export function paintMatrix(canvas, data, shape, { gray = false, sequential = false } = {}) {
  const flat = flatten(data);
  let [h, w] = Array.isArray(shape) && shape.length >= 2 ? shape.slice(-2) : [0, 0];
  if (!h || !w) {
    const s = Math.round(Math.sqrt(flat.length));
    if (s * s !== flat.length) return false;
    h = s; w = s;
  }
  if (flat.length < h * w || !canvas) return false;
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  let lo = Infinity; let hi = -Infinity;
  for (let i = 0; i < h * w; i++) { const v = flat[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  const scale = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  for (let i = 0; i < h * w; i++) {
    const v = flat[i];
    let c;
    if (gray) { const g = hi > lo ? 255 * (1 - (v - lo) / (hi - lo)) : 128; c = [g, g, g]; } // ink dark on paper
    else if (sequential && lo >= 0) c = diverging(hi > 0 ? v / hi : 0); // activations >= 0: white to blue
    else c = diverging(v / scale);
    img.data[i * 4] = c[0]; img.data[i * 4 + 1] = c[1]; img.data[i * 4 + 2] = c[2]; img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return true;
}

export function flatten(data) {
  if (!Array.isArray(data)) return [];
  if (!data.some(Array.isArray)) return data.map(Number);
  return data.flat(Infinity).map(Number);
}

/** A number for display: 4 significant digits, no noise; dashes for missing. */
export function fmt(v, digits = 4) {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

export function fmtTime(sec) {
  if (!Number.isFinite(sec)) return "—";
  const s = Math.floor(sec);
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const pad = (x) => String(x).padStart(2, "0");
  return h ? `${h}:${pad(m % 60)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** document.createElement with attributes and children (text is always set as text, never HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = String(v);
    else if (k === "style" && typeof v === "object") Object.assign(node.style, v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
export const arr = (x) => (Array.isArray(x) ? x : []);

/**
 * Training points over a response map drawn on a `size` x `size` canvas: `extent` = [xmin, xmax, ymin, ymax]
 * (network input coordinates, row 0 at ymax); points = {x, y, label}; classes get the categorical palette,
 * values the diverging map scaled by `scale` (0: by the largest |label|); `outline` rings each point.
 */
export function plotPoints(ctx, size, extent, points, classes, scale, dpr = 1, outline = "rgba(255,255,255,0.95)") {
  if (!points || !Array.isArray(extent) || extent.length < 4) return;
  const [x0, x1, y0, y1] = extent;
  const xs = arr(points.x); const ys = arr(points.y); const labels = arr(points.label);
  const vscale = scale || labels.reduce((m, v) => Math.max(m, Math.abs(Number(v)) || 0), 0) || 1;
  ctx.lineWidth = dpr;
  ctx.strokeStyle = outline;
  const r = 3.2 * dpr;
  for (let i = 0; i < xs.length; i++) {
    const px = ((xs[i] - x0) / (x1 - x0)) * size;
    const py = ((y1 - ys[i]) / (y1 - y0)) * size;
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    const lab = Number(labels[i]);
    ctx.fillStyle = classes ? rgb(classColor(Number.isFinite(lab) ? lab : 0)) : rgb(diverging(lab / vscale));
    ctx.beginPath(); ctx.arc(px, py, r, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  }
}
