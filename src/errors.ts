// Typed errors whose messages name the layer, file or argument, the expected and the given value.

export class ConvkitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A shape that does not fit: layer inputs, tensor arguments, data given to fit/evaluate. */
export class ShapeError extends ConvkitError {}

/** A bad value or option: unknown strings, out-of-range numbers, wrong types. */
export class ValueError extends ConvkitError {}

/** A file that is missing, damaged or not what was expected. */
export class FileFormatError extends ConvkitError {}

/** Formats a shape the way Keras prints it: (None, 26, 26, 32). */
export function fmtShape(shape: readonly (number | null)[]): string {
  const parts = shape.map((d) => (d === null || d === undefined ? 'None' : String(d)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}
