import { jsBackend } from '../../src/backend/js/index.js';
import { getBackend, nativeAvailable, setBackend, type BackendName } from '../../src/backend/index.js';

/** The backends available here: 'js' always, 'native' when its addon loaded. */
export function backendsToTest(): BackendName[] {
  return nativeAvailable() ? ['js', 'native'] : ['js'];
}

/** Runs fn with the named backend selected, restoring the previous one afterwards. */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const prev = getBackend();
  setBackend(name);
  try {
    return fn();
  } finally {
    setBackend(prev === jsBackend ? 'js' : 'native');
  }
}
