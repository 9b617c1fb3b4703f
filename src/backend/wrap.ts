// Turns raw kernels into a backend's kernels, generically from the kernel table: every call is
// validated first (validate.ts), then either runs a reference kernel, or allocates the output and
// hands it to an addon kernel. One closure shape serves every kernel: it takes up to MAX_ARGS
// positional arguments (unused ones are undefined) so that no call builds an argument array.
import { kernelNames, kernels, type KernelName, type KernelSpec, type Kernels } from './kernels.js';
import { checkArg, checkLengths, checkOutputSize as outputSize } from './validate.js';
import { ValueError } from '../errors.js';
import { checkBytes } from '../limits.js';

/** Kernel arguments as the generic wrappers see them (checked against the table before use). */
type A = unknown;
/** A kernel seen through the table's declarations rather than its own signature. */
export interface LooseKernel {
  run(a?: A, b?: A, c?: A, d?: A, e?: A, f?: A, g?: A, h?: A, i?: A): unknown;
}
/** An addon kernel: the output buffer first (when the kernel has one), then the arguments. */
export interface LooseAddonKernel {
  run(out: A, a?: A, b?: A, c?: A, d?: A, e?: A, f?: A, g?: A, h?: A, i?: A): unknown;
}
const MAX_ARGS = 9;

interface LooseSpec {
  readonly args: KernelSpec['args'];
  readonly out: KernelSpec['out'];
  outSize(...a: A[]): number;
  check?(...a: A[]): string | null;
}

function pick(k: number, a: A, b: A, c: A, d: A, e: A, f: A, g: A, h: A, i: A): A {
  switch (k) {
    case 0:
      return a;
    case 1:
      return b;
    case 2:
      return c;
    case 3:
      return d;
    case 4:
      return e;
    case 5:
      return f;
    case 6:
      return g;
    case 7:
      return h;
    default:
      return i;
  }
}

function checkAll(name: KernelName, spec: LooseSpec, a: A, b: A, c: A, d: A, e: A, f: A, g: A, h: A, i: A): void {
  const decl = spec.args;
  for (let k = 0; k < decl.length; k++) checkArg(name, decl[k][0], decl[k][1], pick(k, a, b, c, d, e, f, g, h, i));
  const rule = spec.check ? spec.check(a, b, c, d, e, f, g, h, i) : null;
  if (rule) throw new ValueError(`convkit ${name}: ${rule}`);
}

/** The memory limit, checked before an output is allocated (both backends, same message). */
function checkOutput(name: KernelName, out: KernelSpec['out'], n: number): void {
  if (!Number.isSafeInteger(n)) return; // validate.ts names sizes that are not sizes
  checkBytes(`convkit ${name}: an output of ${n} ${out === 'i32' ? 'int32' : 'float32'} values`, n * 4);
}

function specOf(name: KernelName): LooseSpec {
  const spec: KernelSpec = kernels[name];
  if (spec.args.length > MAX_ARGS) throw new Error(`kernel table: ${name} has more than ${MAX_ARGS} arguments`);
  return spec;
}

/** A reference kernel that validates kinds, geometry, lengths and rules before it runs. */
function checkedRef(name: KernelName, raw: LooseKernel): LooseKernel {
  const spec = specOf(name);
  return {
    run(a, b, c, d, e, f, g, h, i) {
      checkAll(name, spec, a, b, c, d, e, f, g, h, i);
      checkLengths(name, [a, b, c, d, e, f, g, h, i]);
      // The same output limits as the addon's (element count), then the memory limit, before allocating.
      if (spec.out !== 'inPlace') {
        const n = spec.outSize(a, b, c, d, e, f, g, h, i);
        outputSize(name, n);
        checkOutput(name, spec.out, n);
      }
      return raw.run(a, b, c, d, e, f, g, h, i);
    },
  };
}

/**
 * An addon kernel behind the same validation (the addon checks lengths itself, with the same
 * messages), writing into an output allocated here. Nothing is allocated per call but the output.
 */
function checkedNative(name: KernelName, raw: LooseAddonKernel, alloc: (n: number, int32: boolean) => A): LooseKernel {
  const spec = specOf(name);
  if (spec.out === 'inPlace') {
    return {
      run(a, b, c, d, e, f, g, h, i) {
        checkAll(name, spec, a, b, c, d, e, f, g, h, i);
        return raw.run(a, b, c, d, e, f, g, h, i);
      },
    };
  }
  const int32 = spec.out === 'i32';
  return {
    run(a, b, c, d, e, f, g, h, i) {
      checkAll(name, spec, a, b, c, d, e, f, g, h, i);
      const size = spec.outSize(a, b, c, d, e, f, g, h, i);
      const n = outputSize(name, size);
      checkOutput(name, spec.out, n);
      const out = alloc(n, int32);
      raw.run(out, a, b, c, d, e, f, g, h, i);
      return out;
    },
  };
}

/** Wraps a table of loose kernels into the typed kernel record (every name of the table). */
function typed(make: (name: KernelName) => LooseKernel): Kernels {
  const out: Partial<Record<KernelName, LooseKernel['run']>> = {};
  // `run` is a closure that never reads `this`: storing it unbound costs nothing per call.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  for (const name of kernelNames) out[name] = make(name).run;
  // Each entry was built from the table's declaration of that very kernel and validates its
  // arguments against it, so the record has the table's signatures; TypeScript cannot follow a
  // signature through a loop over names, hence one cast at this single generic boundary.
  return out as unknown as Kernels;
}

/** Views a typed kernel through the table (the reverse of typed(), for one kernel). */
export function loose(f: Kernels[KernelName]): LooseKernel {
  const holder: { run(...a: never[]): unknown } = { run: f };
  return holder;
}

/** The reference kernels behind the shared validation. */
export function checkedReference(impl: Kernels): Kernels {
  return typed((name) => checkedRef(name, loose(impl[name])));
}

/**
 * Addon kernels behind the shared validation, with outputs from `alloc`; kernels the addon does
 * not carry (declared native: false) run the reference kernel instead.
 */
export function checkedAddon(
  addonKernel: (name: KernelName) => LooseAddonKernel | null,
  reference: Kernels,
  alloc: (n: number, int32: boolean) => A,
): Kernels {
  return typed((name) => {
    const raw = addonKernel(name);
    return raw ? checkedNative(name, raw, alloc) : checkedRef(name, loose(reference[name]));
  });
}
