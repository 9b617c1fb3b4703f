// The command line's grammar: what a subcommand declares (its positionals and flags) and the
// parser that checks argv against it. Hand-written rather than node's util.parseArgs because the
// errors must be the command's own ("did you mean", the flag's expected value), and numbers are
// checked here, once, so a subcommand receives values that are already valid.
import { didYouMean } from '../utils/suggest.js';

/** A mistake in how the command was called: the process exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure that is not a usage mistake and not the library's own error: exit status 1. */
export class CommandFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailure';
  }
}

export type OptionKind = 'boolean' | 'string' | 'int' | 'number' | 'choice';

export interface OptionSpec {
  kind: OptionKind;
  help: string;
  /** One letter, for `-x`. */
  short?: string;
  /** What the value is called in the help (default: the kind). */
  metavar?: string;
  /** The allowed strings of a 'choice'. */
  choices?: readonly string[];
  /** Bounds of an 'int' or 'number' (inclusive unless the matching `...Exclusive` is set). */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** Shown in the help; the command applies its own defaults. */
  defaultText?: string;
  /**
   * A 'string' flag whose value may be left out (`--report` or `--report out.html`): the next
   * argument is its value only when it matches this pattern (or with `--name=value`), so a
   * positional after the flag stays a positional. Alone, the flag's value is `true`.
   */
  optionalValue?: RegExp;
}

export interface PositionalSpec {
  name: string;
  /** Takes every remaining positional (at least one unless optional). */
  variadic?: boolean;
  optional?: boolean;
}

export type OptionValue = string | number | boolean;

/** The flags every command accepts, before or after the subcommand. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  help: { kind: 'boolean', short: 'h', help: 'show this help' },
  version: { kind: 'boolean', short: 'V', help: "print convkit's version" },
  quiet: { kind: 'boolean', short: 'q', help: 'no progress bars or progress lines, only results and errors' },
};

/** Parsed arguments of one command; values are already checked against their spec. */
export class ParsedArgs {
  constructor(
    readonly command: string,
    readonly positionals: readonly string[],
    private readonly values: ReadonlyMap<string, OptionValue>,
  ) {}

