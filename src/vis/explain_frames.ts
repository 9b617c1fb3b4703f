// The frames of vis/explain.ts's animations, drawn on a palette-indexed canvas: the input grid
// (padding in blue), the window outlined, its values (and the kernel's) as tables in the middle,
// the output cell it produces, the output map filling in, and the shapes written. One fixed palette
// serves every frame, so the GIF needs no quantizing and a test can look for exact colours.
import type { Padding } from '../ops/conv.js';
import { IndexedCanvas, LINE_HEIGHT, textWidth } from './raster.js';

export type PoolMode = 'max' | 'average';

/** The geometry, data and result of one animated operation. */
export interface ExplainPlan {
  kind: 'conv' | 'pool';
  mode: PoolMode;
  /** The grayscale image, row-major. */
  image: Float32Array;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padding: Padding;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  oh: number;
  ow: number;
  /** Conv's kernel [kh * kw], row-major (empty for pooling), and its preset's name quoted ('' if given). */
  kernel: Float32Array;
  kernelName: string;
  /** The op's output [oh * ow]. */
  output: Float32Array;
}

type Rgb = readonly [number, number, number];

/** Named palette entries; greys and the diverging ramp follow them. */
export const COLOURS = {
  background: 0,
  ink: 1,
  muted: 2,
  grid: 3,
  window: 4,
  padding: 5,
  paddingInk: 6,
  accent: 7,
  blank: 8,
} as const;
const NAMED: readonly Rgb[] = [
  [255, 255, 255],
  [31, 41, 55],
  [107, 114, 128],
  [209, 213, 219],
  [249, 115, 22],
  [191, 219, 254],
  [37, 99, 235],
  [37, 99, 235],
  [226, 230, 236],
];
const GREY0 = 16;
const GREYS = 128;
const DIV0 = GREY0 + GREYS;
const DIVS = 64;
/** RdBu's end and middle colours: negative blue, zero white, positive red. */
const DIVERGING: readonly Rgb[] = [
  [33, 102, 172],
  [103, 169, 207],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [239, 138, 98],
  [178, 24, 43],
];

function buildPalette(): Uint8Array {
  const p = new Uint8Array((DIV0 + DIVS) * 3);
  NAMED.forEach((c, i) => p.set(c, i * 3));
  for (let q = 0; q < GREYS; q++) {
    const v = 255 - Math.round((q * 255) / (GREYS - 1));
    p.set([v, v, v], (GREY0 + q) * 3);
  }
  for (let q = 0; q < DIVS; q++) {
    const t = (q / (DIVS - 1)) * (DIVERGING.length - 1);
    const i = Math.min(Math.floor(t), DIVERGING.length - 2);
    const f = t - i;
    const a = DIVERGING[i];
    const b = DIVERGING[i + 1];
    p.set(
      [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)),
      (DIV0 + q) * 3,
    );
  }
  return p;
}

/** The animations' palette (RGB triples): named colours, 128 greys (white to black), a blue-white-red ramp. */
export const PALETTE = buildPalette();

/** A value as a frame writes it: two decimals below 10, one below 100, none above; no trailing zeros. */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  let s = v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

export interface FrameLayout {
  width: number;
  height: number;
  cell: number;
  inX: number;
  inY: number;
  midX: number;
  midY: number;
  midW: number;
  outX: number;
  outY: number;
  /** Window/kernel table cells (0 when the window is too big to list). */
  tableCellW: number;
  tableCellH: number;
  tableFont: number;
  /** Input values from lo (white) to hi (black). */
  lo: number;
  hi: number;
  /** Conv output colours span -outMax..outMax (beyond: the end colours). */
  outMax: number;
}

const MARGIN = 24;
const GAP = 36;
const HEADER = 64;
const LABEL = 24;
const BAR_MIN = 200;

