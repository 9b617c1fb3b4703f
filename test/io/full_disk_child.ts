// Run by save_failures.test.ts inside a mount namespace where <dir> is a 64 KiB file system (full
// or read-only): tries every kind of save into it and prints, as JSON, each error and the file
// descriptors the process still holds in <dir>.
import { readdirSync, readlinkSync } from 'node:fs';
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { saveModel, saveWeights } from '../../src/io/index.js';

const dir = process.argv[2];
const model = new Sequential([new L.InputLayer({ shape: [100] }), new L.Dense(300)]);
const errors: Record<string, string> = {};
for (const name of ['m.h5', 'm.keras', 'w.weights.h5', 'w.h5', 'web']) {
  const target = `${dir}/${name}`;
  try {
    if (name === 'web') await saveModel(model, `tfjs://${target}`);
    else if (name.startsWith('w')) await saveWeights(model, target);
    else await saveModel(model, target);
    errors[name] = 'saved';
  } catch (e) {
    errors[name] = `${(e as Error).name}: ${(e as Error).message} [${String((e as { code?: unknown }).code)}]`;
  }
}
const open = readdirSync('/proc/self/fd')
  .map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return '';
    }
  })
  .filter((p) => p.startsWith(dir));
process.stdout.write(JSON.stringify({ errors, open, left: readdirSync(dir, { recursive: true }) }));
