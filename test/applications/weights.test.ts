// Weights for the application models: Keras's ImageNet files (names, URLs, hashes as Keras 3.15
// has them, fetched into the 'models' cache) and weight files named by path, in each Keras format.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FileFormatError, applications, layers, models, utils } from 'convkit';

const FIX = path.join(import.meta.dirname, 'fixtures');
type KerasFile = { fname: string; origin: string; cache_subdir: string; file_hash: string };
const FACTS = JSON.parse(readFileSync(path.join(FIX, 'keras_facts.json'), 'utf8')) as {
  weights: Record<string, KerasFile>;
};
const tmp = mkdtempSync(path.join(tmpdir(), 'convkit-appweights-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("weights: 'imagenet' resolves Keras's files", () => {
  const namespaces = { vgg16: applications.vgg16, vgg19: applications.vgg19, resnet50: applications.resnet50 };
  for (const [name, ns] of Object.entries(namespaces)) {
    it(`${name}: file names, URLs, md5 hashes and cache folder as Keras's`, () => {
      for (const [variant, key] of [
        ['top', name],
        ['notop', `${name}_notop`],
      ] as const) {
        const mine = ns.WEIGHTS_FILES[variant];
        const k = FACTS.weights[key];
        assert.deepEqual(
          [mine.fname, mine.origin, mine.fileHash, mine.cacheSubdir],
          [k.fname, k.origin, k.file_hash, k.cache_subdir],
          key,
        );
      }
    });
  }
});

describe('weights: a file path', () => {
  const small = { includeTop: false, inputShape: [32, 32, 3] } as const;

  // Keras's ImageNet files are legacy .h5 files, which models.loadWeights matches by position like
  // Keras (covered by test/io); writing a 59 MB legacy .h5 here would take most of this file's time.
  it('loads Keras 3 .weights.h5 and .keras files into a new model', async () => {
    utils.clearSession();
    const source = await applications.VGG16({ ...small, weights: null });
    const weightsFile = path.join(tmp, 'vgg16_notop.weights.h5');
    await source.saveWeights(weightsFile);
    const archive = path.join(tmp, 'vgg16_notop.keras');
    await source.save(archive);
    const want = source.getWeights().map((w) => w.data);
    for (const f of [weightsFile, archive]) {
      const m = await applications.VGG16({ ...small, weights: f });
      const got = m.getWeights();
      assert.equal(got.length, want.length, f);
      got.forEach((w, i) => assert.deepEqual(w.data, want[i], `${f}: weight ${i}`));
    }
  });

  it('a weight file of another architecture names the builder and the file', async () => {
    utils.clearSession();
    const other = new models.Sequential([
      new layers.Conv2D(4, [3, 3], { inputShape: [32, 32, 3] }),
      new layers.Flatten(),
      new layers.Dense(2),
    ]);
    const f = path.join(tmp, 'small_convnet.h5');
    await other.saveWeights(f);
    await assert.rejects(
      applications.VGG16({ ...small, weights: f }),
      (e: Error) =>
        e instanceof FileFormatError &&
        e.message.startsWith(`VGG16: the weights file '${f}' does not fit`) &&
        e.message.includes('another architecture'),
    );
  });
});
