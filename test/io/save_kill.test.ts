// Saves killed at random moments (SIGKILL, seeded delays): after each kill the target loads with the
// weights of one save (the last completed one or the one in progress), never a mix of two, and the
// next complete save leaves only the target's own files (no temporaries beside it, none in the
// system's temporary folder). CONVKIT_KILL_ROUNDS sets the kills per kind (default 5, to keep the suite short).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadModel, loadWeights } from '../../src/io/index.js';
import type { Model } from '../../src/models/model.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { loadNpy } from '../../src/utils/npy.js';
import { type SaveKind, fill, killModel, saveAs } from './save_kill_child.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'save_kill_child.ts');
const ROUNDS = Number(process.env.CONVKIT_KILL_ROUNDS ?? 5);
const root = mkdtempSync(path.join(os.tmpdir(), 'convkit-kill-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** mulberry32: the kill moments are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts a saving child, kills it `delay` ms after its first completed save; the last completed save. */
function killedSaves(kind: SaveKind, target: string, first: number, delay: number, tmpdir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // h5wasm is loaded before tsx, which would otherwise spend seconds transforming its 4 MB script.
    const args = ['--conditions=development', '--import', 'h5wasm/node', '--import', 'tsx', CHILD, kind, target];
    const child = spawn(process.execPath, [...args, String(first)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: tmpdir },
    });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!timer && out.includes('saved ')) timer = setTimeout(() => child.kill('SIGKILL'), delay);
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      const done = [...out.matchAll(/saved (\d+)/g)].map((m) => Number(m[1]));
      if (signal !== 'SIGKILL' || done.length === 0) {
        reject(new Error(`the saving child ended by itself (code ${code}, signal ${signal}): ${err.slice(-2000)}`));
      } else {
        resolve(done[done.length - 1]);
      }
    });
  });
}

/** The single value all weights hold after loading the target, or a description of the mix. */
async function loadedValue(kind: SaveKind, target: string): Promise<number> {
  let tensors: Tensor[];
  if (kind === 'npy') {
    tensors = [await loadNpy(target)];
  } else if (kind === 'weights.h5' || kind === 'legacy-weights') {
    const m: Model = killModel();
    await loadWeights(m, target);
    tensors = m.weights;
  } else {
    tensors = (await loadModel(kind === 'tfjs' ? `tfjs://${target}` : target, { compile: false })).weights;
  }
  const first = tensors[0].data[0];
  for (const t of tensors) {
    for (let i = 0; i < t.size; i += 997) {
      assert.equal(t.data[i], first, `${target}: the weights mix two saves (${first} and ${t.data[i]})`);
    }
    assert.equal(t.data[t.size - 1], first, `${target}: the weights mix two saves`);
  }
  return first;
}

const kinds: [SaveKind, string][] = [
  ['keras', 'm.keras'],
  ['h5', 'm.h5'],
  ['weights.h5', 'm.weights.h5'],
  ['legacy-weights', 'w.h5'],
  ['tfjs', 'web'],
  ['npy', 'a.npy'],
];

kinds.forEach(([kind, name], k) => {
  test(
    `${ROUNDS} saves to ${kind} killed at random moments: one save or the other, never a mix; no litter`,
    { timeout: 120_000 + ROUNDS * 20_000 },
    async () => {
      const dir = path.join(root, kind);
      const tmpdir = path.join(root, `${kind}-tmp`);
      mkdirSync(dir);
      mkdirSync(tmpdir);
      const target = path.join(dir, name);
      const random = rng(k + 1);
      let next = 1;
      for (let r = 0; r < ROUNDS; r++) {
        const done = await killedSaves(kind, target, next, Math.floor(random() * 400), tmpdir);
        const v = await loadedValue(kind, target);
        assert.ok(v === done || v === done + 1, `${target}: holds save ${v} after save ${done} completed`);
        next = done + 2;
      }
      // tsx keeps its cache there.
      const leftInTmp = readdirSync(tmpdir).filter((n) => !n.startsWith('tsx-'));
      assert.deepEqual(leftInTmp, [], 'nothing is left in the temporary folder');
      const model = killModel();
      fill(model, next);
      await saveAs(kind, model, target);
      assert.equal(await loadedValue(kind, target), next);
      const expected =
        kind === 'tfjs'
          ? [
              'model.json',
              ...JSON.parse(readFileSync(path.join(target, 'model.json'), 'utf8')).weightsManifest[0].paths,
            ]
          : [name];
      const listed = readdirSync(kind === 'tfjs' ? target : dir);
      assert.deepEqual(listed.sort(), expected.sort(), 'only the saved files remain');
    },
  );
});