export function frameLayout(plan: ExplainPlan, scale?: number): FrameLayout {
  const ph = plan.h + plan.padTop + plan.padBottom;
  const pw = plan.w + plan.padLeft + plan.padRight;
  const cell = scale ?? Math.max(3, Math.min(16, Math.floor(340 / Math.max(ph, pw))));
  let lo = 0;
  let hi = 0;
  for (const v of plan.image) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (hi - lo < 1e-12) hi = lo + 1;
  // a few strong responses would wash the rest out: colours span the 99th percentile of |output|
  const mags = Float32Array.from(plan.output, Math.abs).sort();
  let outMax = mags.length ? mags[Math.min(mags.length - 1, Math.floor(0.99 * mags.length))] : 0;
  if (outMax === 0) outMax = mags.length ? mags[mags.length - 1] : 0;
  if (outMax === 0) outMax = 1;

  const listed = Math.max(plan.kh, plan.kw) <= 9;
  const tableFont = Math.max(plan.kh, plan.kw) <= 5 ? 2 : 1;
  let widest = 1;
  for (const arr of [plan.image, plan.kernel, plan.output])
    for (const v of arr) widest = Math.max(widest, formatValue(v).length);
  const tableCellW = listed ? widest * 6 * tableFont + 4 * tableFont + 4 : 0;
  const tableCellH = listed ? 7 * tableFont + 6 * tableFont + 2 : 0;
  const tableW = tableCellW * plan.kw;
  const midW = Math.max(tableW, 276, textWidth(`step ${plan.oh * plan.ow} of ${plan.oh * plan.ow}`, 2));

  const inX = MARGIN;
  const inY = HEADER + LABEL;
  const gridW = pw * cell + 1;
  const gridH = ph * cell + 1;
  const midX = inX + gridW + GAP;
  const outX = midX + midW + GAP;
  const outW = plan.ow * cell + 1;
  const outH = plan.oh * cell + 1;
  const tablesH = listed ? (plan.kind === 'conv' ? 2 : 1) * (plan.kh * tableCellH + 30) : 0;
  const midH = 56 + tablesH + (plan.kind === 'conv' ? 22 : 0) + 44;
  const bottom = Math.max(inY + gridH + 40, inY + outH + 50, inY - LABEL + midH);
  const width = Math.max(outX + Math.max(outW, BAR_MIN, textWidth(`output (${plan.oh}, ${plan.ow})`, 2)) + MARGIN, 640);
  return {
    width,
    height: bottom + 26,
    cell,
    inX,
    inY,
    midX,
    midY: inY - LABEL,
    midW,
    outX,
    outY: inY,
    tableCellW,
    tableCellH,
    tableFont,
    lo,
    hi,
    outMax,
  };
}

const shape = (h: number, w: number) => `(${h}, ${w})`;

function greyLevel(v: number, L: FrameLayout): number {
  return Math.max(0, Math.min(GREYS - 1, Math.round(((v - L.lo) / (L.hi - L.lo)) * (GREYS - 1))));
}

/** The colour of an input (or pooled) value, and the text colour readable on it. */
function greyColour(v: number, L: FrameLayout): { fill: number; text: number } {
  const q = greyLevel(v, L);
  return { fill: GREY0 + q, text: q >= GREYS / 2 ? COLOURS.background : COLOURS.ink };
}

function outputColour(plan: ExplainPlan, v: number, L: FrameLayout): { fill: number; text: number } {
  if (plan.kind === 'pool') return greyColour(v, L);
  const t = Math.max(-1, Math.min(1, v / L.outMax));
  const q = Math.round(((t + 1) / 2) * (DIVS - 1));
  return { fill: DIV0 + q, text: Math.abs(t) > 0.6 ? COLOURS.background : COLOURS.ink };
}

function wrap(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function title(plan: ExplainPlan): string {
  const strides = plan.sh === plan.sw ? `${plan.sh}` : `(${plan.sh}, ${plan.sw})`;
  const win = `${plan.kh}x${plan.kw}`;
  if (plan.kind === 'conv')
    return `Conv2D: ${win} kernel ${plan.kernelName}`.trimEnd() + `, strides ${strides}, padding '${plan.padding}'`;
  const layer = plan.mode === 'max' ? 'MaxPooling2D' : 'AveragePooling2D';
  return `${layer}: pool ${win}, strides ${strides}, padding '${plan.padding}'`;
}

/** How the output size follows from the input's, for one axis. */
function sizeRule(plan: ExplainPlan, n: number, k: number, s: number, o: number): string {
  if (plan.padding === 'valid')
    return (n - k) % s ? `floor((${n} - ${k}) / ${s}) + 1 = ${o}` : `(${n} - ${k}) / ${s} + 1 = ${o}`;
  return n % s ? `ceil(${n} / ${s}) = ${o}` : `${n} / ${s} = ${o}`;
}

function introText(plan: ExplainPlan): string {
  const step = plan.sh === plan.sw ? `${plan.sh} pixel${plan.sh > 1 ? 's' : ''}` : `(${plan.sh}, ${plan.sw}) pixels`;
  const what =
    plan.kind === 'conv'
      ? 'multiply it by the kernel and add up the products:'
      : plan.mode === 'max'
        ? 'keep its largest value:'
        : 'take the mean of its values:';
  const pad =
    plan.padding === 'same'
      ? plan.kind === 'conv'
        ? ' The blue border is zero padding, so the window reaches the edges.'
        : ' The blue border is padding; it is never counted.'
      : '';
  return `A ${plan.kh}x${plan.kw} window slides over the input, ${step} at a time. At each stop, ${what} one output value.${pad}`;
}

function table(
  c: IndexedCanvas,
  x: number,
  y: number,
  rows: number,
  cols: number,
  L: FrameLayout,
  cellOf: (i: number) => { fill: number; text: number; s: string },
): void {
  const w = L.tableCellW;
  const h = L.tableCellH;
  c.fill(x, y, cols * w + 1, rows * h + 1, COLOURS.grid);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = cellOf(i * cols + j);
      c.fill(x + j * w + 1, y + i * h + 1, w - 1, h - 1, k.fill);
      c.textIn(x + j * w + 1, y + i * h + 1, w - 1, h - 1, k.s, k.text, L.tableFont);
    }
  }
}

