// The TypeScript face of the native addon (build/Release/convkit.node, sources in native/src).
// It loads the addon, allocates outputs (uninitialised memory: every kernel writes every element),
// and forwards each kernel call; the addon itself validates every argument and throws a JS Error
// naming the kernel on any mismatch, so a bad call can never crash the process.
// loadNativeBackend() never throws: it returns null when the addon is missing or fails to load.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Activation, Backend, BinaryOp, Conv2DInfo, Pool2DInfo, ReduceOp, UnaryOp } from '../types.js';

export type NativeIsa = 'avx512' | 'avx2' | 'generic';

/** What the addon reports about the kernels it runs. */
export interface NativeInfo {
  isa: NativeIsa;
  detectedIsa: NativeIsa;
  microKernel: string;
  mr: number;
  nr: number;
  mc: number;
  kc: number;
  nc: number;
  threads: number;
}

type F32 = Float32Array;
interface Addon {
  matmul(a: F32, b: F32, m: number, n: number, k: number, ta: boolean, tb: boolean, bias: F32 | null, act: Activation, out: F32): void;
  conv2d(x: F32, w: F32, bias: F32 | null, info: Int32Array, act: Activation, out: F32): void;
  conv2dBackpropInput(dy: F32, w: F32, info: Int32Array, out: F32): void;
  conv2dBackpropFilter(x: F32, dy: F32, info: Int32Array, out: F32): void;
  maxPool2d(x: F32, info: Int32Array, out: F32): void;
  maxPool2dBackward(x: F32, dy: F32, info: Int32Array, out: F32): void;
  avgPool2d(x: F32, info: Int32Array, out: F32): void;
  avgPool2dBackward(dy: F32, info: Int32Array, out: F32): void;
  unary(op: UnaryOp, x: F32, out: F32): void;
  binary(op: BinaryOp, a: F32, aShape: readonly number[], b: F32, bShape: readonly number[], outShape: readonly number[], out: F32): void;
  reluBackward(dy: F32, y: F32, out: F32): void;
  reduce(op: ReduceOp, x: F32, outer: number, size: number, inner: number, out: F32): void;
  argMax(x: F32, outer: number, size: number, inner: number, out: Int32Array): void;
  transpose(x: F32, shape: readonly number[], perm: readonly number[], out: F32): void;
  softmax(x: F32, rows: number, cols: number, out: F32): void;
  logSoftmax(x: F32, rows: number, cols: number, out: F32): void;
  softmaxCrossEntropy(logits: F32, labels: F32, rows: number, cols: number, out: F32): void;
  softmaxCrossEntropyBackward(logits: F32, labels: F32, dloss: F32, rows: number, cols: number, out: F32): void;
  rmspropUpdate(w: F32, g: F32, v: F32, m: F32 | null, lr: number, rho: number, momentum: number, epsilon: number): void;
  adamUpdate(w: F32, g: F32, m: F32, v: F32, alpha: number, beta1: number, beta2: number, epsilon: number): void;
  sgdUpdate(w: F32, g: F32, m: F32 | null, lr: number, momentum: number, nesterov: boolean): void;
  setNumThreads(n: number): number;
  getNumThreads(): number;
  setIsa(isa: string): string;
  getIsa(): string;
  info(): NativeInfo;
}

let addon: Addon | null | undefined;
let loadError: string | null = null;

function candidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out: string[] = [];
  if (process.env.CONVKIT_NATIVE_PATH) out.push(process.env.CONVKIT_NATIVE_PATH);
  // src/backend/native -> repo root is 3 levels up; dist/src/backend/native -> 4 levels up.
  for (const up of ['../../..', '../../../..']) out.push(path.resolve(here, up, 'build/Release/convkit.node'));
  return out;
}

function loadAddon(): Addon | null {
  if (addon !== undefined) return addon;
  addon = null;
  try {
    const require = createRequire(import.meta.url);
    const file = candidates().find((p) => existsSync(p));
    if (!file) {
      loadError = 'build/Release/convkit.node not found (run `npm run build:native`)';
      return null;
    }
    addon = require(file) as Addon;
  } catch (e) {
    loadError = `failed to load the native addon: ${(e as Error).message}`;
    addon = null;
  }
  return addon;
}

/** Why the addon is unavailable (null when it loaded or was not tried yet). */
export function nativeLoadError(): string | null {
  return loadError;
}

function need(): Addon {
  const a = loadAddon();
  if (!a) throw new Error(`convkit native backend unavailable: ${loadError ?? 'unknown reason'}`);
  return a;
}

