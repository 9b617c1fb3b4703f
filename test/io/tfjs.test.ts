// TensorFlow.js layers format, checked against the real @tensorflow/tfjs (a dev dependency):
// models saved by tfjs load in convkit with the same predictions; models convkit writes load in
// tfjs with the same predictions; converter-style files (weights alphabetical), float16 and
// quantized weights, and 4 MiB sharding.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as L from '../../src/layers/index.js';
import { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setRandomSeed } from '../../src/tensor/random.js';
import { loadModel, saveModel } from '../../src/io/index.js';
import { withH5 } from '../../src/io/h5.js';
import { readLegacyWeights } from '../../src/io/legacy_read.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-tfjs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const FIX = path.join('test', 'io', 'fixtures');
const quiet = { warn: () => {} };

function rand(shape: number[], seed: number): Float32Array {
  let s = seed;
  const d = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < d.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    d[i] = s / 2147483648 - 0.3;
  }
  return d;
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

/** Saves a tfjs model the way tfjs's file handler does: model.json + weights.bin. */
async function tfjsSave(m: tf.LayersModel, dir: string): Promise<void> {
  let art: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      art = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'model.json'),
    JSON.stringify({
      modelTopology: art!.modelTopology,
      format: 'layers-model',
      generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
      convertedBy: null,
      weightsManifest: [{ paths: ['weights.bin'], weights: art!.weightSpecs }],
    }),
  );
  writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(art!.weightData as ArrayBuffer));
}

test('a model saved by tfjs-layers loads in convkit with the same predictions', async () => {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [7, 7, 2], activation: 'relu' }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 4, activation: 'relu' }));
  m.add(tf.layers.dropout({ rate: 0.3 }));
  m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  // Non-trivial BN statistics.
  const bn = m.layers[1];
  bn.setWeights(
    bn.getWeights().map((w, i) =>
      tf
        .tensor(rand(w.shape as number[], 10 + i))
        .abs()
        .add(0.5)
        .reshape(w.shape),
    ),
  );
  const dir = path.join(tmp, 'from_tfjs');
  await tfjsSave(m, dir);
  const x = rand([3, 7, 7, 2], 1);
  const want = (m.predict(tf.tensor(x, [3, 7, 7, 2])) as tf.Tensor).dataSync();
  const c = await loadModel(path.join(dir, 'model.json'), quiet);
  assert.deepEqual(
    c.layers.map((l) => l.className),
    ['Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Flatten', 'Dense', 'Dropout', 'Dense'],
  );
  close(c.predict(new Tensor(x, [3, 7, 7, 2])).data, want, 1e-5, 'tfjs → convkit');
});

test('a functional model convkit writes (tfjs://dir) loads in tfjs with the same predictions', async () => {
  setRandomSeed(12);
  const inp = L.Input({ shape: [6, 6, 1] });
  const a = new L.Conv2D(3, 3, { padding: 'same', activation: 'relu' }).apply(inp);
  const b = new L.Conv2D(3, 1).apply(inp);
  const cat = new L.Concatenate().apply([a, b]);
  const bn = new L.BatchNormalization().apply(new L.Add().apply([a, b]));
  const g = new L.GlobalAveragePooling2D().apply(new L.Concatenate().apply([cat, bn]));
  const out = new L.Dense(2, { activation: 'softmax' }).apply(g);
  const m = new Model({ inputs: inp, outputs: out, name: 'web' });
  const dir = path.join(tmp, 'to_tfjs');
  await saveModel(m, `tfjs://${dir}`);
  assert.deepEqual(readdirSync(dir).sort(), ['group1-shard1of1.bin', 'model.json']);
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  const weightData = new Uint8Array(readFileSync(path.join(dir, 'group1-shard1of1.bin'))).buffer;
  const t = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }),
  );
  const x = rand([2, 6, 6, 1], 4);
  const want = m.predict(new Tensor(x, [2, 6, 6, 1])).data;
  close((t.predict(tf.tensor(x, [2, 6, 6, 1])) as tf.Tensor).dataSync(), want, 1e-5, 'convkit → tfjs');
  const back = await loadModel(`tfjs://${dir}`, quiet);
  close(back.predict(new Tensor(x, [2, 6, 6, 1])).data, want, 1e-7, 'convkit → tfjs files → convkit');
});