/**
 * One frame: the first `done` output cells computed, the window of step `current` (row-major over
 * the output) highlighted, or none (the intro and the final frame).
 */
export function renderFrame(plan: ExplainPlan, L: FrameLayout, done: number, current: number | null): IndexedCanvas {
  const c = new IndexedCanvas(L.width, L.height, COLOURS.background);
  const C = COLOURS;
  const cell = L.cell;
  // grid lines between cells, unless the cells are too small to spare a pixel
  const line = cell >= 6 ? 1 : 0;
  const steps = plan.oh * plan.ow;
  c.text(MARGIN, 14, title(plan), C.ink, 2);
  c.text(MARGIN, 38, `${shape(plan.h, plan.w)} -> ${shape(plan.oh, plan.ow)}`, C.accent, 2);

  // input, padded
  const ph = plan.h + plan.padTop + plan.padBottom;
  const pw = plan.w + plan.padLeft + plan.padRight;
  c.text(L.inX, L.inY - 20, `input ${shape(plan.h, plan.w)}`, C.ink, 2);
  c.fill(L.inX, L.inY, pw * cell + 1, ph * cell + 1, C.grid);
  for (let i = 0; i < ph; i++) {
    for (let j = 0; j < pw; j++) {
      const y = i - plan.padTop;
      const x = j - plan.padLeft;
      const inside = y >= 0 && y < plan.h && x >= 0 && x < plan.w;
      const fill = inside ? greyColour(plan.image[y * plan.w + x], L).fill : C.padding;
      c.fill(L.inX + j * cell + line, L.inY + i * cell + line, cell - line, cell - line, fill);
    }
  }
  const legendY = L.inY + ph * cell + 12;
  if (plan.padding === 'same' && ph + pw > plan.h + plan.w) {
    c.fill(L.inX, legendY, 14, 14, C.padding);
    c.frame(L.inX, legendY, 14, 14, C.paddingInk);
    c.text(L.inX + 22, legendY, plan.kind === 'conv' ? 'zero padding' : 'padding (not counted)', C.ink, 2);
  }

  // output, filling in
  c.text(L.outX, L.outY - 20, `output ${shape(plan.oh, plan.ow)}`, C.ink, 2);
  c.fill(L.outX, L.outY, plan.ow * cell + 1, plan.oh * cell + 1, C.grid);
  for (let s = 0; s < steps; s++) {
    const oy = Math.floor(s / plan.ow);
    const ox = s % plan.ow;
    const fill = s < done ? outputColour(plan, plan.output[s], L).fill : C.blank;
    c.fill(L.outX + ox * cell + line, L.outY + oy * cell + line, cell - line, cell - line, fill);
  }
  // the colour scale of the output: blue-white-red around 0 for a convolution, the input's greys for pooling
  const barY = L.outY + plan.oh * cell + 12;
  const bw = Math.max(plan.ow * cell, BAR_MIN);
  const [from, to] = plan.kind === 'conv' ? [-L.outMax, L.outMax] : [L.lo, L.hi];
  for (let x = 0; x < bw; x++) {
    const v = from + ((to - from) * x) / (bw - 1);
    c.fill(L.outX + x, barY, 1, 10, outputColour(plan, v, L).fill);
  }
  c.frame(L.outX, barY, bw, 10, C.grid);
  c.text(L.outX, barY + 16, formatValue(from), C.muted, 2);
  if (plan.kind === 'conv') c.text(L.outX + bw / 2, barY + 16, '0', C.muted, 2, 'center');
  c.text(L.outX + bw, barY + 16, formatValue(to), C.muted, 2, 'right');

  // the middle: what this step computes
  const mx = L.midX;
  let my = L.midY;
  const centreX = mx + L.midW / 2;
  const prose = (text: string, colour: number) => {
    for (const line of wrap(text, Math.floor(L.midW / 12))) {
      c.text(mx, my, line, colour, 2);
      my += 2 * LINE_HEIGHT;
    }
  };
  if (current === null) {
    if (done === 0) prose(introText(plan), C.ink);
    else {
      prose(`Done: ${steps} steps, one value each.`, C.ink);
      my += 8;
      prose(
        plan.padding === 'valid'
          ? 'Output size: (input - window) / stride + 1, rounded down'
          : 'Output size: input / stride, rounded up',
        C.muted,
      );
      my += 4;
      const rows = sizeRule(plan, plan.h, plan.kh, plan.sh, plan.oh);
      const cols = sizeRule(plan, plan.w, plan.kw, plan.sw, plan.ow);
      for (const [axis, rule] of rows === cols
        ? [['rows and columns:', rows]]
        : [
            ['rows:', rows],
            ['columns:', cols],
          ]) {
        prose(axis, C.ink);
        prose(rule, C.accent);
      }
    }
  } else {
    const oy = Math.floor(current / plan.ow);
    const ox = current % plan.ow;
    c.text(mx, my, `step ${current + 1} of ${steps}`, C.ink, 2);
    my += 20;
    c.text(mx, my, `output row ${oy}, col ${ox}`, C.muted, 2);
    my += 26;
    const win = windowValues(plan, oy, ox);
    const value = plan.output[current];
    // window outline on the input (padded coordinates)
    const wy = oy * plan.sh;
    const wx = ox * plan.sw;
    c.frame(L.inX + wx * cell - 1, L.inY + wy * cell - 1, plan.kw * cell + 3, plan.kh * cell + 3, C.window, 3);
    c.frame(L.outX + ox * cell - 1, L.outY + oy * cell - 1, cell + 3, cell + 3, C.window, 3);
    const tw = plan.kw * L.tableCellW + 1;
    const tx = Math.round(centreX - tw / 2);
    const nothingCounts = plan.kind === 'conv' ? '0' : '-';
    let maxAt = -1;
    if (plan.kind === 'pool' && plan.mode === 'max') maxAt = win.findIndex((v) => v === value);
    if (L.tableCellW > 0) {
      c.text(tx, my, 'window', C.muted, 2);
      my += 20;
      table(c, tx, my, plan.kh, plan.kw, L, (i) => {
        const v = win[i];
        if (v === null) return { fill: C.padding, text: C.paddingInk, s: nothingCounts };
        return { ...greyColour(v, L), s: formatValue(v) };
      });
      if (maxAt >= 0) {
        const i = Math.floor(maxAt / plan.kw);
        const j = maxAt % plan.kw;
        c.frame(tx + j * L.tableCellW - 1, my + i * L.tableCellH - 1, L.tableCellW + 3, L.tableCellH + 3, C.window, 3);
      }
      my += plan.kh * L.tableCellH + 8;
      if (plan.kind === 'conv') {
        c.text(centreX, my, '×', C.ink, 2, 'center');
        my += 20;
        c.text(tx, my, `kernel ${plan.kernelName}`.trimEnd(), C.muted, 2);
        my += 20;
        table(c, tx, my, plan.kh, plan.kw, L, (i) => ({
          fill: C.background,
          text: plan.kernel[i] < 0 ? C.paddingInk : C.ink,
          s: formatValue(plan.kernel[i]),
        }));
        my += plan.kh * L.tableCellH + 8;
      }
    }
    const op = plan.kind === 'conv' ? 'sum =' : plan.mode === 'max' ? 'max =' : 'mean =';
    const col = outputColour(plan, value, L);
    const boxW = Math.max(L.tableCellW, textWidth(formatValue(value), 2) + 16);
    const boxH = Math.max(L.tableCellH, 30);
    const opW = textWidth(op, 2) + 10;
    const bx = Math.round(centreX - (opW + boxW) / 2) + opW;
    c.text(bx - opW, my + Math.round((boxH - 14) / 2), op, C.ink, 2);
    c.fill(bx, my, boxW, boxH, col.fill);
    c.textIn(bx, my, boxW, boxH, formatValue(value), col.text, 2);
    c.frame(bx - 1, my - 1, boxW + 2, boxH + 2, C.window, 3);
  }

  const foot =
    plan.kind === 'conv'
      ? 'output = sum of window × kernel (no bias, no activation)'
      : plan.mode === 'max'
        ? 'output = the largest value of the window'
        : `output = the mean of the window${plan.padding === 'same' ? ' (padding not counted)' : ''}`;
  c.text(MARGIN, L.height - 22, foot, C.muted, 2);
  return c;
}

/** The window of output cell (oy, ox): kh * kw values row-major, null where it lies on the padding. */
export function windowValues(plan: ExplainPlan, oy: number, ox: number): (number | null)[] {
  const out: (number | null)[] = [];
  const y0 = oy * plan.sh - plan.padTop;
  const x0 = ox * plan.sw - plan.padLeft;
  for (let i = 0; i < plan.kh; i++) {
    for (let j = 0; j < plan.kw; j++) {
      const y = y0 + i;
      const x = x0 + j;
      out.push(y >= 0 && y < plan.h && x >= 0 && x < plan.w ? plan.image[y * plan.w + x] : null);
    }
  }
  return out;
}
