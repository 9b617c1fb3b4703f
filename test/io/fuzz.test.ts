// Seeded fuzz of every model-file format: damaged copies (truncations, bit flips, zeroed ranges,
// splices) of small Keras 2, Keras 3, convkit and TF.js files are loaded in child processes with a
// deadline per case and a memory cap. Every case must load or fail with an error that names the
// file the user gave, with no crash, no hang, no HDF5 dump on stderr and no temporary file left.
// A file on which HDF5 loops must be refused at the HDF5 reading deadline (set in the child well
// under the case's), with an error naming the object path, not reach the case's deadline.
// CONVKIT_FUZZ_CASES sets the cases per format (default 40); CONVKIT_FUZZ_SEED the first seed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { saveModel } from '../../src/io/index.js';
import { DAMAGE_KINDS, damage } from './fuzz_damage.js';
import type { FuzzCase } from './fuzz_child.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIX = path.join(HERE, 'fixtures');
const CASES = Number(process.env.CONVKIT_FUZZ_CASES ?? 40);
const SEED = Number(process.env.CONVKIT_FUZZ_SEED ?? 1);
/** Generous: the case itself takes well under a second, but the machine may be shared. */
const DEADLINE_MS = Number(process.env.CONVKIT_FUZZ_DEADLINE_MS ?? 90_000);
/**
 * The HDF5 reading deadline inside the child, well under the case's: a file on which the library
 * loops must come back as a FileFormatError, never reach the case's deadline as a hang.
 */
const H5_DEADLINE_MS = Math.floor(DEADLINE_MS / 4);
/** The words of the HDF5 reading deadline's error, which must also name an object path. */
const TIMED_OUT = /reading did not finish within/;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ck-fuzz-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  ok?: boolean;
  name?: string;
  message?: string;
  hang?: boolean;
  crash?: string;
}

/**
 * Runs the cases in one child process (restarted after a hang or crash), with its own TMPDIR so
 * leftovers can be counted, a V8 heap cap and a tensor limit well under it.
 */
async function runCases(
  cases: FuzzCase[],
  dir: string,
): Promise<{ outcomes: Outcome[]; stderr: string; tmpLeft: string[] }> {
  const list = path.join(dir, 'cases.json');
  writeFileSync(list, JSON.stringify(cases));
  const childTmp = path.join(dir, 'tmp');
  mkdirSync(childTmp, { recursive: true });
  const outcomes: Outcome[] = new Array<Outcome>(cases.length);
  let stderr = '';
  let next = 0;
  while (next < cases.length) {
    const start = next;
    const done = await new Promise<{ last: number; code: number | null; timedOut: boolean; err: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--conditions=development',
          '--import',
          'tsx',
          '--max-old-space-size=1536',
          path.join(HERE, 'fuzz_child.ts'),
          list,
          String(start),
        ],
        {
          env: {
            ...process.env,
            TMPDIR: childTmp,
            CONVKIT_MAX_TENSOR_BYTES: String(256 * 1024 * 1024),
            CONVKIT_H5_DEADLINE_MS: String(H5_DEADLINE_MS),
          },
        },
      );
      let buf = '';
      let err = '';
      let last = start - 1;
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, DEADLINE_MS);
      };
      arm();
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const r = JSON.parse(line) as Outcome & { i: number };
          outcomes[r.i] = r;
          last = r.i;
          arm();
        }
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString('utf8');
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ last, code, timedOut, err });
      });
    });
    stderr += done.err;
    next = done.last + 1;
    if (next < cases.length) {
      // The case after the last reported one hung or took the process down.
      outcomes[next] = done.timedOut ? { hang: true } : { crash: `exit ${done.code}: ${done.err.slice(-400)}` };
      next++;
    }
  }
  // tsx keeps its compile cache in TMPDIR; anything else there was left by a load.
  return { outcomes, stderr, tmpLeft: readdirSync(childTmp).filter((n) => !n.startsWith('tsx-')) };
}

interface Format {
  name: string;
  mode: 'model' | 'weights';
  source: string;
  reference?: string;
  tfjs?: boolean;
}

async function convkitFiles(): Promise<{ h5: string; keras: string; tfjs: string }> {
  const m = new Sequential(
    [new L.Conv2D(2, 3, { inputShape: [6, 6, 1], name: 'conv' }), new L.Flatten(), new L.Dense(3, { name: 'dense' })],
    { name: 'own' },
  );
  const dir = path.join(tmp, 'own');
  mkdirSync(dir, { recursive: true });
  const h5 = path.join(dir, 'own.h5');
  const keras = path.join(dir, 'own.keras');
  const tfjs = path.join(dir, 'web');
  await saveModel(m, h5);
  await saveModel(m, keras);
  await saveModel(m, `tfjs://${tfjs}`);
  return { h5, keras, tfjs };
}

