// The TypeScript face of the native addon (build/Release/convkit.node, sources in native/src).
// It loads the addon and builds the backend generically from the kernel table (../wrap.ts): each
// call is validated, an output is allocated here (uninitialised memory: every kernel writes every
// element) and handed to the addon kernel of the same name. The addon validates every argument
// again and throws a JS Error naming the kernel on any mismatch, so no call can crash the process.
// loadNativeBackend() never throws: it returns null when the addon is missing or fails to load.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { referenceKernels } from '../js/index.js';
import { kernelNames, kernels, type AddonKernels, type KernelName } from '../kernels.js';
import type { Backend } from '../types.js';
import { checkedAddon, type LooseAddonKernel } from '../wrap.js';

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

/** The addon's exports: one function per native kernel of the table, and its controls. */
export interface Addon extends AddonKernels {
  setNumThreads(n: number): number;
  getNumThreads(): number;
  setIsa(isa: string): string;
  getIsa(): string;
  info(): NativeInfo;
}

/** The addon's kernel `name` seen generically, or null for kernels it does not carry. */
function addonKernel(a: Addon, name: KernelName): LooseAddonKernel | null {
  if (kernels[name].native === false) return null;
  const holder: { run(...args: never[]): unknown } = { run: a[name] };
  return holder;
}

const ISAS: readonly NativeIsa[] = ['avx512', 'avx2', 'generic'];
const MAX_THREADS = 1024;

/**
 * What the addon makes of CONVKIT_ISA and CONVKIT_NUM_THREADS when it cannot honour them (it
 * falls back silently): one message per variable naming the value and what is used instead.
 * Called once, when the addon loads.
 */
export function envWarnings(env: Readonly<Record<string, string | undefined>>,
  a: Pick<Addon, 'getIsa' | 'getNumThreads'>): string[] {
  const out: string[] = [];
  const isa = env.CONVKIT_ISA;
  if (isa !== undefined && isa !== '') {
    if (!(ISAS as readonly string[]).includes(isa)) {
      out.push(`CONVKIT_ISA='${isa}' is not one of ${ISAS.join(', ')}; using ${a.getIsa()}`);
    } else if (a.getIsa() !== isa) {
      out.push(`CONVKIT_ISA='${isa}' is more than this CPU supports; using ${a.getIsa()}`);
    }
  }
  const threads = env.CONVKIT_NUM_THREADS;
  if (threads !== undefined && threads !== '') {
    const n = /^[0-9]+$/.test(threads) ? Number(threads) : NaN;
    if (!(n >= 1 && n <= MAX_THREADS)) {
      out.push(`CONVKIT_NUM_THREADS='${threads}' is not an integer from 1 to ${MAX_THREADS}; `
        + `using ${a.getNumThreads()} threads`);
    }
  }
  return out;
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
    const loaded: unknown = require(file);
    const missing = kernelNames.filter((k) => kernels[k].native !== false
      && typeof (loaded as Record<string, unknown> | null)?.[k] !== 'function');
    if (missing.length) {
      throw new Error(`${file} lacks kernels ${missing.join(', ')} (rebuild it: npm run build:native)`);
    }
    // Every kernel of the table was found above; the controls are the addon's own fixed set.
    addon = loaded as Addon;
    for (const w of envWarnings(process.env, addon)) process.emitWarning(w, { code: 'CONVKIT_ENV' });
  } catch (e) {
    loadError = `failed to load the native addon: ${(e as Error).message}`;
    addon = null;
  }
  return addon;
}

/**
 * The addon itself, without the TypeScript validation in front of it (null when unavailable):
 * for tests that check the addon's own argument checks.
 */
export function loadAddonUnchecked(): Addon | null {
  return loadAddon();
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
function alloc(n: number, int32: boolean): Float32Array | Int32Array {
  if (int32) return new Int32Array(n);
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

function makeBackend(a: Addon): Backend {
  const kernels = checkedAddon((name) => addonKernel(a, name), referenceKernels, alloc);
  return { name: 'native', ...kernels, release: releaseBuffer };
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
