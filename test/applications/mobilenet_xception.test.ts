// MobileNetV2 and Xception beyond their layer tables (models.test.ts): Keras's weight files per
// alpha and input size, Keras's warning when the size has no weights of its own, Keras's argument
// errors word for word, weight files named by path (and one of another architecture refused), the
// forward pass on both backends, and their 'tf' preprocessing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FileFormatError, Tensor, ValueError, applications, utils } from 'convkit';
import { backendsToTest, withBackend } from '../helpers/backends.js';

const FIX = path.join(import.meta.dirname, 'fixtures');
type KerasFile = { fname: string; origin: string; cache_subdir: string; file_hash: string | null };
const FACTS = JSON.parse(readFileSync(path.join(FIX, 'keras_facts.json'), 'utf8')) as {
  weights: Record<string, KerasFile>;
  mobilenet_v2_weights: {
    alpha: number;
    input_shape: number[] | null;
    include_top: boolean;
    file: KerasFile;
    warnings: string[];
  }[];
  errors: Record<string, { type: string; message: string }>;
};
const tmp = mkdtempSync(path.join(tmpdir(), 'convkit-mobilenet-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs fn, collecting what it passes to console.warn. */
async function warnings<T>(fn: () => Promise<T>): Promise<{ value: T | Error; warned: string[] }> {
  const warned: string[] = [];
  const original = console.warn;
  console.warn = (...a: unknown[]) => {
    warned.push(a.map(String).join(' '));
  };
  try {
    return { value: await fn(), warned };
  } catch (e) {
    return { value: e as Error, warned };
  } finally {
    console.warn = original;
  }
}

describe("Keras's ImageNet weight files", () => {
  it('Xception: file names, URLs, md5 hashes and cache folder', () => {
    for (const [variant, key] of [
      ['top', 'xception'],
      ['notop', 'xception_notop'],
    ] as const) {
      const mine = applications.xception.WEIGHTS_FILES[variant];
      const k = FACTS.weights[key];
      assert.deepEqual(
        [mine.fname, mine.origin, mine.fileHash, mine.cacheSubdir],
        [k.fname, k.origin, k.file_hash, k.cache_subdir],
        key,
      );
    }
  });

  // A stand-in (not HDF5) sits in the cache under Keras's file name, so getFile returns it without
  // any download and the builder fails loading it, naming the file it asked for; that file and the
  // warning printed are compared with what Keras asked for and warned.
  for (const c of FACTS.mobilenet_v2_weights) {
    const what = `alpha ${c.alpha}, inputShape ${JSON.stringify(c.input_shape)}, includeTop ${c.include_top}`;
    it(`MobileNetV2 ${what}: ${c.file.fname}`, async () => {
      const rows =
        c.input_shape && c.input_shape[0] === c.input_shape[1] && [96, 128, 160, 192, 224].includes(c.input_shape[0])
          ? c.input_shape[0]
          : 224;
      const mine = applications.mobilenetV2.weightsFile(c.alpha, rows, c.include_top);
      assert.deepEqual(
        [mine.fname, mine.origin, mine.fileHash, mine.cacheSubdir],
        [c.file.fname, c.file.origin, c.file.file_hash, c.file.cache_subdir],
      );
      utils.clearSession();
      const prev = process.env.KERAS_HOME;
      process.env.KERAS_HOME = path.join(tmp, 'keras_home');
      mkdirSync(path.join(tmp, 'keras_home', 'models'), { recursive: true });
      writeFileSync(path.join(tmp, 'keras_home', 'models', c.file.fname), 'a stand-in, not HDF5');
      try {
        const { value, warned } = await warnings(() =>
          applications.MobileNetV2({
            weights: 'imagenet',
            alpha: c.alpha,
            includeTop: c.include_top,
            inputShape: c.input_shape,
          }),
        );
        assert.deepEqual(warned, c.warnings);
        assert.ok(value instanceof FileFormatError, String(value));
        assert.ok(
          value.message.startsWith(
            `MobileNetV2: the weights file '${path.join(tmp, 'keras_home', 'models', c.file.fname)}' does not fit`,
          ),
          value.message,
        );
      } finally {
        if (prev === undefined) delete process.env.KERAS_HOME;
        else process.env.KERAS_HOME = prev;
      }
    });
  }
});

describe("argument errors in Keras's words", () => {
  const M = applications.MobileNetV2;
  const X = applications.Xception;
  const cases: [string, () => Promise<unknown>][] = [
    ['mobilenet_v2_unknown_weights', () => M({ weights: 'imagenet21k' })],
    ['mobilenet_v2_classes_10', () => M({ weights: 'imagenet', classes: 10 })],
    ['mobilenet_v2_alpha_0.6', () => M({ weights: 'imagenet', alpha: 0.6 })],
    ['mobilenet_v2_top_imagenet_160', () => M({ weights: 'imagenet', inputShape: [160, 150, 3] })],
    ['mobilenet_v2_min_size_31', () => M({ weights: null, includeTop: false, inputShape: [31, 31, 3] })],
    ['xception_min_size_70', () => X({ weights: null, includeTop: false, inputShape: [70, 70, 3] })],
    ['xception_top_imagenet_224', () => X({ weights: 'imagenet', inputShape: [224, 224, 3] })],
    ['xception_classes_10', () => X({ weights: 'imagenet', classes: 10 })],
  ];
  for (const [key, thunk] of cases) {
    it(key, async () => {
      const k = FACTS.errors[key];
      assert.equal(k.type, 'ValueError');
      await assert.rejects(thunk(), (e: Error) => e instanceof ValueError && e.message === k.message);
    });
  }

  it("xception_unknown_weights: Keras's sentence, then the value given", async () => {
    const k = FACTS.errors.xception_unknown_weights.message;
    await assert.rejects(
      X({ weights: 'imagenet21k' }),
      (e: Error) => e instanceof ValueError && e.message === `${k} Received: weights=imagenet21k`,
    );
  });

  it('an inputTensor whose width differs from inputShape', async () => {
    utils.clearSession();
    const t = (await import('convkit')).layers.Input({ shape: [96, 80, 3] });
    await assert.rejects(
      M({ weights: null, includeTop: false, inputTensor: t, inputShape: [96, 96, 3] }),
      (e: Error) =>
        e instanceof ValueError &&
        e.message ===
          'input_tensor.shape[2] must equal input_shape[1]; ' +
            'Received `input_tensor.shape=(None, 96, 80, 3)`, `input_shape=(96, 96, 3)`',
    );
  });
});

describe('weights: a file path', () => {
  const small = { includeTop: false, inputShape: [96, 96, 3], alpha: 0.35 } as const;

  it('MobileNetV2 loads its own .weights.h5 and refuses one of another alpha, naming the file', async () => {
    utils.clearSession();
    const source = await applications.MobileNetV2({ ...small, weights: null });
    const file = path.join(tmp, 'mobilenet_v2_035.weights.h5');
    await source.saveWeights(file);
    const m = await applications.MobileNetV2({ ...small, weights: file });
    m.getWeights().forEach((w, i) => assert.deepEqual(w.data, source.getWeights()[i].data, `weight ${i}`));
    await assert.rejects(
      applications.MobileNetV2({ ...small, alpha: 0.5, weights: file }),
      (e: Error) =>
        e instanceof FileFormatError &&
        e.message.startsWith(`MobileNetV2: the weights file '${file}' does not fit the model 'mobilenetv2_0.50_96'`) &&
        e.message.includes('another architecture'),
    );
  });

  it('Xception refuses a MobileNetV2 weights file, naming the file and the builder', async () => {
    utils.clearSession();
    const file = path.join(tmp, 'mobilenet_v2_035.weights.h5');
    await assert.rejects(
      applications.Xception({ includeTop: false, inputShape: [71, 71, 3], weights: file }),
      (e: Error) => e instanceof FileFormatError && e.message.startsWith(`Xception: the weights file '${file}'`),
    );
  });
});

describe('forward passes', () => {
  it('MobileNetV2 (alpha 0.35, 96x96) and Xception (71x71) predict alike on both backends', async () => {
    utils.clearSession();
    const mnet = await applications.MobileNetV2({ weights: null, alpha: 0.35, inputShape: [96, 96, 3], classes: 7 });
    const xcep = await applications.Xception({
      weights: null,
      includeTop: false,
      inputShape: [71, 71, 3],
      pooling: 'avg',
    });
    const img = new Float32Array(2 * 96 * 96 * 3).map((_, i) => (i * 7919) % 255);
    const x = applications.mobilenetV2.preprocessInput(new Tensor(img, [2, 96, 96, 3]));
    const x71 = applications.xception.preprocessInput(new Tensor(img.subarray(0, 2 * 71 * 71 * 3), [2, 71, 71, 3]));
    const outs = backendsToTest().map((be) => withBackend(be, () => [mnet.predict(x), xcep.predict(x71)]));
    assert.deepEqual(outs[0][0].shape, [2, 7]);
    assert.deepEqual(outs[0][1].shape, [2, 2048]);
    for (let r = 0; r < 2; r++) {
      let s = 0;
      for (let j = 0; j < 7; j++) s += outs[0][0].data[r * 7 + j];
      assert.ok(Math.abs(s - 1) < 1e-5, 'softmax rows sum to 1');
    }
    for (const o of outs.slice(1)) {
      o.forEach((t, k) =>
        t.data.forEach((v, i) =>
          assert.ok(
            Math.abs(v - outs[0][k].data[i]) <= 1e-4 * (1 + Math.abs(outs[0][k].data[i])),
            `output ${k}[${i}]: ${v} vs ${outs[0][k].data[i]}`,
          ),
        ),
      );
    }
  });

  it("preprocessInput is 'tf' mode: [0, 255] to [-1, 1]", () => {
    const x = new Tensor(Float32Array.of(0, 127.5, 255), [1, 1, 1, 3]);
    assert.deepEqual(Array.from(applications.mobilenetV2.preprocessInput(x).data), [-1, 0, 1]);
    assert.deepEqual(Array.from(applications.xception.preprocessInput(x).data), [-1, 0, 1]);
  });
});
