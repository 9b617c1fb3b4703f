// Placeholder until the native helper lands the addon's TypeScript face.
import type { Backend } from '../types.js';

export function loadNativeBackend(): Backend | null {
  return null;
}