test('converter-style model.json (model_config, weights alphabetical, float16 and uint8-quantized)', async () => {
  const h5 = path.join(FIX, 'keras2circom', 'model.h5');
  const { config, weights } = await withH5(h5, (root) => ({
    config: JSON.parse(root.stringAttr('model_config')!),
    weights: readLegacyWeights(root.group('model_weights'), h5).flatMap((l) => l.weights),
  }));
  const sorted = [...weights].sort((p, q) => (p.name < q.name ? -1 : 1));
  const ref = await loadModel(h5, quiet);
  const x = new Tensor(
    rand([2, 28, 28, 1], 9).map((v) => v + 0.3),
    [2, 28, 28, 1],
  );
  const want = ref.predict(x).data;
  for (const mode of ['float32', 'float16', 'uint8'] as const) {
    const dir = path.join(tmp, `conv_${mode}`);
    mkdirSync(dir, { recursive: true });
    const parts: Buffer[] = [];
    const specs = sorted.map((w) => {
      const name = w.name.replace(/:0$/, '');
      const vals = Float32Array.from(w.data);
      if (mode === 'float32') {
        parts.push(Buffer.from(vals.buffer));
        return { name, shape: w.shape, dtype: 'float32' };
      }
      if (mode === 'float16') {
        const b = Buffer.alloc(vals.length * 2);
        vals.forEach((v, i) => b.writeUInt16LE(toHalf(v), i * 2));
        parts.push(b);
        return { name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'float16' } };
      }
      const min = Math.min(...vals);
      const max = Math.max(...vals);
      const scale = (max - min) / 255 || 1;
      parts.push(Buffer.from(vals.map((v) => Math.round((v - min) / scale))));
      return { name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'uint8', scale, min } };
    });
    writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.concat(parts));
    writeFileSync(
      path.join(dir, 'model.json'),
      JSON.stringify({
        format: 'layers-model',
        generatedBy: 'keras v2.10.0',
        convertedBy: 'TensorFlow.js Converter v4.0.0',
        modelTopology: { keras_version: '2.10.0', backend: 'tensorflow', model_config: config },
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: specs }],
      }),
    );
    const m = await loadModel(path.join(dir, 'model.json'), quiet);
    const got = m.predict(x).data;
    close(got, want, mode === 'float32' ? 1e-7 : mode === 'float16' ? 2e-2 : 0.2, `converter ${mode}`);
  }
});

function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const i = new Uint32Array(f.buffer)[0];
  const sign = (i >>> 16) & 0x8000;
  const e = ((i >>> 23) & 0xff) - 127 + 15;
  const m = i & 0x7fffff;
  if (e <= 0) return sign;
  if (e >= 31) return sign | 0x7c00;
  return sign | (e << 10) | (m >>> 13);
}

test('large models are split into shards of at most 4 MiB', async () => {
  setRandomSeed(1);
  const m = new Sequential([new L.Dense(1100, { inputShape: [1000] }), new L.Dense(3)]);
  const dir = path.join(tmp, 'big');
  await saveModel(m, path.join(dir, 'model.json'));
  const shards = readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort();
  assert.deepEqual(shards, ['group1-shard1of2.bin', 'group1-shard2of2.bin']);
  assert.equal(statSync(path.join(dir, shards[0])).size, 4 * 1024 * 1024);
  const r = await loadModel(path.join(dir, 'model.json'), quiet);
  const x = new Tensor(rand([1, 1000], 3), [1, 1000]);
  close(r.predict(x).data, m.predict(x).data, 0, 'sharded');
});
