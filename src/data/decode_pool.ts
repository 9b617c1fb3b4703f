// A pool of worker threads that decode and resize image files off the main (training) thread.
// Tasks are posted to the least-loaded worker at once, so workers keep decoding from their own
// message queues while the main thread is busy with a training step. Workers are unref'd while
// idle, so an unused pool never keeps the process alive; closePools() ends them.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConvkitError, FileFormatError, ValueError } from '../errors.js';
import { decodeImageFile, type ColorMode } from './decode.js';
import { decodeImageFileResized } from './decode_stream.js';
import { type Interpolation } from './resize.js';
import { applyAugment, type AugmentParams } from './augment.js';

export interface DecodeTask {
  path: string;
  colorMode: ColorMode;
  /** [height, width], or null to keep the file's size. */
  targetSize: readonly [number, number] | null;
  interpolation: Interpolation;
  cropToAspectRatio: boolean;
  /** Pad (with zeros) to the target aspect ratio instead of cropping (Keras 3's padToAspectRatio). */
  padToAspectRatio?: boolean;
  /** Random-transform parameters applied after resizing (ImageDataGenerator.flowFromDirectory). */
  augment?: AugmentParams | null;
}

export interface DecodeRequest extends DecodeTask {
  id: number;
}

export type DecodeResponse =
  | { id: number; data: Float32Array; height: number; width: number; channels: number; error?: undefined }
  | { id: number; error: { name: string; message: string } };

export interface DecodedArray {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: DecodedArray) => void; reject: (e: Error) => void }>;
  dead: Error | null;
}

function rebuildError(e: { name: string; message: string }): Error {
  if (e.name === 'FileFormatError') return new FileFormatError(e.message);
  if (e.name === 'ValueError') return new ValueError(e.message);
  const err = new ConvkitError(e.message);
  return err;
}

/** Decodes one file on the calling thread (the pool's fallback and the 0-worker mode). */
export async function decodeTaskInline(task: DecodeTask): Promise<DecodedArray> {
  const { targetSize, interpolation, cropToAspectRatio, padToAspectRatio } = task;
  let r: DecodedArray;
  if (targetSize) {
    r = await decodeImageFileResized(task.path, task.colorMode, {
      targetSize,
      interpolation,
      cropToAspectRatio,
      padToAspectRatio,
    });
  } else {
    const raw = await decodeImageFile(task.path, task.colorMode);
    r = { data: Float32Array.from(raw.data), height: raw.height, width: raw.width, channels: raw.channels };
  }
  if (task.augment) r = { ...r, data: applyAugment(r.data, r.height, r.width, r.channels, task.augment) };
  return r;
}

/** The default number of decoding workers: CONVKIT_DATA_WORKERS, else the number of cores (min 1). */
export function defaultWorkerCount(): number {
  const env = process.env.CONVKIT_DATA_WORKERS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 0) return n;
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, cores);
}

export class DecodePool {
  private slots: Slot[] = [];
  private nextId = 0;
  private closed = false;
  readonly size: number;

  /** `size` workers (0 = decode on the calling thread). */
  constructor(size: number = defaultWorkerCount()) {
    if (!Number.isInteger(size) || size < 0)
      throw new ValueError(`DecodePool: size must be a non-negative integer, got ${size}`);
    this.size = size;
  }

  private workerUrl(): URL {
    // In development the sources are .ts (run through tsx); built, they are .js.
    const self = fileURLToPath(import.meta.url);
    return new URL(self.endsWith('.ts') ? './decode_worker.ts' : './decode_worker.js', import.meta.url);
  }

  private spawn(): Worker {
    const url = this.workerUrl();
    if (!url.pathname.endsWith('.ts')) return new Worker(url);
    // Development (sources run through tsx): a worker's entry file is not passed through the
    // parent's --import hooks on Node 20, so a tiny bootstrap registers tsx, then loads the worker.
    let tsx: string;
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      throw new ConvkitError('DecodePool: running from TypeScript sources needs the tsx package');
    }
    const code =
      `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(url.href)}, ` +
      `${JSON.stringify(url.href)}))`;
    return new Worker(code, { eval: true });
  }

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const worker = this.spawn();
      const slot: Slot = { worker, pending: new Map(), dead: null };
      worker.unref();
      worker.on('message', (res: DecodeResponse) => {
        const p = slot.pending.get(res.id);
        if (!p) return;
        slot.pending.delete(res.id);
        if (slot.pending.size === 0) worker.unref();
        if (res.error) p.reject(rebuildError(res.error));
        else p.resolve({ data: res.data, height: res.height, width: res.width, channels: res.channels });
      });
      const fail = (err: Error) => {
        slot.dead = err;
        for (const p of slot.pending.values())
          p.reject(new ConvkitError(`image decoding worker failed: ${err.message}`));
        slot.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!slot.dead) fail(new Error(`worker exited with code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  /** Decodes (and resizes) one file in a worker; resolves with float32 HWC pixels. */
  decode(task: DecodeTask): Promise<DecodedArray> {
    if (this.closed) return Promise.reject(new ConvkitError('DecodePool: the pool is closed'));
    if (this.size === 0) return decodeTaskInline(task);
    if (this.slots.length === 0) this.start();
    const live = this.slots.filter((s) => !s.dead);
    if (live.length === 0) return decodeTaskInline(task);
    let best = live[0];
    for (const s of live) if (s.pending.size < best.pending.size) best = s;
    const id = this.nextId++;
    return new Promise<DecodedArray>((resolve, reject) => {
      best.pending.set(id, { resolve, reject });
      best.worker.ref();
      const req: DecodeRequest = { id, ...task };
      best.worker.postMessage(req);
    });
  }

  /** Number of tasks posted and not yet answered. */
  get inFlight(): number {
    return this.slots.reduce((n, s) => n + s.pending.size, 0);
  }

  /** Ends the workers. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

let shared: DecodePool | null = null;

/** The process-wide pool used by imageDatasetFromDirectory and flowFromDirectory. */
export function getDecodePool(): DecodePool {
  if (!shared) shared = new DecodePool();
  return shared;
}

/** Ends the shared pool's workers (a new pool starts on the next use). */
export async function closeDecodePool(): Promise<void> {
  const p = shared;
  shared = null;
  await p?.close();
}
