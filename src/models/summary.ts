// model.summary() in Keras 3's layout: rich's HEAVY_HEAD box table (3 columns for Sequential-like
// models, 4 with "Connected to" for graphs), then the parameter totals. Geometry per
// ../shared/spec/keras-reference.md §1: L = min(default, terminal columns − 4) (80 columns when
// not a terminal), column widths = differences of int(p·L), minus rich's even reduction.
import { ValueError, fmtShape } from '../errors.js';
import { describeValue } from '../options.js';
import type { Layer } from '../layers/base.js';
import type { Model } from './model.js';

export interface SummaryOptions {
  printFn?: (line: string) => void;
  lineLength?: number;
  /** Include nested models' layers (Keras expand_nested). */
  expandNested?: boolean;
}

function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Keras's readable size: count·4 bytes through B/KB/MB/GB with two decimals. */
export function fmtBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

/** Word-wraps at spaces like rich (long words are folded). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let cur = '';
    for (const word of para.split(' ')) {
      let w = word;
      while (w.length > width) {
        if (cur) {
          lines.push(cur);
          cur = '';
        }
        lines.push(w.slice(0, width));
        w = w.slice(width);
      }
      if (!cur) cur = w;
      else if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
      else {
        lines.push(cur);
        cur = w;
      }
    }
    lines.push(cur);
  }
  return lines;
}

function isSequentialLike(model: Model): boolean {
  if (model.className === 'Sequential') return true;
  // A chain: every node has one input that is the previous node's output.
  const nodes = model.graphNodes;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return false;
  let prev = model.inputs[0];
  for (const n of nodes) {
    if (n.inputs.length !== 1 || n.inputs[0] !== prev || n.outputs.length !== 1) return false;
    prev = n.outputs[0];
  }
  return true;
}

function layerShape(layer: Layer): string {
  if (!layer.built || layer.inboundNodes.length === 0) return '?';
  const s = layer.outputShape;
  return Array.isArray(s[0]) ? (s as (number | null)[][]).map(fmtShape).join(', ') : fmtShape(s as (number | null)[]);
}

export function summarize(model: Model, opts: SummaryOptions = {}): void {
  const tty = !opts.printFn && Boolean(process.stdout.isTTY);
  const print = opts.printFn ?? ((s: string) => console.log(s));
  const seq = isSequentialLike(model);
  const positions = seq ? [0.45, 0.8, 1.0] : [0.3, 0.56, 0.74, 1.0];
  const reduction = seq ? [3, 4, 3] : [3, 3, 4, 3];
  // The narrowest line that leaves every column at least one character.
  const minLine = seq ? 16 : 28;
  if (opts.lineLength !== undefined && !(Number.isInteger(opts.lineLength) && opts.lineLength >= minLine)) {
    throw new ValueError(
      `summary: lineLength must be an integer of at least ${minLine} for this model, ` +
        `got ${describeValue(opts.lineLength)}`,
    );
  }
  // A pty without a size reports 0 columns, and a very narrow one leaves a column no room: both get
  // the width rich assumes when it cannot tell (80), so the table is Keras's default one.
  const termColumns = tty ? process.stdout.columns : undefined;
  const columns = termColumns !== undefined && termColumns - 4 >= minLine ? termColumns : 80;
  const L = opts.lineLength ?? Math.min(seq ? 88 : 108, columns - 4);
  const cuts = positions.map((p) => Math.floor(p * L));
  const widths = cuts.map((c, i) => c - (i === 0 ? 0 : cuts[i - 1]) - reduction[i]);
  const aligns = seq ? ['left', 'left', 'right'] : ['left', 'left', 'right', 'left'];
  const headers = seq
    ? ['Layer (type)', 'Output Shape', 'Param #']
    : ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
  const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);

  // Sequential.layers hides its InputLayer; functional models show it, as Keras does.
  const layers = model.layers;
  const rows: string[][] = layers.map((l) => {
    const params = l.built ? fmtCount(l.countParams()) : '0 (unbuilt)';
    const row = [`${l.name} (${l.className})`, layerShape(l), params];
    if (!seq) {
      const conns = model.graphNodes
        .filter((n) => n.layer === l)
        .flatMap((n) =>
          n.inputs.map((t) => `${t.node!.layer.name}[${t.node!.layer.inboundNodes.indexOf(t.node!)}][${t.index}]`),
        );
      row.push(conns.length ? conns.join('\n') : '-');
    }
    return row;
  });

  const rule = (l: string, m: string, r: string, h: string) => l + widths.map((w) => h.repeat(w + 2)).join(m) + r;
  const renderRow = (cells: string[], edge: string): string[] => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i]));
    const height = Math.max(...wrapped.map((w) => w.length));
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      const parts = wrapped.map((w, i) => {
        const t = w[k] ?? '';
        return aligns[i] === 'right' ? t.padStart(widths[i]) : t.padEnd(widths[i]);
      });
      out.push(`${edge} ${parts.join(` ${edge} `)} ${edge}`);
    }
    return out;
  };

  print(`Model: "${bold(model.name)}"`);
  print(rule('┏', '┳', '┓', '━'));
  for (const line of renderRow(headers, '┃')) print(tty ? line.replace(/[^┃]+/g, (m) => bold(m)) : line);
  print(rule('┡', '╇', '┩', '━'));
  rows.forEach((r, i) => {
    for (const line of renderRow(r, '│')) print(line);
    print(i < rows.length - 1 ? rule('├', '┼', '┤', '─') : rule('└', '┴', '┘', '─'));
  });
  if (rows.length === 0) print(rule('└', '┴', '┘', '─'));

  const trainable = model.trainableWeights.reduce((s, w) => s + w.size, 0);
  const nonTrainable = model.nonTrainableWeights.reduce((s, w) => s + w.size, 0);
  const opt = model.optimizer;
  const optCount = opt && opt.iterations > 0 ? opt.variables.reduce((s, v) => s + v.size, 0) : 0;
  const total = trainable + nonTrainable + optCount;
  const line = (label: string, n: number) => print(` ${bold(label)} ${fmtCount(n)} (${fmtBytes(n * 4)})`);
  line('Total params:', total);
  line('Trainable params:', trainable);
  line('Non-trainable params:', nonTrainable);
  if (optCount) line('Optimizer params:', optCount);
}
