// Fuzz cases run in a process of their own by fuzz.test.ts: each loads a (damaged) model file the
// way a user would and prints one JSON line saying how it went. A separate process lets the parent
// enforce a deadline per case and a memory cap, and see a crash as a crash; one process runs many
// cases because starting one costs more than most cases.
import { readFileSync } from 'node:fs';
import { loadModel, loadWeights } from '../../src/io/index.js';
import '../../src/models/index.js';

export interface FuzzCase {
  mode: 'model' | 'weights';
  file: string;
  reference?: string;
}

async function runCase(c: FuzzCase): Promise<void> {
  const warn = (): void => undefined;
  if (c.mode === 'weights') {
    const model = await loadModel(c.reference ?? '', { compile: false, warn });
    await loadWeights(model, c.file, { warn });
  } else {
    await loadModel(c.file, { warn });
  }
}

async function main(): Promise<void> {
  const [listFile, from] = process.argv.slice(2);
  const cases = JSON.parse(readFileSync(listFile, 'utf8')) as FuzzCase[];
  for (let i = Number(from ?? 0); i < cases.length; i++) {
    let line: Record<string, unknown>;
    try {
      await runCase(cases[i]);
      line = { i, ok: true };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      line = { i, ok: false, name: err.constructor.name, message: err.message };
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

await main();
