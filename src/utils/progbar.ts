// Keras 3's progress bar (keras/src/utils/progbar.py): `938/938 ━━━━━━━━━━━━━━━━━━━━ 13s 11ms/step - accuracy: 0.9321 - loss: 0.2163`.
// On a terminal the line is redrawn in place (at most every 50 ms); otherwise only the final line
// of each bar is written.

export type Writer = (s: string) => void;

let printer: Writer | null = null;

/**
 * Redirects what fit/evaluate/predict print (epoch lines, progress bars); null restores stdout.
 * Text arrives with its own newlines and carriage returns.
 */
export function setPrintFunction(fn: Writer | null): void {
  printer = fn;
}

/** Writes training output to the current print function (stdout by default). */
export function printMessage(s: string): void {
  if (printer) printer(s);
  else process.stdout.write(s);
}

export interface ProgbarOptions {
  target: number | null;
  verbose?: 0 | 1 | 2;
  width?: number;
  interval?: number;
  unitName?: string;
  /** Redraw in place; defaults to whether stdout is a terminal. */
  dynamic?: boolean;
  /** Use ANSI colours; defaults to `dynamic`. */
  color?: boolean;
  write?: Writer;
  now?: () => number;
}

export function formatValue(v: number): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return ` ${String(v)}`;
  return Math.abs(v) > 1e-3 ? ` ${v.toFixed(4)}` : ` ${toExponential4(v)}`;
}

/** Python's '%.4e' (two-digit exponent): 9.3199e-04. */
function toExponential4(v: number): string {
  const [m, e] = v.toExponential(4).split('e');
  const n = Number(e);
  return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

export function formatTimePerUnit(t: number, unit: string): string {
  if (t >= 1 || t === 0) return ` ${Math.round(t)}s/${unit}`;
  if (t >= 1e-3) return ` ${Math.round(t * 1e3)}ms/${unit}`;
  return ` ${Math.round(t * 1e6)}us/${unit}`;
}

function formatEta(eta: number): string {
  if (eta > 3600)
    return `${Math.floor(eta / 3600)}:${String(Math.floor((eta % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(eta % 60)).padStart(2, '0')}`;
  if (eta > 60) return `${Math.floor(eta / 60)}:${String(Math.floor(eta % 60)).padStart(2, '0')}`;
  return `${Math.floor(eta)}s`;
}

export class Progbar {
  private readonly target: number | null;
  private readonly verbose: 0 | 1 | 2;
  private readonly width: number;
  private readonly interval: number;
  private readonly unit: string;
  private readonly dynamic: boolean;
  private readonly color: boolean;
  private readonly write: Writer;
  private readonly now: () => number;
  private readonly start: number;
  private lastUpdate = 0;
  private timeAfterFirst: number | null = null;
  private prevWidth = 0;
  private seen = 0;

  constructor(o: ProgbarOptions) {
    this.target = o.target;
    this.verbose = o.verbose ?? 1;
    this.width = o.width ?? 20;
    this.interval = o.interval ?? 0.05;
    this.unit = o.unitName ?? 'step';
    this.dynamic = o.dynamic ?? (printer === null && Boolean(process.stdout.isTTY));
    this.color = o.color ?? this.dynamic;
    this.write = o.write ?? printMessage;
    this.now = o.now ?? (() => performance.now() / 1000);
    this.start = this.now();
  }

  private bold(s: string): string {
    return this.color ? `\x1b[1m${s}\x1b[0m` : s;
  }

  /** current: steps done; values: the logs to show (already averaged), in display order. */
  update(current: number, values: [string, number][], finalize = false): void {
    if (this.verbose === 0) return;
    const now = this.now();
    if (current === 1 && this.timeAfterFirst === null) this.timeAfterFirst = now;
    this.seen = current;
    const perUnit =
      current > 1 && this.timeAfterFirst !== null
        ? (now - this.timeAfterFirst) / (current - 1)
        : current > 0
          ? (now - this.start) / current
          : 0;
    const metrics = values.map(([k, v]) => ` - ${k}:${formatValue(v)}`).join('');
    const digits = this.target !== null ? String(this.target).length : 0;
    const count =
      this.target !== null
        ? `${String(current).padStart(digits)}/${this.target}`
        : `${String(current).padStart(7)}/Unknown`;

    if (this.verbose === 2) {
      if (!finalize) return;
      this.write(`${count} - ${Math.round(now - this.start)}s -${formatTimePerUnit(perUnit, this.unit)}${metrics}\n`);
      return;
    }
    if (!finalize && (!this.dynamic || now - this.lastUpdate < this.interval)) return;
    this.lastUpdate = now;
    let bar = this.bold(count) + ' ';
    if (this.target !== null) {
      const filled = Math.floor((this.width * Math.min(current, this.target)) / this.target);
      const g = '━'.repeat(filled),
        r = '━'.repeat(this.width - filled);
      bar += this.color
        ? `${filled > 0 ? `\x1b[32m${g}\x1b[0m` : ''}${filled < this.width ? `\x1b[37m${r}\x1b[0m` : ''}`
        : g + r;
    }
    const time =
      this.target !== null && !finalize
        ? ` ${this.bold(formatEta(perUnit * (this.target - current)))}`
        : ` ${this.bold(`${Math.round(now - this.start)}s`)}`;
    let line = bar + time + formatTimePerUnit(perUnit, this.unit) + metrics;
    // eslint-disable-next-line no-control-regex -- ANSI escapes (ESC [ ... m) take no columns on the terminal
    const visible = line.replace(/\x1b\[[0-9;]*m/g, '').length;
    if (this.dynamic && visible < this.prevWidth) line += ' '.repeat(this.prevWidth - visible);
    this.prevWidth = visible;
    this.write((this.dynamic ? '\r' : '') + line + (finalize ? '\n' : ''));
  }

  get current(): number {
    return this.seen;
  }
}
