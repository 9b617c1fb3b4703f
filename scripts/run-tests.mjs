// Runs every test file under test/ with node's built-in test runner (TypeScript through tsx).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const filter = process.argv.slice(2);
let files = walk('test');
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
const r = spawnSync(
  process.execPath,
  // h5wasm/node is imported before tsx so that tsx does not re-transform its 4 MB script in every
  // test process (about 10 s each under tsx, 0.2 s this way).
  [
    '--conditions=development',
    '--import',
    'h5wasm/node',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
