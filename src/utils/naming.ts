// Keras 3 automatic names: snake_case(class name) with a global per-prefix counter; the first
// instance has no suffix (conv2d, conv2d_1, ...). clearSession() resets the counters.

const counters = new Map<string, number>();

/** Keras's snake_case: `_` before Upper+lower runs and between lower and upper, then lowercase. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export function uniqueName(prefix: string): string {
  const n = counters.get(prefix) ?? 0;
  counters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Resets automatic names (Keras's clear_session). */
export function clearSession(): void {
  counters.clear();
}
