// What a subcommand is: its name, one-line summary, usage, positionals, flags and the function
// that runs it. Every subcommand is one such object in its own file under commands/, listed once
// in commands.ts; main.ts parses, checks and dispatches through that list only.
import type { OptionSpec, ParsedArgs, PositionalSpec } from './args.js';

/** Where a command writes: results go to stdout, progress to stdout unless quiet, notes to stderr. */
export interface Context {
  args: ParsedArgs;
  quiet: boolean;
  /** A result line (always printed: a table, a metric, the file written). */
  out: (line: string) => void;
  /** A progress or information line (dropped by --quiet). */
  info: (line: string) => void;
  /** A note or warning on stderr (dropped by --quiet). */
  note: (line: string) => void;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The usage line after `convkit NAME` (e.g. 'MODEL IMAGE... [options]'). */
  usage: string;
  positionals: readonly PositionalSpec[];
  options: Record<string, OptionSpec>;
  /** Paragraphs printed under the usage in `convkit NAME --help`. */
  description?: readonly string[];
  /** Example invocations for the help. */
  examples?: readonly string[];
  run(ctx: Context): Promise<void>;
}
