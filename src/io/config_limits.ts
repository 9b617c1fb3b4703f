// Bounds on a model config before it is rebuilt: the number of layers it declares (a 100,000-layer
// config would take minutes and gigabytes to build) and how deeply its JSON nests (the recursive
// readers would overflow the stack). Walked iteratively, so the check itself cannot overflow.
import { FileFormatError } from '../errors.js';
import { MAX_CONFIG_LAYERS } from '../limits.js';

/** Deepest JSON nesting accepted; Keras configs of nested models stay far below it. */
export const MAX_CONFIG_DEPTH = 1000;

/** Throws a FileFormatError naming `where` when the config declares too many layers or nests too deeply. */
export function checkConfigBounds(config: unknown, where: string): void {
  let layers = 0;
  const stack: [unknown, number][] = [[config, 0]];
  while (stack.length) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (depth > MAX_CONFIG_DEPTH) {
      throw new FileFormatError(
        `${where}: the model config nests more than ${MAX_CONFIG_DEPTH} levels deep (objects and arrays inside ` +
          'each other); a Keras model config does not, so the file is damaged or not a model',
      );
    }
    if (Array.isArray(x)) {
      for (const v of x) stack.push([v, depth + 1]);
      continue;
    }
    for (const [k, v] of Object.entries(x)) {
      if (k === 'layers' && Array.isArray(v)) {
        layers += v.length;
        if (layers > MAX_CONFIG_LAYERS) {
          throw new FileFormatError(
            `${where}: the model config declares more than ${MAX_CONFIG_LAYERS} layers; refused ` +
              '(real networks have hundreds to a few thousand)',
          );
        }
      }
      stack.push([v, depth + 1]);
    }
  }
}
