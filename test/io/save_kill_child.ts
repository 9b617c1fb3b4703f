// Run as a child process by save_kill.test.ts: saves one model to a target again and again, every
// weight set to the number of the save, and prints "saved <k>" after each completed save, until it
// is killed. Usage: save_kill_child.ts <kind> <target> <first save number>.
import * as L from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { saveModel, saveWeights } from '../../src/io/index.js';
import { saveNpy } from '../../src/utils/npy.js';

export type SaveKind = 'keras' | 'h5' | 'weights.h5' | 'legacy-weights' | 'tfjs' | 'npy';

/** The model every save writes: over 4 MiB of weights, so two TF.js shards. */
export function killModel(): Sequential {
  return new Sequential([new L.InputLayer({ shape: [1000] }), new L.Dense(1100), new L.Dense(4)]);
}

/** Sets every weight of the model to the value k. */
export function fill(model: Sequential, k: number): void {
  for (const v of model.weights) v.assign(new Tensor(new Float32Array(v.size).fill(k), v.shape));
}

export async function saveAs(kind: SaveKind, model: Sequential, target: string): Promise<void> {
  if (kind === 'weights.h5' || kind === 'legacy-weights') await saveWeights(model, target);
  else if (kind === 'npy') await saveNpy(target, model.weights[0]);
  else await saveModel(model, kind === 'tfjs' ? `tfjs://${target}` : target);
}

async function main(): Promise<void> {
  const [kind, target, first] = process.argv.slice(2);
  const model = killModel();
  for (let k = Number(first); ; k++) {
    fill(model, k);
    await saveAs(kind as SaveKind, model, target);
    process.stdout.write(`saved ${k}\n`);
  }
}

if (process.argv[1]?.endsWith('save_kill_child.ts')) await main();
