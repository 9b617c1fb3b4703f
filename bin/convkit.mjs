#!/usr/bin/env node
// The `convkit` command: runs the compiled CLI (dist/cli/main.js, built by `npm install` through
// the package's `prepare` script, or by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(fileURLToPath(entry))) {
  const { runCommandLine } = await import(entry.href);
  await runCommandLine();
} else {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(
    `convkit: the compiled command is missing (${fileURLToPath(entry)}); run 'npm run build' in ${root}\n`,
  );
  process.exitCode = 1;
}
