// Builds the native addon during `npm install`. A failed build must not fail the install:
// convkit then runs on its TypeScript reference backend and says so once at run time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
if (process.env.CONVKIT_SKIP_NATIVE === '1') {
  console.log('convkit: CONVKIT_SKIP_NATIVE=1, not building the native addon');
  process.exit(0);
}
if (!existsSync(path.join(root, 'binding.gyp'))) process.exit(0);
let gyp;
try {
  gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  console.warn('convkit: node-gyp is not installed; the native backend will not be available');
  process.exit(0);
}
const r = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.warn('convkit: the native addon failed to build; convkit will use the TypeScript backend');
}
process.exit(0);
