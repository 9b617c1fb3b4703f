// A tiny convnet trained one epoch on synthetic two-class pictures (a bright left or right half),
// shared by the report's tests so that each builds a real model, history and data in a second.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import '../../src/layers/index.js';
import * as layers from '../../src/layers/index.js';
import { Sequential } from '../../src/models/sequential.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { clearSession } from '../../src/utils/naming.js';
import type { History } from '../../src/callbacks/index.js';

export const SIDE = 12;

/** n pictures [n, SIDE, SIDE, 1] of 0..255 values and their int labels (0: left half bright, 1: right). */
export function pictures(n: number, seed = 1): { x: Tensor; y: Tensor } {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const x = new Float32Array(n * SIDE * SIDE);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    y[i] = label;
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < SIDE; c++) {
        const bright = c < SIDE / 2 === (label === 0);
        x[(i * SIDE + r) * SIDE + c] = Math.min(255, (bright ? 170 : 40) + 80 * rand());
      }
    }
  }
  return { x: new Tensor(x, [n, SIDE, SIDE, 1]), y: new Tensor(y, [n]) };
}

/** A small classifier, softmax over 2 classes or one sigmoid unit. */
export function tinyModel(output: 'softmax' | 'sigmoid' = 'softmax'): Sequential {
  clearSession();
  setRandomSeed(7);
  const m = new Sequential({ name: 'tiny' });
  m.add(new layers.Rescaling(1 / 255, { inputShape: [SIDE, SIDE, 1] }));
  m.add(new layers.Conv2D(4, [3, 3], { activation: 'relu' }));
  m.add(new layers.MaxPooling2D([2, 2]));
  m.add(new layers.Conv2D(6, [3, 3], { activation: 'relu' }));
  m.add(new layers.Flatten());
  m.add(
    output === 'softmax'
      ? new layers.Dense(2, { activation: 'softmax' })
      : new layers.Dense(1, { activation: 'sigmoid' }),
  );
  m.compile({
    optimizer: 'rmsprop',
    loss: output === 'softmax' ? 'sparse_categorical_crossentropy' : 'binary_crossentropy',
    metrics: ['accuracy'],
  });
  return m;
}

export async function trained(
  output: 'softmax' | 'sigmoid' = 'softmax',
): Promise<{ model: Sequential; history: History }> {
  const model = tinyModel(output);
  const { x, y } = pictures(64);
  const history = await model.fit(x, output === 'softmax' ? y : y.reshape([64, 1]), {
    epochs: 2,
    batchSize: 16,
    validationSplit: 0.25,
    verbose: 0,
  });
  return { model, history };
}

/** Writes the pictures as PNG files into class subfolders 'left' and 'right' of dir. */
export async function writeFolder(dir: string, n: number): Promise<void> {
  const { x, y } = pictures(n, 5);
  for (const name of ['left', 'right']) mkdirSync(path.join(dir, name), { recursive: true });
  for (let i = 0; i < n; i++) {
    const px = Uint8Array.from(x.data.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE), (v) => Math.round(v));
    await sharp(Buffer.from(px), { raw: { width: SIDE, height: SIDE, channels: 1 } })
      .png()
      .toFile(path.join(dir, y.data[i] === 0 ? 'left' : 'right', `${i}.png`));
  }
}
