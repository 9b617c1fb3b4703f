// Runs the `convkit` command as a child process, from the TypeScript sources (as
// `node --conditions=development --import tsx src/cli/main.ts ...`), and checks the shape of its
// errors: one line on stderr that starts with 'convkit: ', and no stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): CliResult {
  const env: Record<string, string | undefined> = { ...process.env, CONVKIT_DEBUG: undefined, ...opts.env };
  // h5wasm/node first, so that tsx does not transform its 4 MB script in every child (see scripts/run-tests.mjs).
  const r = spawnSync(
    process.execPath,
    ['--conditions=development', '--import', 'h5wasm/node', '--import', 'tsx', MAIN, ...args],
    { encoding: 'utf8', cwd: opts.cwd ?? REPO, env, timeout: 120_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Many command lines in one child process, through main() (see batch_driver.ts). */
export function runCliBatch(lists: readonly (readonly string[])[]): CliResult[] {
  const driver = fileURLToPath(new URL('./batch_driver.ts', import.meta.url));
  const results = path.join(mkdtempSync(path.join(os.tmpdir(), 'convkit-cli-batch-')), 'results.json');
  const r = spawnSync(
    process.execPath,
    ['--conditions=development', '--import', 'h5wasm/node', '--import', 'tsx', driver, JSON.stringify(lists), results],
    { encoding: 'utf8', cwd: REPO, env: { ...process.env, CONVKIT_DEBUG: undefined }, timeout: 300_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(readFileSync(results, 'utf8')) as CliResult[];
}

/** A run that failed with `status` and said so in one line matching `pattern`. */
export function assertOneLineError(r: CliResult, status: 1 | 2, pattern: RegExp): void {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(r.status, status, `exit status ${r.status}, stderr:\n${r.stderr}`);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^convkit: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

/** A run that succeeded without a word on stderr. */
export function assertOk(r: CliResult): void {
  assert.equal(r.status, 0, `exit status ${r.status}, stderr:\n${r.stderr}`);
}