/** Writes the damaged copy of a case; a TF.js case damages model.json or its shard, by turns. */
function makeCase(f: Format, i: number, dir: string): { c: FuzzCase; named: string } {
  const seed = SEED + i;
  const kind = DAMAGE_KINDS[i % DAMAGE_KINDS.length];
  const caseDir = path.join(dir, `case${i}`);
  mkdirSync(caseDir, { recursive: true });
  if (f.tfjs) {
    for (const name of readdirSync(f.source)) copyFileSync(path.join(f.source, name), path.join(caseDir, name));
    const victim =
      Math.floor(i / DAMAGE_KINDS.length) % 2 === 0
        ? 'model.json'
        : readdirSync(f.source).find((n) => n.endsWith('.bin'))!;
    const p = path.join(caseDir, victim);
    writeFileSync(p, damage(readFileSync(p), kind, seed));
    const file = path.join(caseDir, 'model.json');
    return { c: { mode: 'model', file }, named: `case${i}` };
  }
  const file = path.join(caseDir, `damaged${path.extname(f.source)}`);
  writeFileSync(file, damage(readFileSync(f.source), kind, seed));
  return { c: { mode: f.mode, file, reference: f.reference }, named: `case${i}` };
}

function verdict(o: Outcome | undefined, named: string): string | null {
  if (!o) return 'no result';
  if (o.hang) return `no result within ${DEADLINE_MS} ms (hang)`;
  if (o.crash) return `crashed: ${o.crash}`;
  if (o.ok) return null;
  const msg = o.message ?? '';
  if (!msg.includes(named)) return `the error does not name the file: ${o.name}: ${msg.slice(0, 300)}`;
  if (/HDF5-DIAG|#0\d\d:|__w\/libhdf5/.test(msg)) return `the error is a raw HDF5 dump: ${msg.slice(0, 300)}`;
  if (/convkit-[A-Za-z0-9]{6}\//.test(msg)) return `the error names a temporary file: ${msg.slice(0, 300)}`;
  if (msg.includes('\n')) return `the error is more than one line: ${msg.slice(0, 300)}`;
  if (TIMED_OUT.test(msg) && !/: cannot read (\/|attribute ')/.test(msg)) {
    return `the deadline's error names no object path: ${msg.slice(0, 300)}`;
  }
  return null;
}

test(`fuzz: ${CASES} damaged files per format load or fail cleanly, naming the file`, async () => {
  const own = await convkitFiles();
  const formats: Format[] = [
    { name: 'Keras 2 .h5 (loadModel)', mode: 'model', source: path.join(FIX, 'keras2circom', 'model.h5') },
    { name: 'Keras 3 legacy .h5 (loadModel)', mode: 'model', source: path.join(FIX, 'keras3', 'kcnn.h5') },
    {
      name: '.weights.h5 (loadWeights)',
      mode: 'weights',
      source: path.join(FIX, 'keras3', 'kcnn.weights.h5'),
      reference: path.join(FIX, 'keras3', 'kcnn.keras'),
    },
    { name: 'Keras 3 .keras (loadModel)', mode: 'model', source: path.join(FIX, 'keras3', 'kgraph.keras') },
    { name: 'convkit .h5 (loadModel)', mode: 'model', source: own.h5 },
    { name: 'convkit .keras (loadModel)', mode: 'model', source: own.keras },
    { name: 'TF.js model.json + shard', mode: 'model', source: own.tfjs, tfjs: true },
  ];
  const report: string[] = [];
  const failures: string[] = [];
  for (const [fi, f] of formats.entries()) {
    const dir = path.join(tmp, `f${fi}`);
    mkdirSync(dir, { recursive: true });
    const made = Array.from({ length: CASES }, (_, i) => makeCase(f, i, dir));
    const { outcomes, stderr, tmpLeft } = await runCases(
      made.map((m) => m.c),
      dir,
    );
    let loaded = 0;
    let clean = 0;
    let timedOut = 0;
    made.forEach((m, i) => {
      const o = outcomes[i];
      const bad = verdict(o, m.named);
      if (bad) failures.push(`${f.name}, case ${i} (seed ${SEED + i}, ${DAMAGE_KINDS[i % 4]}): ${bad}`);
      else if (o?.ok) loaded++;
      else {
        clean++;
        if (TIMED_OUT.test(o?.message ?? '')) timedOut++;
      }
    });
    if (/HDF5-DIAG|#000:/.test(stderr)) failures.push(`${f.name}: HDF5 diagnostics on stderr: ${stderr.slice(0, 300)}`);
    if (tmpLeft.length) failures.push(`${f.name}: temporary files left: ${tmpLeft.join(', ')}`);
    report.push(
      `${f.name}: ${CASES} cases, ${clean} clean errors (${timedOut} at the HDF5 deadline), ` +
        `${loaded} loaded, ${CASES - clean - loaded} bad`,
    );
    // A long run reports each format as it ends, so a cut-short run still says what it saw.
    if (process.env.CONVKIT_FUZZ_REPORT) process.stdout.write(`${report[report.length - 1]}\n`);
    if (process.env.CONVKIT_FUZZ_REPORT) process.stdout.write(`${failures.join('\n')}\n`);
  }
  assert.deepEqual(failures, [], report.join('\n'));
});
