// Run-time checks of options objects and numeric arguments, shared by every public entry point:
// TypeScript catches a misspelt option only for typed callers, so unknown keys are refused here
// (Keras's snake_case names get a hint to the camelCase one), and numbers given as strings say so
// (with the value's type printed) instead of being coerced or stored.
import { ValueError } from './errors.js';
import { didYouMean } from './utils/suggest.js';

/** The option names a loop accepts (a Record over the options type, so none can be forgotten). */
export type OptionNames<A> = Record<keyof A, true>;

/** How a value reads in an error message: numbers as they are, other things with their type. */
export function describeValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `the string '${v}'`;
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') {
    const ctor: unknown = Object.getPrototypeOf(v)?.constructor;
    return `an object (${typeof ctor === 'function' && ctor.name ? ctor.name : 'Object'})`;
  }
  if (typeof v === 'function') return `a function${v.name ? ` (${v.name})` : ''}`;
  if (typeof v === 'symbol') return `the symbol ${v.description ?? ''}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  if (typeof v === 'bigint') return `the bigint ${v}n`;
  return `a value of type ${typeof v}`;
}

/**
 * The options object, checked for unknown keys; undefined gives {}. A misspelt key names the close
 * option (did you mean), a snake_case one the camelCase form, a Keras keyword argument that is
 * positional here (`positional`, in order) says so; otherwise every option is listed.
 */
export function checkOptions<A extends object>(
  args: unknown,
  names: OptionNames<A>,
  where: string,
  positional: readonly string[] = [],
): A {
  if (args === undefined || args === null) return {} as A;
  if (typeof args !== 'object' || Array.isArray(args)) {
    throw new ValueError(`${where}: expected an options object, got ${describeValue(args)}`);
  }
  for (const key of Object.keys(args)) {
    if (Object.hasOwn(names, key)) continue;
    const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    const at = positional.indexOf(camel);
    if (at >= 0) {
      const nth = ['first', 'second', 'third', 'fourth'][at] ?? `#${at + 1}`;
      throw new ValueError(`${where}: unknown option '${key}'; use ${camel}, the ${nth} argument, not an option`);
    }
    if (camel !== key && Object.hasOwn(names, camel)) {
      throw new ValueError(`${where}: unknown option '${key}'; use ${camel}`);
    }
    const hint = didYouMean(camel, Object.keys(names));
    if (hint) throw new ValueError(`${where}: unknown option '${key}'${hint}`);
    throw new ValueError(`${where}: unknown option '${key}'; the options are ${Object.keys(names).join(', ')}`);
  }
  return args as A;
}

/**
 * Refuses Keras's snake_case spellings (`input_shape`) in an options object whose full list of names
 * is not known here (layer constructors, whose subclasses add their own): camelCase is the only form.
 */
export function rejectSnakeCaseKeys(args: unknown, where: string): void {
  if (args === undefined || args === null) return;
  if (typeof args !== 'object' || Array.isArray(args)) {
    throw new ValueError(`${where}: expected an options object, got ${describeValue(args)}`);
  }
  for (const key of Object.keys(args)) {
    if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(key)) continue;
    const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    throw new ValueError(`${where}: unknown option '${key}'; use ${camel}`);
  }
}

export function checkPositiveInt(v: unknown, name: string): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)) {
    throw new ValueError(`${name}: expected a positive integer, got ${describeValue(v)}`);
  }
}

export function checkNonNegativeInt(v: unknown, name: string): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
    throw new ValueError(`${name}: expected a non-negative integer, got ${describeValue(v)}`);
  }
}

export function checkBoolean(v: unknown, name: string): void {
  if (v !== undefined && typeof v !== 'boolean') {
    throw new ValueError(`${name}: expected true or false, got ${describeValue(v)}`);
  }
}

/** How an argument reads in an error message: arrays as JSON (string elements keep their quotes). */
export function describeArgument(v: unknown): string {
  return Array.isArray(v) ? JSON.stringify(v) : describeValue(v);
}

/** A finite number (optionally within [min, max]); undefined passes, as an absent option. */
export function checkNumber(v: unknown, name: string, range: { min?: number; max?: number } = {}): void {
  if (v === undefined) return;
  const { min = -Infinity, max = Infinity } = range;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    const want =
      min === -Infinity && max === Infinity
        ? 'a number'
        : max === Infinity
          ? `a number >= ${min}`
          : min === -Infinity
            ? `a number <= ${max}`
            : `a number in [${min}, ${max}]`;
    throw new ValueError(`${name}: expected ${want}, got ${describeValue(v)}`);
  }
}

/** A string among `allowed`; undefined passes. */
export function checkChoice(v: unknown, allowed: readonly string[], name: string): void {
  if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) {
    const choices = allowed.map((a) => `'${a}'`).join(', ');
    throw new ValueError(`${name}: expected one of ${choices}, got ${describeValue(v)}`);
  }
}

/** An integer (a seed, an axis); undefined passes. */
export function checkInt(v: unknown, name: string): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v))) {
    throw new ValueError(`${name}: expected an integer, got ${describeValue(v)}`);
  }
}
