// The one validation every kernel call passes before it runs, on either backend, driven by the
// kernel table: argument kinds, integer geometry (strides, dilations, pool sizes >= 1), enum
// strings, buffer lengths and each kernel's own consistency rule. The reference backend and the
// addon therefore refuse the same calls with the same messages; the addon checks again in C++
// because it must never read out of bounds whatever it is handed.
// Errors are ValueErrors naming the kernel and the argument, expected versus given.
import { ValueError } from '../errors.js';
import { INTERPOLATIONS } from './image_geometry.js';
import { kernels, type ArgKind, type KernelName, type KernelSpec } from './kernels.js';
import { conv2dFields, pool2dFields } from './types.js';

const MAX_INT = 2147483647;
const MAX_RANK = 64;

const enums: Partial<Record<ArgKind, readonly string[]>> = {
  activation: ['linear', 'relu'],
  unaryOp: [
    'neg',
    'abs',
    'exp',
    'log',
    'sqrt',
    'rsqrt',
    'square',
    'reciprocal',
    'relu',
    'sigmoid',
    'tanh',
    'sign',
    'floor',
    'round',
    'softplus',
  ],
  binaryOp: [
    'add',
    'sub',
    'mul',
    'div',
    'maximum',
    'minimum',
    'pow',
    'greater',
    'greaterEqual',
    'less',
    'lessEqual',
    'equal',
  ],
  reduceOp: ['sum', 'max', 'min'],
  interpolation: INTERPOLATIONS,
};

function fail(kernel: string, msg: string): never {
  throw new ValueError(`convkit ${kernel}: ${msg}`);
}

function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= MAX_INT;
}

function geometry(kernel: string, name: string, v: unknown, fields: Readonly<Record<string, number>>): void {
  if (typeof v !== 'object' || v === null) fail(kernel, `argument '${name}' must be a geometry record`);
  const rec = v as Readonly<Record<string, unknown>>;
  for (const field in fields) {
    const min = fields[field];
    const f = rec[field];
    if (typeof f !== 'number' || !Number.isInteger(f)) fail(kernel, `${field} must be an integer, given ${String(f)}`);
    if (f < min || f > MAX_INT) fail(kernel, `${field} must be >= ${min}, given ${f}`);
  }
}

/** Checks one argument against its declared kind (allocation-free: it runs on every kernel call). */
export function checkArg(kernel: string, name: string, kind: ArgKind, v: unknown): void {
  switch (kind) {
    case 'f32':
      if (!(v instanceof Float32Array)) fail(kernel, `argument '${name}' must be a Float32Array`);
      return;
    case 'f32?':
      if (v !== null && !(v instanceof Float32Array)) fail(kernel, `argument '${name}' must be a Float32Array or null`);
      return;
    case 'i32':
      if (!(v instanceof Int32Array)) fail(kernel, `argument '${name}' must be an Int32Array`);
      return;
    case 'u8':
      if (!(v instanceof Uint8Array)) fail(kernel, `argument '${name}' must be a Uint8Array`);
      return;
    case 'f32list':
      if (!Array.isArray(v)) fail(kernel, `argument '${name}' must be an array of Float32Arrays`);
      for (const x of v) {
        if (!(x instanceof Float32Array)) fail(kernel, `argument '${name}' must hold Float32Arrays only`);
      }
      return;
    case 'int':
      if (!isInt(v, 0)) fail(kernel, `argument '${name}' must be an integer >= 0, given ${String(v)}`);
      return;
    case 'num':
      if (typeof v !== 'number') fail(kernel, `argument '${name}' must be a number`);
      if (!Number.isFinite(v)) fail(kernel, `argument '${name}' must be finite, given ${v}`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') fail(kernel, `argument '${name}' must be a boolean`);
      return;
    case 'shape':
      if (!Array.isArray(v)) fail(kernel, `argument '${name}' must be an array of integers`);
      if (v.length > MAX_RANK) fail(kernel, `'${name}' has rank ${v.length}, at most ${MAX_RANK}`);
      for (const d of v) {
        if (!isInt(d, 0)) fail(kernel, `'${name}' must hold non-negative integers, given [${v.join(', ')}]`);
      }
      return;
    case 'conv':
      geometry(kernel, name, v, conv2dFields);
      return;
    case 'pool':
      geometry(kernel, name, v, pool2dFields);
      return;
    default: {
      const allowed = enums[kind] ?? [];
      if (typeof v !== 'string' || !allowed.includes(v)) {
        fail(
          kernel,
          kind === 'activation'
            ? `activation must be 'linear' or 'relu', given '${String(v)}'`
            : kind.endsWith('Op')
              ? `unknown op '${String(v)}'`
              : `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, given '${String(v)}'`,
        );
      }
    }
  }
}

/**
 * Buffer lengths against the table (the reference backend's check; it allocates), with the message
 * the addon gives for the same mismatch.
 */
export function checkLengths(name: KernelName, args: ArrayLike<unknown>): void {
  const spec: { args: KernelSpec['args']; lengths(...a: unknown[]): Readonly<Record<string, number | undefined>> } =
    kernels[name];
  const want = spec.lengths(...Array.from(args));
  for (let i = 0; i < spec.args.length; i++) {
    const [arg] = spec.args[i];
    const v = args[i];
    const expected = want[arg];
    if (expected === undefined || !ArrayBuffer.isView(v)) continue;
    const len = (v as Float32Array).length;
    if (len !== expected) fail(name, `'${arg}' has length ${len}, expected ${expected}`);
  }
}

/** Output elements of a validated call: a safe integer within the addon's 2^31 limit. */
export function checkOutputSize(name: KernelName, n: number): number {
  if (!(Number.isSafeInteger(n) && n >= 0 && n <= 2 ** 31)) {
    fail(name, `output of ${n} elements is invalid or too large (at most 2^31)`);
  }
  return n;
}
