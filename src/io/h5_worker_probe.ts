// Reads an HDF5 file's structure in a worker thread with a deadline before the main thread reads it.
// HDF5 inside WebAssembly can loop for ever on damage (io/h5_check.ts refuses the loop we know of,
// not those we have not met) or abort, which leaves the library unusable for the whole process. The
// worker (h5_worker.mjs) walks what a loader can touch and posts each object's path as it goes; a
// walk that does not finish in time is terminated (terminate() stops a thread even inside a
// WebAssembly loop) and becomes a FileFormatError naming the file and the object it was reading.
// One worker is kept, unreferenced while idle, and reused by the next file: starting one costs
// more than walking a Keras file. Files are probed one at a time, in order.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConvkitError, FileFormatError } from '../errors.js';
import { h5DeadlineFor } from '../limits.js';

type FromWorker =
  | { type: 'ready' }
  | { id: number; type: 'at'; where: string }
  | { id: number; type: 'done' }
  | { id: number; type: 'trap'; message: string };

/**
 * The worker's file: beside this module in the sources; from the compiled `dist/io/`, in the
 * package's `src/io/` (tsc does not copy a .mjs file, and the package ships `src/`).
 */
export function h5WorkerUrl(from: string = import.meta.url): URL {
  const beside = new URL('./h5_worker.mjs', from);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../src/io/h5_worker.mjs', from);
}

interface Live {
  worker: Worker;
  ready: Promise<void>;
  url: string;
  /** The message handler of the probe in progress. */
  onMessage: ((m: FromWorker) => void) | null;
  /** Called when the thread fails or exits during a probe. */
  onDeath: ((why: string) => void) | null;
}

let live: Live | null = null;
let queue: Promise<unknown> = Promise.resolve();
let nextId = 0;
const warned = new Set<string>();

function start(url: URL): Live {
  // No execArgv: the parent's loader hooks (tsx) are not needed by a plain .mjs file and would
  // make h5wasm's large script pass through them.
  const worker = new Worker(url, { execArgv: [] });
  const state: Live = { worker, ready: Promise.resolve(), url: url.href, onMessage: null, onDeath: null };
  state.ready = new Promise<void>((resolve, reject) => {
    let started = false;
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        started = true;
        resolve();
      } else {
        state.onMessage?.(m);
      }
    });
    const die = (why: string): void => {
      if (live === state) live = null;
      if (!started) reject(new ConvkitError(`cannot start the HDF5 reading worker (${url.href}): ${why}`));
      state.onDeath?.(why);
    };
    worker.on('error', (e: Error) => die(e.message));
    worker.on('exit', (code) => die(`the thread exited with code ${code}`));
  });
  return state;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toPrecision(3))} s` : `${Number(ms.toPrecision(3))} ms`;
}

export interface ProbeOptions {
  /** Milliseconds; default: the HDF5 deadline for the file's size (limits.ts). 0: no probe. */
  deadlineMs?: number;
  /** Another worker script (tests: one that never finishes). */
  workerUrl?: URL;
}

/**
 * Walks the HDF5 file at `file` (an absolute path) in the worker; resolves when the walk ends,
 * throws a FileFormatError naming `name` (the user's file) and the object path when it does not end
 * within the deadline or the library aborts.
 */
export function probeH5(file: string, name: string, size: number, opts: ProbeOptions = {}): Promise<void> {
  const deadline = opts.deadlineMs ?? h5DeadlineFor(size);
  if (!(deadline > 0)) return Promise.resolve();
  const run = queue.then(() => probeOnce(file, name, size, deadline, opts.workerUrl ?? h5WorkerUrl()));
  queue = run.catch(() => undefined);
  return run;
}

async function probeOnce(file: string, name: string, size: number, deadline: number, url: URL): Promise<void> {
  if (live && live.url !== url.href) {
    await live.worker.terminate();
    live = null;
  }
  const state = live ?? (live = start(url));
  state.worker.ref();
  try {
    try {
      await state.ready;
    } catch (e) {
      // Without the worker (a bundle that left its script out), files are still read, without
      // the deadline: refusing every HDF5 file would be worse than the loop it guards against.
      if (!(e instanceof ConvkitError)) throw e;
      if (!warned.has(url.href)) {
        warned.add(url.href);
        console.warn(`convkit: ${e.message}; HDF5 files are read without a deadline`);
      }
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const id = nextId++;
      let where = '/';
      const fail = (why: string): void => {
        clearTimeout(timer);
        state.onMessage = null;
        state.onDeath = null;
        reject(new FileFormatError(`${name}: cannot read ${where}: ${why}`));
      };
      const timer = setTimeout(() => {
        if (live === state) live = null;
        fail(`reading did not finish within ${seconds(deadline)} (the file is damaged?)`);
        // terminate() interrupts the thread wherever it is, WebAssembly included (the file's
        // descriptor is closed with it: test/io/h5_worker.test.ts checks).
        void state.worker.terminate();
      }, deadline);
      state.onMessage = (m) => {
        if (!('id' in m) || m.id !== id) return;
        if (m.type === 'at') {
          where = m.where;
        } else if (m.type === 'done') {
          clearTimeout(timer);
          state.onMessage = null;
          state.onDeath = null;
          resolve();
        } else {
          fail(`the HDF5 library failed on it (${m.message}); the file is damaged`);
        }
      };
      state.onDeath = (why) => fail(`the reading thread stopped (${why}); the file is damaged`);
      state.worker.postMessage({ id, file, size });
    });
  } finally {
    if (live === state) state.worker.unref();
  }
}

/** Ends the probe's worker, if one is running (a later probe starts a new one). */
export async function closeH5Probe(): Promise<void> {
  const state = live;
  live = null;
  await state?.worker.terminate();
}
