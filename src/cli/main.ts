// The `convkit` command: finds the subcommand in the command table, parses and checks its
// arguments, runs it, and turns every error into one line on stderr with the exit status the
// shell expects: 0 done, 1 failure (missing file, damaged model: the library's own message), 2
// usage mistake. Stack traces only with CONVKIT_DEBUG=1. bin/convkit.mjs runs the compiled copy
// of this file; tests run this source under tsx.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvkitError } from '../errors.js';
import { setPrintFunction } from '../utils/progbar.js';
import { didYouMean } from '../utils/suggest.js';
import { CONVKIT_VERSION } from '../version.js';
import {
  CommandFailure,
  GLOBAL_OPTIONS,
  ParsedArgs,
  UsageError,
  checkPositionals,
  parseArgv,
  type OptionSpec,
} from './args.js';
import type { Command, Context } from './command.js';
import { COMMANDS } from './commands.js';
import { commandHelp, globalHelp } from './help.js';

export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processStreams: Streams = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** The flags before `--`: help and version win over everything else on the line. */
function wants(argv: readonly string[], long: string, short: string): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === `--${long}` || a === `-${short}`);
}

/** The exit status and the one line an error gets. */
export function describeError(e: unknown): { status: 1 | 2; line: string; internal: boolean } {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
  if (e instanceof UsageError) return { status: 2, line: oneLine(e.message), internal: false };
  if (e instanceof CommandFailure || e instanceof ConvkitError) {
    return { status: 1, line: oneLine(e.message), internal: false };
  }
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && !(e instanceof TypeError)) {
    // Node's file-system errors (ENOENT, EACCES, ENOSPC...) name the path already.
    return { status: 1, line: oneLine(e.message), internal: false };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    status: 1,
    line: `internal error: ${oneLine(message)} (CONVKIT_DEBUG=1 prints the stack trace)`,
    internal: true,
  };
}

async function dispatch(argv: readonly string[], io: Streams): Promise<number> {
  // Global flags may come before the subcommand.
  let i = 0;
  let quiet = false;
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '-' && argv[i] !== '--') {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      io.stdout(globalHelp(COMMANDS) + '\n');
      return 0;
    }
    if (a === '--version' || a === '-V') {
      io.stdout(`convkit ${CONVKIT_VERSION}\n`);
      return 0;
    }
    if (a === '--quiet' || a === '-q') {
      quiet = true;
      i++;
      continue;
    }
    const hint = didYouMean(a.replace(/^-+/, ''), Object.keys(GLOBAL_OPTIONS)).replace(/'([^']+)'/, "'--$1'");
    throw new UsageError(`unknown option '${a}'${hint}; options before the command are --help, --version, --quiet`);
  }
  if (argv[i] === '--') i++;
  const name = argv[i];
  const names = COMMANDS.map((c) => c.name);
  if (name === undefined) {
    throw new UsageError(`missing command (one of ${names.join(', ')}); run 'convkit --help'`);
  }
  if (name === 'help') {
    // `convkit help` and `convkit help train`, as git and npm answer them.
    const topic = argv[i + 1];
    const about = COMMANDS.find((c) => c.name === topic);
    if (topic !== undefined && !about) {
      throw new UsageError(
        `help: unknown command '${topic}'${didYouMean(topic, names)}; the commands are ${names.join(', ')}`,
      );
    }
    io.stdout((about ? commandHelp(about) : globalHelp(COMMANDS)) + '\n');
    return 0;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === name);
  if (!command) {
    throw new UsageError(`unknown command '${name}'${didYouMean(name, names)}; the commands are ${names.join(', ')}`);
  }
  const rest = argv.slice(i + 1);
  if (wants(rest, 'help', 'h')) {
    io.stdout(commandHelp(command) + '\n');
    return 0;
  }
  if (wants(rest, 'version', 'V')) {
    io.stdout(`convkit ${CONVKIT_VERSION}\n`);
    return 0;
  }
  const options: Record<string, OptionSpec> = { ...command.options, ...GLOBAL_OPTIONS };
  const { positionals, values } = parseArgv(rest, options, command.name);
  checkPositionals(positionals, command.positionals, command.name);
  quiet ||= values.get('quiet') === true;
  for (const g of Object.keys(GLOBAL_OPTIONS)) values.delete(g);
  const args = new ParsedArgs(command.name, positionals, values);
  const ctx: Context = {
    args,
    quiet,
    out: (line) => io.stdout(line + '\n'),
    info: quiet ? () => {} : (line) => io.stdout(line + '\n'),
    note: quiet ? () => {} : (line) => io.stderr(`convkit: ${line}\n`),
  };
  if (quiet) setPrintFunction(() => {});
  try {
    await command.run(ctx);
  } finally {
    if (quiet) setPrintFunction(null);
  }
  return 0;
}

/** Runs the command line (without `node` and the script); returns the exit status. */
export async function main(argv: readonly string[], io: Streams = processStreams): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    const { status, line } = describeError(e);
    io.stderr(`convkit: ${line}\n`);
    if (process.env.CONVKIT_DEBUG === '1') {
      io.stderr(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    return status;
  }
}

/** Runs the process's own command line: what bin/convkit.mjs calls. */
export async function runCommandLine(): Promise<void> {
  // `convkit summary m.keras | head` closes the pipe early; that is not an error worth a trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = await main(process.argv.slice(2));
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  return script !== undefined && path.resolve(script) === fileURLToPath(import.meta.url);
}

if (isEntryPoint()) await runCommandLine();