  /** Whether the flag was given on the command line. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  get given(): string[] {
    return [...this.values.keys()];
  }

  flag(name: string): boolean {
    return this.values.get(name) === true;
  }

  str(name: string): string | undefined;
  str(name: string, fallback: string): string;
  str(name: string, fallback?: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : fallback;
  }

  num(name: string): number | undefined;
  num(name: string, fallback: number): number;
  num(name: string, fallback?: number): number | undefined {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : fallback;
  }
}

/** A number as people type it: decimal, exponent, or a fraction such as 1/255. */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const frac = /^([^/]+)\/([^/]+)$/.exec(t);
  if (frac) {
    const a = parseNumber(frac[1]);
    const b = parseNumber(frac[2]);
    return a === null || b === null || b === 0 ? null : a / b;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** "a positive integer", "a number in (0, 1)", ...: what an option's value must be. */
export function describeRange(spec: OptionSpec): string {
  const what = spec.kind === 'int' ? 'an integer' : 'a number';
  const { min, max } = spec;
  if (spec.kind === 'int' && min !== undefined && max === undefined) {
    if (min === 1 && !spec.minExclusive) return 'a positive integer';
    if (min === 0 && !spec.minExclusive) return 'a non-negative integer';
  }
  if (min !== undefined && max !== undefined) {
    return `${what} in ${spec.minExclusive ? '(' : '['}${min}, ${max}${spec.maxExclusive ? ')' : ']'}`;
  }
  if (min !== undefined) return `${what} ${spec.minExclusive ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${what} ${spec.maxExclusive ? '<' : '<='} ${max}`;
  return what;
}

function checkValue(flag: string, spec: OptionSpec, raw: string, where: string): OptionValue {
  if (spec.kind === 'string') {
    if (raw === '') throw new UsageError(`${where}: ${flag} needs a value, got an empty string`);
    return raw;
  }
  if (spec.kind === 'choice') {
    const choices = spec.choices ?? [];
    if (!choices.includes(raw)) {
      throw new UsageError(
        `${where}: ${flag} must be one of ${choices.join(', ')}, got '${raw}'${didYouMean(raw, choices)}`,
      );
    }
    return raw;
  }
  const n = parseNumber(raw);
  const ok =
    n !== null &&
    (spec.kind !== 'int' || Number.isInteger(n)) &&
    (spec.min === undefined || (spec.minExclusive ? n > spec.min : n >= spec.min)) &&
    (spec.max === undefined || (spec.maxExclusive ? n < spec.max : n <= spec.max));
  if (!ok) throw new UsageError(`${where}: ${flag} expects ${describeRange(spec)}, got '${raw}'`);
  return n;
}

export interface ParseResult {
  positionals: string[];
  values: Map<string, OptionValue>;
}

/**
 * Parses argv against the given flags: `--name value`, `--name=value`, `-x value`, boolean flags
 * alone (or `--no-name`), `--` ends the flags. Unknown flags, missing values and bad numbers are
 * UsageErrors naming `where` (the command).
 */
export function parseArgv(argv: readonly string[], options: Record<string, OptionSpec>, where: string): ParseResult {
  const positionals: string[] = [];
  const values = new Map<string, OptionValue>();
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) if (spec.short) byShort.set(spec.short, name);
  let i = 0;
  while (i < argv.length) {
    const a = argv[i++];
    if (a === '--') {
      positionals.push(...argv.slice(i));
      break;
    }
    if (a === '-' || !a.startsWith('-') || parseNumber(a) !== null) {
      positionals.push(a);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      inline = eq < 0 ? undefined : a.slice(eq + 1);
    } else {
      const long = byShort.get(a.slice(1, 2));
      if (long === undefined || a.length > 2) {
        throw new UsageError(`${where}: unknown option '${a}'${suggestFlag(a, options)}`);
      }
      name = long;
    }
    let spec = options[name] as OptionSpec | undefined;
    if (!Object.hasOwn(options, name)) spec = undefined;
    if (spec === undefined && name.startsWith('no-') && options[name.slice(3)]?.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${where}: --${name} takes no value, got '${inline}'`);
      values.set(name.slice(3), false);
      continue;
    }
    if (spec === undefined) throw new UsageError(`${where}: unknown option '--${name}'${suggestFlag(name, options)}`);
    const flag = `--${name}`;
    if (spec.kind === 'boolean') {
      if (inline === undefined) values.set(name, true);
      else if (inline === 'true' || inline === 'false') values.set(name, inline === 'true');
      else throw new UsageError(`${where}: ${flag} takes no value, got '${inline}'`);
      continue;
    }
    let raw = inline;
    if (raw === undefined && spec.kind === 'string' && spec.optionalValue) {
      const next = argv[i];
      if (next === undefined || !spec.optionalValue.test(next)) {
        if (values.has(name)) throw new UsageError(`${where}: ${flag} is given twice`);
        values.set(name, true);
        continue;
      }
    }
    if (raw === undefined) {
      const next = argv[i];
      if (next === undefined || (next.startsWith('-') && next !== '-' && parseNumber(next) === null)) {
        throw new UsageError(`${where}: ${flag} needs a value (${spec.metavar ?? describeExpected(spec)})`);
      }
      raw = next;
      i++;
    }
    if (values.has(name)) throw new UsageError(`${where}: ${flag} is given twice`);
    values.set(name, checkValue(flag, spec, raw, where));
  }
  return { positionals, values };
}

function describeExpected(spec: OptionSpec): string {
  if (spec.kind === 'choice') return `one of ${(spec.choices ?? []).join(', ')}`;
  if (spec.kind === 'int' || spec.kind === 'number') return describeRange(spec);
  return 'a value';
}

function suggestFlag(given: string, options: Record<string, OptionSpec>): string {
  const bare = given.replace(/^-+/, '');
  const hint = didYouMean(bare, Object.keys(options));
  return hint.replace(/'([^']+)'/, "'--$1'");
}

/** Checks the positionals' count against the command's declaration. */
export function checkPositionals(given: readonly string[], specs: readonly PositionalSpec[], where: string): void {
  const required = specs.filter((p) => !p.optional);
  if (given.length < required.length) {
    const missing = required[given.length];
    throw new UsageError(`${where}: missing ${missing.name}${missing.variadic ? ' (one or more)' : ''}`);
  }
  const variadic = specs.some((p) => p.variadic);
  if (!variadic && given.length > specs.length) {
    const extra = given.slice(specs.length);
    throw new UsageError(
      `${where}: unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((e) => `'${e}'`).join(' ')}`,
    );
  }
}
