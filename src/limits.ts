// Size limits checked before memory is allocated. A layer's weights, a kernel's output and any
// array a model file declares are refused with the figure they would need, instead of letting a
// typo (Dense(30000) on a 30000-wide input) or a hostile file grow the process until it dies.
//
// One number: the largest single tensor, in bytes. Default 2 GiB, or a quarter of the machine's
// memory when that is less; `utils.setMemoryLimit(bytes)` or the environment variable
// CONVKIT_MAX_TENSOR_BYTES (read once, at the first check) change it. File readers also refuse
// what the file itself cannot hold (a declared size larger than the file).
import os from 'node:os';
import { ValueError } from './errors.js';

/** An allocation refused because it would exceed the memory limit (a ValueError). */
export class MemoryLimitError extends ValueError {
  /** The layer whose call was refused, once a layer has named itself in the message. */
  constructor(
    message: string,
    readonly layer?: string,
  ) {
    super(message);
  }
}

const GiB = 1024 ** 3;
const ENV = 'CONVKIT_MAX_TENSOR_BYTES';

/** Most layers a model config may declare: far beyond real networks, far below a hang. */
export const MAX_CONFIG_LAYERS = 20_000;

let limit: number | null = null;

function defaultLimit(): number {
  return Math.min(2 * GiB, Math.floor(os.totalmem() / 4));
}

function fromEnv(): number | null {
  const raw = process.env[ENV];
  if (raw === undefined || raw.trim() === '') return null;
  const n = parseBytes(raw);
  if (n === null) {
    throw new ValueError(`${ENV}: expected a positive number of bytes (e.g. 4294967296 or 4GiB), got '${raw}'`);
  }
  return n;
}

/** '4GiB', '512MiB', '1e9', '4096' → bytes; null when not a positive size. */
export function parseBytes(text: string): number | null {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*(b|kib|mib|gib|tib|kb|mb|gb|tb)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = (m[2] ?? 'b').toLowerCase();
  const scale: Record<string, number> = {
    b: 1,
    kib: 1024,
    mib: 1024 ** 2,
    gib: GiB,
    tib: 1024 ** 4,
    kb: 1e3,
    mb: 1e6,
    gb: 1e9,
    tb: 1e12,
  };
  const n = Math.floor(Number(m[1]) * scale[unit]);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** The largest single tensor allowed, in bytes. */
export function getMemoryLimit(): number {
  if (limit === null) limit = fromEnv() ?? defaultLimit();
  return limit;
}

/**
 * Sets the largest single tensor (weights, layer outputs, arrays read from files) convkit will
 * allocate, in bytes; `null` restores the default (CONVKIT_MAX_TENSOR_BYTES, else 2 GiB or a
 * quarter of the machine's memory). Returns the previous limit.
 */
export function setMemoryLimit(bytes: number | null): number {
  const before = getMemoryLimit();
  if (bytes === null) {
    limit = null;
    return before;
  }
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes <= 0) {
    throw new ValueError(`setMemoryLimit: expected a positive number of bytes or null, got ${String(bytes)}`);
  }
  limit = Math.floor(bytes);
  return before;
}

/** 3.4 GiB, 512 MiB, 12 KiB, 100 bytes. */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [1024 ** 4, 'TiB'],
    [GiB, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, name] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v >= 100 ? Math.round(v) : Number(v.toPrecision(2))} ${name}`;
    }
  }
  return `${n} bytes`;
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  float64: 8,
  int64: 8,
  float16: 2,
  uint8: 1,
  bool: 1,
};

/** Bytes of a tensor of `shape` and `dtype` (Infinity when a dimension is not a size). */
export function tensorBytes(shape: readonly number[], dtype = 'float32'): number {
  let n = DTYPE_BYTES[dtype] ?? 4;
  for (const d of shape) {
    if (!(Number.isSafeInteger(d) && d >= 0)) return Infinity;
    n *= d;
  }
  return n;
}

function limitHint(): string {
  return (
    `the limit for one tensor is ${formatBytes(getMemoryLimit())} ` +
    `(raise it with utils.setMemoryLimit(bytes) or ${ENV})`
  );
}

/**
 * Throws a MemoryLimitError when `bytes` exceeds the limit. `what` says who asks and for what,
 * e.g. "Dense 'dense': kernel of 30000x30000 float32".
 */
export function checkBytes(what: string, bytes: number): void {
  if (bytes <= getMemoryLimit()) return;
  const need = Number.isSafeInteger(bytes) ? formatBytes(bytes) : 'more than can be addressed';
  throw new MemoryLimitError(`${what} needs ${need}; ${limitHint()}`);
}

/** Checks a tensor of `shape` and `dtype` against the limit before it is allocated. */
export function checkTensor(what: string, shape: readonly number[], dtype = 'float32'): void {
  const bytes = tensorBytes(shape, dtype);
  if (bytes <= getMemoryLimit()) return;
  checkBytes(`${what} of ${shape.join('x') || 'scalar'} ${dtype}`, bytes);
}

// ---- HDF5 reading deadline ----
// HDF5 (inside h5wasm) can loop for ever on damaged structure, inside WebAssembly where no timer
// reaches; so before the main thread reads an HDF5 file, a worker thread walks its structure first
// (io/h5_worker_probe.ts) and is terminated when it does not finish in time.

const H5_DEADLINE_ENV = 'CONVKIT_H5_DEADLINE_MS';
/** The deadline for a file of up to H5_DEADLINE_SCALE_BYTES; larger files get proportionally more. */
export const DEFAULT_H5_DEADLINE_MS = 30_000;
/** Files up to this size get the plain deadline; a file twice as large gets twice as long. */
export const H5_DEADLINE_SCALE_BYTES = 64 * 1024 ** 2;

let h5Deadline: number | null = null;

function h5DeadlineFromEnv(): number | null {
  const raw = process.env[H5_DEADLINE_ENV];
  if (raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  if (!(Number.isFinite(n) && n >= 0)) {
    throw new ValueError(
      `${H5_DEADLINE_ENV}: expected a number of milliseconds >= 0 (0 turns the check off), got '${raw}'`,
    );
  }
  return n;
}

/** The HDF5 reading deadline in milliseconds for a file of up to 64 MiB; 0 means no check. */
export function getH5Deadline(): number {
  if (h5Deadline === null) h5Deadline = h5DeadlineFromEnv() ?? DEFAULT_H5_DEADLINE_MS;
  return h5Deadline;
}

/**
 * Sets how long the structure of an HDF5 file (up to 64 MiB; larger files get proportionally
 * longer) may take to read before the file is refused as damaged, in milliseconds; 0 turns the
 * check off, `null` restores the default (CONVKIT_H5_DEADLINE_MS, else 30 s). Returns the previous
 * value.
 */
export function setH5Deadline(ms: number | null): number {
  const before = getH5Deadline();
  if (ms === null) {
    h5Deadline = null;
    return before;
  }
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new ValueError(`setH5Deadline: expected a number of milliseconds >= 0 or null, got ${String(ms)}`);
  }
  h5Deadline = ms;
  return before;
}

/** The deadline in milliseconds for an HDF5 file of `fileSize` bytes (0: no check). */
export function h5DeadlineFor(fileSize: number): number {
  const base = getH5Deadline();
  return base * Math.max(1, fileSize / H5_DEADLINE_SCALE_BYTES);
}
