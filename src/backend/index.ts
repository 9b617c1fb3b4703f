// Backend registry and selection. The active backend is one of the two globals convkit has
// (the other is the random seed). Native is the default when its addon loads; CONVKIT_BACKEND=js
// forces the reference backend; if native was asked for or expected but is unavailable, convkit
// says so once on stderr and runs on the reference backend.
import { jsBackend } from './js/index.js';
import { loadNativeBackend } from './native/index.js';
import type { Backend } from './types.js';

export type { Backend } from './types.js';
export { kernelNames, kernels, type KernelArgs, type KernelName } from './kernels.js';
export type BackendName = 'js' | 'native';

let active: Backend | null = null;
let nativeCache: Backend | null | undefined;
let warned = false;

function native(): Backend | null {
  if (nativeCache === undefined) nativeCache = loadNativeBackend();
  return nativeCache;
}

function warnOnce(msg: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(msg, { code: 'CONVKIT_BACKEND' });
}

/** The backend every op runs on. */
export function getBackend(): Backend {
  if (active) return active;
  const wanted = process.env.CONVKIT_BACKEND;
  if (wanted !== undefined && wanted !== '' && wanted !== 'js' && wanted !== 'native') {
    throw new Error(`CONVKIT_BACKEND: expected 'js' or 'native', got '${wanted}'`);
  }
  if (wanted === 'js') {
    active = jsBackend;
  } else {
    active = native() ?? jsBackend;
    if (active === jsBackend) {
      warnOnce(
        'convkit: the native addon is not available (did `npm install` build it?); using the slower TypeScript backend',
      );
    }
  }
  return active;
}

/** Selects the backend by name; throws if 'native' is requested but the addon is not available. */
export function setBackend(name: BackendName): void {
  if (name === 'js') {
    active = jsBackend;
  } else if (name === 'native') {
    const nb = native();
    if (!nb) throw new Error("setBackend('native'): the native addon is not built or failed to load");
    active = nb;
  } else {
    throw new Error(`setBackend: expected 'js' or 'native', got '${String(name)}'`);
  }
}

/** Name of the backend in use. */
export function backendName(): BackendName {
  return getBackend().name;
}

/** Whether the native addon loaded (without selecting it). */
export function nativeAvailable(): boolean {
  return native() !== null;
}

export { jsBackend };
