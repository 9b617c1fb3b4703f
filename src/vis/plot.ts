// Training-curve figures (vis.plotHistory): one panel per metric, training values as dots and
// validation values as a line per epoch, like the book's matplotlib figures ('bo' and 'b').
// Drawn with vega-lite (spec -> vega -> SVG, no canvas needed), rasterised to PNG by sharp, and
// written atomically. Panels are rendered at an exact size and placed side by side.
import path from 'node:path';
import { ValueError } from '../errors.js';
import { loadSharp } from '../data/codec.js';
import type { Spec as VegaSpec } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../utils/image.js';
import { checkNumber, checkOptions, checkPositiveInt } from '../options.js';

/** A Keras History (history.history + history.epoch) or just its history record. */
export type HistoryLike = { history: Record<string, number[]>; epoch?: number[] } | Record<string, number[]>;

export interface PlotHistoryOptions {
  /** Base metric names to draw, in panel order (default: accuracy-like first, then loss, then the rest). */
  metrics?: string[];
  /** Size of one panel in CSS pixels (default 560 x 400). */
  width?: number;
  height?: number;
  /** Pixel density of the PNG (default 1; 2 doubles the pixel size). */
  scale?: number;
  /** 'horizontal' (default) or 'vertical' placement of the panels. */
  layout?: 'horizontal' | 'vertical';
  /** Overrides the panel titles, by metric name. */
  titles?: Record<string, string>;
  /** 'png' or 'svg' (default: from the file extension; PNG unless it ends in .svg). */
  format?: 'png' | 'svg';
}

const TRAIN_COLOR = '#1f77b4';
const VAL_COLOR = '#ff7f0e';

function recordOf(h: HistoryLike): { rec: Record<string, number[]>; epochs: number[] | null } {
  if (
    h &&
    typeof h === 'object' &&
    'history' in h &&
    typeof (h as { history: unknown }).history === 'object' &&
    !Array.isArray((h as { history: unknown }).history)
  ) {
    const hh = h as { history: Record<string, number[]>; epoch?: number[] };
    return { rec: hh.history, epochs: Array.isArray(hh.epoch) && hh.epoch.length ? hh.epoch : null };
  }
  return { rec: h as Record<string, number[]>, epochs: null };
}

