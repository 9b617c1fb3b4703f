// Writes models convkit saved (.keras, .h5, .weights.h5) plus their inputs, predictions and
// optimizer state into a folder, for check_in_keras.py to load in real Keras 3 and compare.
// Not part of the test suite (Keras is not a dependency); run by hand:
//   node --conditions=development --import tsx test/io/keras_interop/make_convkit_files.ts /tmp/out
//   KERAS_BACKEND=jax python test/io/keras_interop/check_in_keras.py /tmp/out
import { mkdirSync, writeFileSync } from 'node:fs';
import * as L from '../../../src/layers/index.js';
import { Model } from '../../../src/models/model.js';
import { Sequential } from '../../../src/models/sequential.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { setRandomSeed } from '../../../src/tensor/random.js';
import { saveModel, saveWeights } from '../../../src/io/index.js';

const out = process.argv[2] ?? '/tmp/convkit-keras-interop';
mkdirSync(out, { recursive: true });

function rand(shape: number[], seed: number): Tensor {
  let s = seed;
  const d = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < d.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    d[i] = s / 2147483648;
  }
  return new Tensor(d, shape);
}
function oneHot(n: number, k: number): Tensor {
  const d = new Float32Array(n * k);
  for (let i = 0; i < n; i++) d[i * k + (i % k)] = 1;
  return new Tensor(d, [n, k]);
}
function dump(name: string, m: Model, x: Tensor, yt?: Tensor): void {
  writeFileSync(
    `${out}/${name}.json`,
    JSON.stringify({
      x: Array.from(x.data),
      shape: x.shape,
      y: Array.from(m.predict(x).data),
      ...(yt ? { yt: Array.from(yt.data) } : {}),
      ...(m.compiled ? { opt: m.compiled.optimizer.variables.map((v) => Array.from(v.data)) } : {}),
    }),
  );
}

setRandomSeed(1);
const cnn = new Sequential(
  [
    new L.Rescaling(0.5, { inputShape: [12, 12, 1] }),
    new L.Conv2D(4, 3, { activation: 'relu' }),
    new L.BatchNormalization(),
    new L.MaxPooling2D(2),
    new L.ZeroPadding2D({ padding: 1 }),
    new L.Conv2D(6, 3, { strides: 2, padding: 'same' }),
    new L.ReLU(),
    new L.AveragePooling2D(2),
    new L.Flatten(),
    new L.Dropout(0.2),
    new L.Dense(8, { activation: 'relu' }),
    new L.GaussianNoise(0.1),
    new L.GaussianDropout(0.1),
    new L.Dense(3, { activation: 'softmax' }),
  ],
  { name: 'cnn' },
);
cnn.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
const x = rand([8, 12, 12, 1], 7);
const y = oneHot(8, 3);
await cnn.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
await saveModel(cnn, `${out}/cnn.keras`);
await saveModel(cnn, `${out}/cnn.h5`);
await saveWeights(cnn, `${out}/cnn.weights.h5`);
dump('cnn', cnn, x, y);

setRandomSeed(3);
const inp = L.Input({ shape: [8, 8, 3], name: 'image' });
const c = new L.Conv2D(4, 3, { padding: 'same', name: 'stem' }).apply(inp);
const a = new L.Conv2D(4, 1, { activation: 'relu' }).apply(c);
const b = new L.Cropping2D({ cropping: 1 }).apply(new L.ZeroPadding2D({ padding: 1 }).apply(c));
const add = new L.Add().apply([a, b]);
const sub = new L.Subtract().apply([a, b]);
const mul = new L.Multiply().apply([add, sub]);
const avg = new L.Average().apply([add, sub, mul]);
const mx = new L.Maximum().apply([add, avg]);
const mn = new L.Minimum().apply([sub, avg]);
const cat = new L.Concatenate().apply([mx, mn, new L.Activation('tanh').apply(c)]);
const block = new Sequential([new L.Conv2D(6, 3, { inputShape: [8, 8, 12] }), new L.BatchNormalization()], {
  name: 'block',
});
const ii = L.Input({ shape: [6], name: 'head_in' });
const head = new Model({ inputs: ii, outputs: new L.Dense(6, { activation: 'tanh' }).apply(ii), name: 'head' });
const nested = block.apply(cat);
const g1 = new L.GlobalAveragePooling2D().apply(nested);
const g2 = head.apply(new L.GlobalMaxPooling2D().apply(nested));
const r = new L.Reshape([2, 6]).apply(new L.Concatenate().apply([g1, g2]));
const o = new L.Dense(2, { activation: 'softmax', name: 'probs' }).apply(new L.Flatten().apply(r));
const graph = new Model({ inputs: inp, outputs: o, name: 'graph' });
graph.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
const gx = rand([4, 8, 8, 3], 11);
const gy = oneHot(4, 2);
await graph.fit(gx, gy, { epochs: 1, batchSize: 2, verbose: 0 });
await saveModel(graph, `${out}/graph.keras`);
await saveModel(graph, `${out}/graph.h5`);
dump('graph', graph, gx, gy);

const aug = new Sequential(
  [
    new L.Resizing(10, 10, { inputShape: [12, 12, 3] }),
    new L.RandomFlip('horizontal'),
    new L.RandomRotation(0.1),
    new L.RandomZoom(0.1),
    new L.RandomTranslation(0.1, 0.1),
    new L.RandomContrast(0.2),
    new L.RandomBrightness(0.1),
    new L.CenterCrop(6, 6),
    new L.Rescaling(1 / 255),
    new L.Flatten(),
    new L.Dense(2),
  ],
  { name: 'aug' },
);
await saveModel(aug, `${out}/aug.keras`);
dump('aug', aug, rand([2, 12, 12, 3], 5));

// Keras 3.15's RandomCrop returns its input unchanged at inference; convkit's crops (Keras 2 did).
const crop = new Sequential([new L.RandomCrop(8, 8, { inputShape: [10, 10, 3] }), new L.Flatten(), new L.Dense(2)], {
  name: 'crop',
});
await saveModel(crop, `${out}/crop.keras`);
dump('crop', crop, rand([1, 10, 10, 3], 3));

// Keras's SpatialDropout layers refuse a `trainable` key in their config.
const drop = new Sequential([new L.SpatialDropout2D(0.1, { inputShape: [4, 4, 2] }), new L.Flatten(), new L.Dense(2)], {
  name: 'spatial',
});
await saveModel(drop, `${out}/spatial.keras`);
dump('spatial', drop, rand([1, 4, 4, 2], 2));
// Transfer learning: a frozen nested base (its BN statistics included) under a trained head.
setRandomSeed(5);
const base = new Sequential(
  [new L.Conv2D(3, 3, { inputShape: [6, 6, 1], activation: 'relu' }), new L.BatchNormalization()],
  { name: 'base' },
);
base.trainable = false;
const frozen = new Sequential([base, new L.Flatten(), new L.Dense(2, { activation: 'softmax' })], { name: 'frozen' });
frozen.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
const fx = rand([4, 6, 6, 1], 9);
const fy = oneHot(4, 2);
await frozen.fit(fx, fy, { epochs: 2, batchSize: 2, verbose: 0 });
await saveModel(frozen, `${out}/frozen.keras`);
dump('frozen', frozen, fx, fy);
console.log(`wrote ${out}`);