/** Threads the native kernels use (the persistent pool's size). */
export function getNumThreads(): number {
  return need().getNumThreads();
}
/** Resizes the native thread pool; n <= 0 restores the default (CONVKIT_NUM_THREADS or the CPU count). */
export function setNumThreads(n: number): number {
  return need().setNumThreads(n);
}
/** Instruction set of the GEMM micro-kernels now in use. */
export function getIsa(): NativeIsa {
  return need().getIsa() as NativeIsa;
}
/** Forces an instruction set (tests, benchmarks); throws if this CPU cannot run it. CONVKIT_ISA does the same at load. */
export function setIsa(isa: NativeIsa): NativeIsa {
  return need().setIsa(isa) as NativeIsa;
}
/** The addon's kernel configuration. */
export function nativeInfo(): NativeInfo {
  return need().info();
}

/**
 * Float32 storage of n elements whose contents are undefined (the kernel writes all of them):
 * Buffer.allocUnsafeSlow skips the zero fill, and the addon keeps freed blocks on the malloc heap
 * (see tune_malloc in native/src/binding.cc) so recurring sizes are reused without page faults.
 */
function alloc(n: number, kernel: string): Float32Array {
  if (!(Number.isSafeInteger(n) && n >= 0 && n <= 2 ** 31)) {
    throw new Error(`convkit native ${kernel}: output of ${n} elements is invalid or too large (at most 2^31)`);
  }
  if (n < RECYCLE_MIN) return new Float32Array(n);
  const free = freeList.get(n);
  if (free && free.length > 0) {
    freeBytes -= n * 4;
    return new Float32Array(free.pop() as ArrayBuffer, 0, n);
  }
  const buf = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(buf.buffer, buf.byteOffset, n);
}

// Storage handed back by releaseBuffer(), by element count. Every output is a fresh ArrayBuffer and
// V8 answers the resulting external-memory pressure with frequent GCs (a few ms per MNIST training
// step); a caller that knows an output is dead (the tape, after backward) can return it here and
// the next output of the same size reuses it.
const RECYCLE_MIN = 1024;
const FREE_CAP_BYTES = 256 * 2 ** 20;
const freeList = new Map<number, ArrayBuffer[]>();
let freeBytes = 0;

/**
 * Returns an output of this backend for reuse by later outputs of the same size. Only for arrays
 * nothing will read or write again (no other views of the same storage either): their memory is
 * handed to the next kernel output. Arrays that do not own their whole ArrayBuffer, small arrays
 * and arrays beyond the cache cap are ignored.
 */
export function releaseBuffer(x: Float32Array): void {
  const n = x.length;
  const buf = x.buffer;
  if (n < RECYCLE_MIN || !(buf instanceof ArrayBuffer) || x.byteOffset !== 0 || buf.byteLength !== n * 4) return;
  if (freeBytes + n * 4 > FREE_CAP_BYTES) return;
  let list = freeList.get(n);
  if (!list) freeList.set(n, (list = []));
  if (list.includes(buf)) return;  // released twice
  list.push(buf);
  freeBytes += n * 4;
}

/** Drops every buffer held for reuse. */
export function clearReleasedBuffers(): void {
  freeList.clear();
  freeBytes = 0;
}

function int(v: number): number {
  // Non-integers become -1 so the addon rejects them with a message naming the field.
  return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? v : -1;
}

const convScratch = new Int32Array(15);
function convInfo(p: Conv2DInfo): Int32Array {
  const s = convScratch;
  s[0] = int(p.batch); s[1] = int(p.inH); s[2] = int(p.inW); s[3] = int(p.inC);
  s[4] = int(p.outH); s[5] = int(p.outW); s[6] = int(p.outC); s[7] = int(p.kH); s[8] = int(p.kW);
  s[9] = int(p.strideH); s[10] = int(p.strideW); s[11] = int(p.dilationH); s[12] = int(p.dilationW);
  s[13] = int(p.padTop); s[14] = int(p.padLeft);
  return s;
}

const poolScratch = new Int32Array(12);
function poolInfo(p: Pool2DInfo): Int32Array {
  const s = poolScratch;
  s[0] = int(p.batch); s[1] = int(p.inH); s[2] = int(p.inW); s[3] = int(p.channels);
  s[4] = int(p.outH); s[5] = int(p.outW); s[6] = int(p.poolH); s[7] = int(p.poolW);
  s[8] = int(p.strideH); s[9] = int(p.strideW); s[10] = int(p.padTop); s[11] = int(p.padLeft);
  return s;
}