/** Base metric names in panel order: accuracy-like first (as the book), then loss, then the rest. */
export function panelMetrics(keys: string[]): string[] {
  const base = [...new Set(keys.map((k) => (k.startsWith('val_') ? k.slice(4) : k)))].filter(
    (k) => k !== 'lr' && k !== 'learning_rate',
  );
  const rank = (k: string) => (/^(acc|accuracy)$/.test(k) ? 0 : /acc/.test(k) ? 1 : k === 'loss' ? 2 : 3);
  return base.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function prettyName(metric: string): string {
  if (metric === 'acc') return 'accuracy';
  if (/^(mae|mse|rmse|auc|msle|mape)$/.test(metric)) return metric.toUpperCase();
  return metric.replace(/_/g, ' ');
}

interface Row {
  epoch: number;
  value: number;
  series: string;
}

function panelSpec(
  metric: string,
  rec: Record<string, number[]>,
  epochs: number[] | null,
  width: number,
  height: number,
  title: string,
): TopLevelSpec {
  const name = prettyName(metric);
  const trainLabel = `Training ${name}`;
  const valLabel = `Validation ${name}`;
  const rows: Row[] = [];
  const epochOf = (i: number) => (epochs && epochs[i] !== undefined ? epochs[i] + 1 : i + 1);
  const train = rec[metric] ?? [];
  const val = rec[`val_${metric}`] ?? [];
  train.forEach((v, i) => {
    if (Number.isFinite(v)) rows.push({ epoch: epochOf(i), value: v, series: trainLabel });
  });
  val.forEach((v, i) => {
    if (Number.isFinite(v)) rows.push({ epoch: epochOf(i), value: v, series: valLabel });
  });
  const domain: string[] = [];
  const range: string[] = [];
  if (train.length) {
    domain.push(trainLabel);
    range.push(TRAIN_COLOR);
  }
  if (val.length) {
    domain.push(valLabel);
    range.push(VAL_COLOR);
  }
  const nEpochs = Math.max(train.length, val.length, 1);
  const orient = bestLegendCorner(rows, epochOf(0), Math.max(epochOf(0) + 1, epochOf(nEpochs - 1)));
  const color = {
    field: 'series',
    type: 'nominal' as const,
    scale: { domain, range },
    legend: {
      title: null,
      orient,
      fillColor: 'white',
      strokeColor: '#cccccc',
      padding: 6,
      labelFontSize: 12,
      symbolSize: 90,
      labelLimit: 0,
      offset: 10,
    },
  };
  const xAxis = {
    field: 'epoch',
    type: 'quantitative' as const,
    title: 'Epochs',
    scale: { domain: [epochOf(0), Math.max(epochOf(0) + 1, epochOf(nEpochs - 1))], nice: false, padding: 10 },
    axis: { tickMinStep: 1, format: 'd', labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#eeeeee' },
  };
  const yAxis = {
    field: 'value',
    type: 'quantitative' as const,
    title: name.charAt(0).toUpperCase() + name.slice(1),
    scale: { zero: false, nice: true },

    axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#eeeeee' },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width,
    height,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 12,
    background: 'white',
    title: { text: title, fontSize: 15, fontWeight: 'normal', anchor: 'middle', offset: 10 },
    config: { font: 'DejaVu Sans, sans-serif', view: { stroke: '#888888' } },
    data: { values: rows },
    layer: [
      {
        transform: [{ filter: { field: 'series', equal: trainLabel } }],
        mark: { type: 'point', filled: true, size: 40, opacity: 1 },
        encoding: { x: xAxis, y: yAxis, color },
      },
      {
        transform: [{ filter: { field: 'series', equal: valLabel } }],
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { x: xAxis, y: yAxis, color },
      },
    ],
  };
}

/** The legend corner holding the fewest points (matplotlib's loc='best', roughly). */
function bestLegendCorner(rows: Row[], x0: number, x1: number): string {
  if (rows.length === 0) return 'top-right';
  let lo = Infinity,
    hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r.value);
    hi = Math.max(hi, r.value);
  }
  const span = hi - lo || 1;
  const xs = x1 - x0 || 1;
  const corners: [string, (fx: number, fy: number) => boolean][] = [
    ['top-right', (fx, fy) => fx > 0.55 && fy > 0.7],
    ['bottom-right', (fx, fy) => fx > 0.55 && fy < 0.3],
    ['top-left', (fx, fy) => fx < 0.45 && fy > 0.7],
    ['bottom-left', (fx, fy) => fx < 0.45 && fy < 0.3],
  ];
  let best = corners[0][0],
    bestCount = Infinity;
  for (const [name, inside] of corners) {
    const n = rows.filter((r) => inside((r.epoch - x0) / xs, (r.value - lo) / span)).length;
    if (n < bestCount) {
      best = name;
      bestCount = n;
    }
  }
  return best;
}

/** Legend symbols: a dot for training series, a short line for validation series. */
function styleLegend(vegaSpec: VegaSpec): void {
  const legends = (vegaSpec.legends ?? []) as Record<string, unknown>[];
  for (const lg of legends) {
    const enc = (lg.encode ??= {}) as Record<string, Record<string, Record<string, unknown>>>;
    enc.symbols ??= {};
    enc.symbols.update = {
      ...(enc.symbols.update ?? {}),
      shape: {
        signal: "(datum && isString(datum.value) && indexof(datum.value, 'Validation') === 0) ? 'stroke' : 'circle'",
      },
      stroke: { scale: 'color', field: 'value' },
      fill: {
        signal:
          "(datum && isString(datum.value) && indexof(datum.value, 'Validation') === 0) ? 'transparent' : " +
          "scale('color', datum.value)",
      },
      strokeWidth: { signal: "(datum && isString(datum.value) && indexof(datum.value, 'Validation') === 0) ? 2 : 0" },
      opacity: { value: 1 },
    };
  }
}

async function renderSvg(
  spec: TopLevelSpec,
  width: number,
  height: number,
): Promise<{ svg: string; width: number; height: number }> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vl.compile(spec).spec;
  styleLegend(compiled);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  return { svg, width: m ? Number(m[1]) : width, height: m ? Number(m[2]) : height };
}

/**
 * Draws training (dots) versus validation (line) curves per epoch, one panel per metric
 * (accuracy and loss for the book's models), and writes a PNG, or an SVG when the file ends in
 * .svg. Returns the figure's pixel size.
 */
