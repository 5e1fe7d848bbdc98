// A small line chart on a canvas: several series, linear or log y, a legend, crisp on HiDPI screens.

import { fmt } from "./util.js";

const AXIS = "#9aa3ad";
const GRID = "#eef0f3";
const INK = "#66717d";

function niceTicks(lo, hi, n = 4) {
  if (!(hi > lo)) return [lo];
  const span = hi - lo;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Keep at most ~2 points per pixel column (min and max), so long runs draw fast without hiding spikes. */
function decimate(points, x0, x1, width) {
  if (points.length <= width * 2) return points;
  const buckets = new Map();
  const scale = width / ((x1 - x0) || 1);
  for (const p of points) {
    const b = Math.floor((p[0] - x0) * scale);
    const cur = buckets.get(b);
    if (!cur) buckets.set(b, [p, p]);
    else { if (p[1] < cur[0][1]) cur[0] = p; if (p[1] > cur[1][1]) cur[1] = p; }
  }
  const out = [];
  for (const [lo, hi] of buckets.values()) { if (lo[0] <= hi[0]) out.push(lo, hi); else out.push(hi, lo); }
  return out;
}

/**
 * Draw `series` ([{name, color, dash, points: [[x, y], ...]}]) onto `canvas`.
 * Options: logY, integerX (epochs: whole-number ticks only), xLabel, yMin, yMax, empty (text when there is
 * nothing to draw).
 */
export function drawChart(canvas, series, opts = {}) {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || 300;
  const cssH = canvas.clientHeight || 160;
  if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = "11px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  const logY = Boolean(opts.logY);
  const ok = (p) => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!logY || p[1] > 0);
  const clean = series.map((s) => ({ ...s, points: (s.points || []).filter(ok) })).filter((s) => s.points.length);
  if (!clean.length) {
    ctx.fillStyle = INK;
    ctx.textAlign = "center";
    ctx.fillText(opts.empty || "no data yet", cssW / 2, cssH / 2);
    return;
  }
  let x0 = Infinity; let x1 = -Infinity; let y0 = Infinity; let y1 = -Infinity;
  for (const s of clean) for (const [x, y] of s.points) {
    if (x < x0) x0 = x; if (x > x1) x1 = x;
    const v = logY ? Math.log10(y) : y;
    if (v < y0) y0 = v; if (v > y1) y1 = v;
  }
  if (opts.yMin !== undefined) y0 = Math.min(y0, opts.yMin);
  if (opts.yMax !== undefined) y1 = Math.max(y1, opts.yMax);
  if (y1 - y0 < 1e-12 && opts.yMin !== undefined && !logY) { y0 = opts.yMin; y1 = y1 > y0 ? y0 + (y1 - y0) * 1.2 : y0 + 1; }
  else if (y1 - y0 < 1e-12) { y0 -= logY ? 0.5 : Math.abs(y0) * 0.1 + 0.5; y1 += logY ? 0.5 : Math.abs(y1) * 0.1 + 0.5; }
  else { const pad = (y1 - y0) * 0.06; y1 += pad; if (opts.yMin === undefined) y0 -= pad; }
  if (x1 - x0 < 1e-12) { const pad = Math.max(1, Math.abs(x0) * 0.05); x0 -= pad; x1 += pad; }

  const left = 46; const right = 8; const top = 18; const bottom = 20;
  const w = cssW - left - right; const h = cssH - top - bottom;
  const X = (x) => left + ((x - x0) / (x1 - x0)) * w;
  const Y = (y) => top + (1 - ((logY ? Math.log10(y) : y) - y0) / (y1 - y0)) * h;

  // grid and y ticks
  ctx.strokeStyle = GRID; ctx.fillStyle = INK; ctx.lineWidth = 1; ctx.textAlign = "right"; ctx.textBaseline = "middle";
  const yt = logY ? niceTicks(Math.floor(y0), Math.ceil(y1), 4).filter((t) => Number.isInteger(t) && t >= y0 && t <= y1)
    : niceTicks(y0, y1, 4);
  for (const t of yt) {
    const py = logY ? top + (1 - (t - y0) / (y1 - y0)) * h : Y(t);
    ctx.beginPath(); ctx.moveTo(left, Math.round(py) + 0.5); ctx.lineTo(left + w, Math.round(py) + 0.5); ctx.stroke();
    ctx.fillText(logY ? fmt(10 ** t, 2) : fmt(t, 3), left - 5, py);
  }
  ctx.strokeStyle = AXIS;
  ctx.beginPath(); ctx.moveTo(left + 0.5, top); ctx.lineTo(left + 0.5, top + h); ctx.lineTo(left + w, top + h + 0.5); ctx.stroke();
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const t of niceTicks(x0, x1, 5)) {
    if (t < x0 || t > x1 || (opts.integerX && !Number.isInteger(t))) continue;
    ctx.fillText(fmt(t, 6), X(t), top + h + 4);
  }

  ctx.save();
  ctx.beginPath(); ctx.rect(left, top - 2, w, h + 4); ctx.clip();
  for (const s of clean) {
    const pts = decimate(s.points, x0, x1, w);
    ctx.strokeStyle = s.color; ctx.lineWidth = s.width || 1.6; ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    pts.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
    ctx.stroke();
    if (pts.length === 1) { ctx.fillStyle = s.color; ctx.beginPath(); ctx.arc(X(pts[0][0]), Y(pts[0][1]), 2.5, 0, 7); ctx.fill(); }
  }
  ctx.restore();
  ctx.setLineDash([]);

  // legend (named series only), right-aligned on the top line
  ctx.textBaseline = "middle"; ctx.textAlign = "left";
  let lx = left + 4;
  for (const s of clean) {
    if (!s.name || s.legend === false) continue;
    const label = s.name;
    const tw = ctx.measureText(label).width;
    if (lx + tw + 24 > cssW) break;
    ctx.strokeStyle = s.color; ctx.lineWidth = 2; ctx.setLineDash(s.dash || []);
    ctx.beginPath(); ctx.moveTo(lx, 8); ctx.lineTo(lx + 14, 8); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = INK; ctx.fillText(label, lx + 18, 8);
    lx += tw + 30;
  }
  if (opts.xLabel) { ctx.textAlign = "right"; ctx.fillStyle = INK; ctx.fillText(opts.xLabel, cssW - right, 8); }
}