function size(n: number): number {
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

function makeBackend(a: Addon): Backend {
  return {
    name: 'native',
    matmul(x, y, m, n, k, transA, transB, bias, act) {
      const out = alloc(size(m) * size(n), 'matmul');
      a.matmul(x, y, m, n, k, transA, transB, bias, act, out);
      return out;
    },
    conv2d(x, w, bias, info, act) {
      const out = alloc(size(info.batch) * size(info.outH) * size(info.outW) * size(info.outC), 'conv2d');
      a.conv2d(x, w, bias, convInfo(info), act, out);
      return out;
    },
    conv2dBackpropInput(dy, w, info) {
      const out = alloc(size(info.batch) * size(info.inH) * size(info.inW) * size(info.inC), 'conv2dBackpropInput');
      a.conv2dBackpropInput(dy, w, convInfo(info), out);
      return out;
    },
    conv2dBackpropFilter(x, dy, info) {
      const out = alloc(size(info.kH) * size(info.kW) * size(info.inC) * size(info.outC), 'conv2dBackpropFilter');
      a.conv2dBackpropFilter(x, dy, convInfo(info), out);
      return out;
    },
    maxPool2d(x, info) {
      const out = alloc(size(info.batch) * size(info.outH) * size(info.outW) * size(info.channels), 'maxPool2d');
      a.maxPool2d(x, poolInfo(info), out);
      return out;
    },
    maxPool2dBackward(x, dy, info) {
      const out = alloc(x.length, 'maxPool2dBackward');
      a.maxPool2dBackward(x, dy, poolInfo(info), out);
      return out;
    },
    avgPool2d(x, info) {
      const out = alloc(size(info.batch) * size(info.outH) * size(info.outW) * size(info.channels), 'avgPool2d');
      a.avgPool2d(x, poolInfo(info), out);
      return out;
    },
    avgPool2dBackward(dy, info) {
      const out = alloc(size(info.batch) * size(info.inH) * size(info.inW) * size(info.channels), 'avgPool2dBackward');
      a.avgPool2dBackward(dy, poolInfo(info), out);
      return out;
    },
    unary(op, x) {
      const out = alloc(x.length, 'unary');
      a.unary(op, x, out);
      return out;
    },
    binary(op, x, xShape, y, yShape, outShape) {
      let n = 1;
      for (const d of outShape) n *= size(d);
      const out = alloc(n, 'binary');
      a.binary(op, x, xShape, y, yShape, outShape, out);
      return out;
    },
    reluBackward(dy, y) {
      const out = alloc(dy.length, 'reluBackward');
      a.reluBackward(dy, y, out);
      return out;
    },
    reduce(op, x, outer, sz, inner) {
      const out = alloc(size(outer) * size(inner), 'reduce');
      a.reduce(op, x, outer, sz, inner, out);
      return out;
    },
    argMax(x, outer, sz, inner) {
      const out = new Int32Array(size(outer) * size(inner));
      a.argMax(x, outer, sz, inner, out);
      return out;
    },
    transpose(x, shape, perm) {
      const out = alloc(x.length, 'transpose');
      a.transpose(x, shape, perm, out);
      return out;
    },
    softmax(x, rows, cols) {
      const out = alloc(size(rows) * size(cols), 'softmax');
      a.softmax(x, rows, cols, out);
      return out;
    },
    logSoftmax(x, rows, cols) {
      const out = alloc(size(rows) * size(cols), 'logSoftmax');
      a.logSoftmax(x, rows, cols, out);
      return out;
    },
    softmaxCrossEntropy(logits, labels, rows, cols) {
      const out = alloc(size(rows), 'softmaxCrossEntropy');
      a.softmaxCrossEntropy(logits, labels, rows, cols, out);
      return out;
    },
    softmaxCrossEntropyBackward(logits, labels, dloss, rows, cols) {
      const out = alloc(size(rows) * size(cols), 'softmaxCrossEntropyBackward');
      a.softmaxCrossEntropyBackward(logits, labels, dloss, rows, cols, out);
      return out;
    },
    rmspropUpdate(w, g, v, m, lr, rho, momentum, epsilon) {
      a.rmspropUpdate(w, g, v, m, lr, rho, momentum, epsilon);
    },
    adamUpdate(w, g, m, v, alpha, beta1, beta2, epsilon) {
      a.adamUpdate(w, g, m, v, alpha, beta1, beta2, epsilon);
    },
    sgdUpdate(w, g, m, lr, momentum, nesterov) {
      a.sgdUpdate(w, g, m, lr, momentum, nesterov);
    },
    release: releaseBuffer,
  };
}

let backend: Backend | null | undefined;

/** The native backend, or null when the addon is missing or failed to load (never throws). */
export function loadNativeBackend(): Backend | null {
  if (backend !== undefined) return backend;
  try {
    const a = loadAddon();
    backend = a ? makeBackend(a) : null;
  } catch (e) {
    loadError = `failed to initialise the native addon: ${(e as Error).message}`;
    backend = null;
  }
  return backend;
}