export async function plotHistory(
  history: HistoryLike,
  file: string,
  opts: PlotHistoryOptions = {},
): Promise<{ width: number; height: number }> {
  checkOptions<PlotHistoryOptions>(
    opts,
    { metrics: true, width: true, height: true, scale: true, layout: true, titles: true, format: true },
    'plotHistory',
  );
  checkPositiveInt(opts.width, 'plotHistory width');
  checkPositiveInt(opts.height, 'plotHistory height');
  checkNumber(opts.scale, 'plotHistory scale', { min: 0 });
  if (!history || typeof history !== 'object')
    throw new ValueError(
      `plotHistory: expected a History (model.fit's result) or its history record, got ${typeof history}`,
    );
  const { rec, epochs } = recordOf(history);
  for (const [k, v] of Object.entries(rec)) {
    if (!Array.isArray(v))
      throw new ValueError(`plotHistory: history['${k}'] must be an array of numbers per epoch, got ${typeof v}`);
  }
  const keys = Object.keys(rec).filter((k) => rec[k].length > 0);
  const metrics = opts.metrics ?? panelMetrics(keys);
  if (metrics.length === 0)
    throw new ValueError('plotHistory: the history has no values to plot (train for at least one epoch)');
  for (const m of metrics) {
    if (!rec[m]?.length && !rec[`val_${m}`]?.length) {
      throw new ValueError(
        `plotHistory: no values for metric '${m}'; the history has ${keys.map((k) => `'${k}'`).join(', ')}`,
      );
    }
  }
  const width = opts.width ?? 560;
  const height = opts.height ?? 400;
  const scale = opts.scale ?? 1;
  if (!(width >= 100 && height >= 80))
    throw new ValueError(`plotHistory: width/height must be at least 100 x 80, got ${width} x ${height}`);
  if (!(scale > 0 && scale <= 8)) throw new ValueError(`plotHistory: scale must be in (0, 8], got ${scale}`);
  const format = opts.format ?? (path.extname(file).toLowerCase() === '.svg' ? 'svg' : 'png');
  if (format !== 'png' && format !== 'svg')
    throw new ValueError(`plotHistory: format must be 'png' or 'svg', got '${String(format)}'`);
  const vertical = opts.layout === 'vertical';

  const panels = [];
  for (const m of metrics) {
    const title =
      opts.titles?.[m] ??
      (rec[`val_${m}`]?.length ? `Training and validation ${prettyName(m)}` : `Training ${prettyName(m)}`);
    panels.push(await renderSvg(panelSpec(m, rec, epochs, width, height, title), width, height));
  }
  const totalW = vertical ? Math.max(...panels.map((p) => p.width)) : panels.reduce((s, p) => s + p.width, 0);
  const totalH = vertical ? panels.reduce((s, p) => s + p.height, 0) : Math.max(...panels.map((p) => p.height));

  if (format === 'svg') {
    let off = 0;
    const parts = panels.map((p) => {
      const inner = p.svg
        .replace(/^<\?xml[^>]*>\s*/, '')
        .replace(/^<svg/, `<svg x="${vertical ? 0 : off}" y="${vertical ? off : 0}"`);
      off += vertical ? p.height : p.width;
      return inner;
    });
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" ` +
      `width="${totalW}" height="${totalH}" viewBox="0 0 ${totalW} ${totalH}"><rect width="100%" height="100%" ` +
      `fill="white"/>${parts.join('')}</svg>\n`;
    await writeFileAtomic(file, svg);
    return { width: totalW, height: totalH };
  }

  const sharp = await loadSharp();
  const W = Math.round(totalW * scale),
    H = Math.round(totalH * scale);
  const layers: { input: Buffer; left: number; top: number }[] = [];
  let off = 0;
  for (const p of panels) {
    const png = await sharp(Buffer.from(p.svg), { density: 72 * scale })
      .resize(Math.round(p.width * scale), Math.round(p.height * scale), { fit: 'fill' })
      .png()
      .toBuffer();
    layers.push({
      input: png,
      left: vertical ? 0 : Math.round(off * scale),
      top: vertical ? Math.round(off * scale) : 0,
    });
    off += vertical ? p.height : p.width;
  }
  const out = await sharp({ create: { width: W, height: H, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png()
    .toBuffer();
  await writeFileAtomic(file, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  return { width: W, height: H };
}
