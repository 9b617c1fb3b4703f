// The help texts: the command list (`convkit --help`) and one command's usage and flags.
import { CONVKIT_VERSION } from '../version.js';
import { GLOBAL_OPTIONS, type OptionSpec } from './args.js';
import type { Command } from './command.js';

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, spec]) => {
    const metavar =
      spec.kind === 'boolean'
        ? ''
        : ` ${spec.metavar ?? (spec.kind === 'choice' ? (spec.choices ?? []).join('|') : spec.kind === 'int' ? 'N' : spec.kind === 'number' ? 'X' : 'VALUE')}`;
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${metavar}`;
    const right = spec.defaultText === undefined ? spec.help : `${spec.help} (default: ${spec.defaultText})`;
    return [left, right] as const;
  });
  const width = Math.min(34, Math.max(...rows.map(([l]) => l.length)));
  return rows.map(([l, r]) =>
    l.length > width ? `  ${l}\n  ${' '.repeat(width)}  ${r}` : `  ${l.padEnd(width)}  ${r}`,
  );
}

export function globalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => `${c.name} ${c.usage.replace(/ ?\[options\]$/, '')}`.length));
  const lines = [
    `convkit ${CONVKIT_VERSION}: the computer-vision chapter's convnets from the command line`,
    '',
    'Usage: convkit <command> [arguments] [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${`${c.name} ${c.usage.replace(/ ?\[options\]$/, '')}`.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    "Run 'convkit <command> --help' for a command's options. Environment: CONVKIT_BACKEND=js|native,",
    'CONVKIT_NUM_THREADS, CONVKIT_DEBUG=1 (stack traces with errors).',
  ];
  return lines.join('\n');
}

export function commandHelp(c: Command): string {
  const lines = [`Usage: convkit ${c.name} ${c.usage}`, '', `${c.summary[0].toUpperCase()}${c.summary.slice(1)}.`];
  for (const p of c.description ?? []) lines.push('', ...wrap(p, 100));
  if (Object.keys(c.options).length > 0) lines.push('', 'Options:', ...optionLines(c.options));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
  if (c.examples?.length) lines.push('', 'Examples:', ...c.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
