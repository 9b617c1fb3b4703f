// The report's training curves as inline SVG (no library, no network): one panel per metric,
// training values as dots and validation values as a line, as the book draws them, with the best
// validation epoch ringed. Each epoch is a hover column whose `data-tip` the page's small script
// shows as a tooltip; without the script the page still shows every curve.
import { escapeHtml, fmtNumber } from './html.js';

export const TRAIN_COLOR = '#1f77b4';
export const VAL_COLOR = '#ff7f0e';

/** Round tick values covering [lo, hi] (about five of them). */
export function niceTicks(lo: number, hi: number): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return niceTicks(lo - d, hi + d);
  }
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** Whether a larger value is better (accuracy-like) for the best-epoch mark. */
export function higherIsBetter(metric: string): boolean {
  return /acc|auc|precision|recall|f1|iou/.test(metric);
}

export function prettyMetric(metric: string): string {
  if (metric === 'acc') return 'accuracy';
  if (/^(mae|mse|rmse|auc|msle|mape)$/.test(metric)) return metric.toUpperCase();
  return metric.replace(/_/g, ' ');
}

/** The epoch (index) of the best finite value, or -1. */
export function bestIndex(values: readonly number[], higher: boolean): number {
  let best = -1;
  values.forEach((v, i) => {
    if (Number.isFinite(v) && (best < 0 || (higher ? v > values[best] : v < values[best]))) best = i;
  });
  return best;
}

const W = 440;
const H = 290;
const M = { left: 58, right: 14, top: 44, bottom: 42 };

/** One panel: `train` and `val` hold one value per epoch (either may be empty). */
export function curvePanel(metric: string, train: readonly number[], val: readonly number[]): string {
  const n = Math.max(train.length, val.length);
  const finite = [...train, ...val].filter(Number.isFinite);
  const name = prettyMetric(metric);
  const ticks = niceTicks(Math.min(...finite), Math.max(...finite));
  const y0 = ticks[0];
  const y1 = ticks[ticks.length - 1];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const xOf = (i: number) => M.left + (n === 1 ? pw / 2 : (i / (n - 1)) * (pw - 20) + 10);
  const yOf = (v: number) => M.top + ph - ((v - y0) / (y1 - y0)) * ph;
  const r = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  const title = val.length ? `Training and validation ${name}` : `Training ${name}`;
  parts.push(
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ` +
      `aria-label="${escapeHtml(title)}">`,
    `<text x="${W / 2}" y="18" class="ctitle" text-anchor="middle">${escapeHtml(title)}</text>`,
  );
  // Legend under the title: a dot for training, a line for validation.
  let lx = M.left;
  if (train.length) {
    parts.push(
      `<circle cx="${lx + 6}" cy="32" r="4" fill="${TRAIN_COLOR}"/>`,
      `<text x="${lx + 15}" y="36" class="legend">Training</text>`,
    );
    lx += 90;
  }
  if (val.length) {
    parts.push(
      `<line x1="${lx}" y1="32" x2="${lx + 14}" y2="32" stroke="${VAL_COLOR}" stroke-width="2.5"/>`,
      `<text x="${lx + 19}" y="36" class="legend">Validation</text>`,
    );
  }
  for (const t of ticks) {
    const y = r(yOf(t));
    parts.push(
      `<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" class="grid"/>`,
      `<text x="${M.left - 6}" y="${y}" dy="4" text-anchor="end" class="tick">${escapeHtml(fmtNumber(t))}</text>`,
    );
  }
  const every = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i++) {
    if (i % every !== 0 && i !== n - 1) continue;
    parts.push(`<text x="${r(xOf(i))}" y="${H - M.bottom + 16}" text-anchor="middle" class="tick">${i + 1}</text>`);
  }
  parts.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" class="frame"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 6}" text-anchor="middle" class="axis">Epoch</text>`,
    `<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" class="axis">` +
      `${escapeHtml(name.charAt(0).toUpperCase() + name.slice(1))}</text>`,
  );
  const path = (vals: readonly number[]) =>
    vals
      .map((v, i) => (Number.isFinite(v) ? `${r(xOf(i))},${r(yOf(v))}` : null))
      .filter((p): p is string => p !== null)
      .join(' ');
  if (val.length > 1)
    parts.push(`<polyline points="${path(val)}" fill="none" stroke="${VAL_COLOR}" stroke-width="2.5"/>`);
  if (train.length > 1)
    parts.push(`<polyline points="${path(train)}" fill="none" stroke="${TRAIN_COLOR}" stroke-opacity="0.25"/>`);
  val.forEach((v, i) => {
    if (Number.isFinite(v)) parts.push(`<circle cx="${r(xOf(i))}" cy="${r(yOf(v))}" r="2.5" fill="${VAL_COLOR}"/>`);
  });
  train.forEach((v, i) => {
    if (Number.isFinite(v)) parts.push(`<circle cx="${r(xOf(i))}" cy="${r(yOf(v))}" r="4" fill="${TRAIN_COLOR}"/>`);
  });
  const best = bestIndex(val, higherIsBetter(metric));
  if (best >= 0 && val.length > 1) {
    parts.push(
      `<circle cx="${r(xOf(best))}" cy="${r(yOf(val[best]))}" r="7" fill="none" stroke="#333" stroke-width="1.5">` +
        `<title>best validation ${escapeHtml(name)}: epoch ${best + 1}</title></circle>`,
    );
  }
  // Hover columns, one per epoch, last so that they are on top.
  const colW = n === 1 ? pw : (pw - 20) / (n - 1);
  for (let i = 0; i < n; i++) {
    const lines = [`Epoch ${i + 1}${i === best && val.length > 1 ? ' (best validation)' : ''}`];
    if (i < train.length) lines.push(`Training ${name}: ${fmtNumber(train[i])}`);
    if (i < val.length) lines.push(`Validation ${name}: ${fmtNumber(val[i])}`);
    const x = xOf(i);
    const left = Math.max(M.left, x - colW / 2);
    const right = Math.min(M.left + pw, x + colW / 2);
    parts.push(
      `<g class="col" data-tip="${escapeHtml(lines.join('\n'))}">` +
        `<line x1="${r(x)}" y1="${M.top}" x2="${r(x)}" y2="${M.top + ph}" class="guide"/>` +
        `<rect x="${r(left)}" y="${M.top}" width="${r(right - left)}" height="${ph}" fill="transparent"/></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
