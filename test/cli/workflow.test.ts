// The chapter's journey from the command line, on a tiny generated image folder (two classes of
// 12 PNGs, 40x40): train (with its report), then predict, evaluate, convert, report, and look
// inside with gradcam, activations and filters; a pretrained base from a file with fine-tuning;
// MNIST with --limit.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { layers, models, utils } from 'convkit';
import { pixels, tempDir, writeImage } from '../data/helpers.js';
import { type CliResult, assertOk, assertOneLineError, runCli, runCliBatch } from './helpers.js';

interface Predicted {
  image: string;
  predictions: { class: string; index: number; probability: number }[];
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const isPng = (file: string) => readFileSync(file).subarray(0, 4).equals(PNG);

/** Class 'left' is bright on the left half, 'right' on the right half; a little texture each. */
async function writeFolder(root: string): Promise<void> {
  for (const [c, name] of ['left', 'right'].entries()) {
    for (let k = 0; k < 12; k++) {
      const data = pixels(40, 40, 3, (y, x, ch) => {
        const bright = c === 0 ? x < 20 : x >= 20;
        const v = bright ? 190 + ((k * 7 + y * 3) % 60) : 20 + ((x * y + k) % 40);
        return ch === 1 ? (v * 2) % 256 : v;
      });
      await writeImage(path.join(root, name, `${name}_${k}.png`), data, 40, 40, 3);
    }
  }
}

const SECTIONS = ['summary', 'curves', 'metrics', 'confusion', 'wrong', 'activations', 'gradcam'];

/** One HTML page with every section, every picture inline, no address to load anything from. */
function assertSelfContained(html: string, complete: boolean): void {
  assert.match(html, /^<!DOCTYPE html>/i);
  assert.equal(html.match(/<html/g)?.length, 1);
  for (const id of SECTIONS) assert.match(html, new RegExp(`<section id="${id}"`), id);
  assert.doesNotMatch(html, /https?:\/\//);
  const sources = [...html.matchAll(/\ssrc="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(sources.every((s) => s.startsWith('data:image/png;base64,')));
  if (complete) {
    // Curves, confusion matrix, activations and Grad-CAM all drawn.
    assert.match(html, /<svg/);
    assert.ok(sources.length >= 4, `${sources.length} pictures`);
  } else assert.equal(sources.length, 0);
}

describe('convkit train DIR, then predict, evaluate, convert, gradcam, activations, filters', () => {
  const dir = tempDir('convkit-cli-');
  const data = path.join(dir, 'data');
  const model = path.join(dir, 'small.keras');
  const left = path.join(data, 'left', 'left_0.png');
  const right = path.join(data, 'right', 'right_5.png');
  const h5 = path.join(dir, 'copy.h5');
  const web = path.join(dir, 'web');
  const one = path.join(dir, 'one');
  let trained: CliResult;
  // The commands after training run in one process (the library loads once); `at` finds a result.
  const lists: Record<string, string[]> = {
    table: ['predict', model, left, right],
    json: ['predict', model, left, right, '--top', '2', '--json'],
    evaluate: ['evaluate', model, data, '--json'],
    toH5: ['convert', model, h5],
    toWeb: ['convert', model, web],
    toWeights: ['convert', model, path.join(dir, 'w.weights.h5')],
    summaryH5: ['summary', h5],
    summaryWeb: ['summary', path.join(web, 'model.json')],
    predictH5: ['predict', h5, right, '--json', '--top', '2'],
    predictWeb: ['predict', path.join(web, 'model.json'), right, '--json', '--top', '2'],
    gradcam: ['gradcam', model, left, right, '--out', path.join(dir, 'cam')],
    gradcamLayer: ['gradcam', model, left, '--layer', 'conv2d_9'],
    gradcamMissing: ['gradcam', model, path.join(dir, 'missing.png')],
    activations: ['activations', model, right, '--out', path.join(dir, 'act')],
    filters: ['filters', model, '--layer', 'conv2d_1', '--filters', '4', '--steps', '3', '--out', dir],
    filtersNoLayer: ['filters', model],
    oneClass: ['train', one, '--epochs', '1'],
    report: ['report', model, '--data', data, '--out', path.join(dir, 'again.html'), '--title', 'Left & right'],
    reportNoData: ['report', path.join(dir, 'plain.keras'), '--out', path.join(dir, 'bare.html')],
    reportNoFolder: ['report', model, '--data', path.join(dir, 'nowhere')],
    reportBadOut: ['report', model, '--out', path.join(dir, 'r.txt')],
    reportBadHistory: ['report', model, '--history', path.join(dir, 'small.classes.json')],
  };
  const at: Record<string, CliResult> = {};

  before(async () => {
    await writeFolder(data);
    await writeImage(
      path.join(one, 'only', 'a.png'),
      pixels(8, 8, 3, () => 9),
      8,
      8,
      3,
    );
    trained = runCli(['train', data, '--image-size', '32', '--epochs', '2', '--seed', '3', '--out', model, '--report']);
    assertOk(trained);
    // A copy made outside convkit has no history beside it.
    copyFileSync(model, path.join(dir, 'plain.keras'));
    const names = Object.keys(lists);
    runCliBatch(names.map((n) => lists[n])).forEach((r, i) => (at[names[i]] = r));
  });

  it('trains the small convnet and saves the best model, its class names and its curves', () => {
    assert.match(trained.stdout, /Found 24 files belonging to 2 classes\./);
    assert.match(trained.stdout, /Model: "small_convnet"/);
    // Three blocks fit a 32x32 image: 32 -> 15 -> 6 -> 2.
    assert.match(trained.stdout, /max_pooling2d_2 \(MaxPooling2D\)\s+│ \(None, 2, 2, 128\)/);
    assert.match(trained.stdout, /Epoch 2\/2/);
    assert.doesNotMatch(trained.stdout, /\r/, 'plain lines when stdout is not a terminal');
    assert.match(trained.stdout, /model: \S+small\.keras \(best val_loss \d\.\d{4} at epoch [12]/);
    assert.ok(existsSync(model));
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'small.classes.json'), 'utf8')), {
      classNames: ['left', 'right'],
    });
    assert.ok(isPng(path.join(dir, 'small.curves.png')));
  });

  it('writes the history beside the model and, with --report, the report of the run', () => {
    const saved = JSON.parse(readFileSync(path.join(dir, 'small.history.json'), 'utf8')) as {
      epoch: number[];
      history: Record<string, number[]>;
    };
    assert.deepEqual(saved.epoch, [0, 1]);
    assert.deepEqual(Object.keys(saved.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    assert.ok(saved.history.val_loss.every((v) => Number.isFinite(v)));
    const file = path.join(dir, 'small.report.html');
    assert.match(trained.stdout, new RegExp(`^report: ${file.replace(/[.\\]/g, '\\$&')}$`, 'm'));
    assertSelfContained(readFileSync(file, 'utf8'), true);
  });

  it('reports on a trained model: curves from its history, evaluated on a folder', () => {
    assertOk(at.report);
    const file = path.join(dir, 'again.html');
    assert.match(at.report.stdout, /^history: \S+small\.history\.json$/m);
    assert.equal(at.report.stdout.trimEnd().split('\n').at(-1), `report: ${file}`);
    const html = readFileSync(file, 'utf8');
    assertSelfContained(html, true);
    assert.match(html, /<title>Left &amp; right<\/title>/);
    assert.match(html, /evaluated on 24 images · 2 classes: left, right/);
    // Without history or data: the summary, and the other sections as notes.
    assertOk(at.reportNoData);
    assert.match(at.reportNoData.stderr, /no history beside the model .*plain\.history\.json/);
    const bare = readFileSync(path.join(dir, 'bare.html'), 'utf8');
    assertSelfContained(bare, false);
    assertOneLineError(at.reportNoFolder, 1, /nowhere: no such folder \(--data\)/);
    assertOneLineError(at.reportBadOut, 2, /report: --out must name an \.html file, got '\S+r\.txt'/);
    assertOneLineError(at.reportBadHistory, 1, /small\.classes\.json: expected a training history/);
  });

  it('predicts with the model alone: its input size, its own rescaling, its class names', () => {
    assertOk(at.table);
    const lines = at.table.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^image\s+class\s+probability$/);
    assert.equal(lines.length, 3);
    assert.match(lines[1], /left_0\.png\s+(left|right)\s+0\.\d{4}$/);
    assertOk(at.json);
    const rows = JSON.parse(at.json.stdout) as Predicted[];
    assert.deepEqual(
      rows.map((r) => r.image),
      [left, right],
    );
    for (const r of rows) {
      assert.equal(r.predictions.length, 2);
      assert.ok(r.predictions[0].probability >= r.predictions[1].probability);
      assert.ok(Math.abs(r.predictions[0].probability + r.predictions[1].probability - 1) < 1e-5);
      assert.deepEqual(r.predictions.map((p) => p.class).sort(), ['left', 'right']);
    }
    // The table's top class is the JSON's.
    assert.match(lines[1], new RegExp(`\\s${rows[0].predictions[0].class}\\s`));
  });

  it('evaluates on the folder', () => {
    assertOk(at.evaluate);
    const metrics = JSON.parse(at.evaluate.stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(metrics).sort(), ['accuracy', 'loss']);
    assert.ok(metrics.accuracy >= 0 && metrics.accuracy <= 1 && metrics.loss > 0);
  });

  it('converts to .h5 and TF.js with the class names and history; each format summarizes and predicts the same', () => {
    assertOk(at.toH5);
    assertOk(at.toWeb);
    assert.match(at.toWeb.stdout, /TensorFlow\.js/);
    assert.ok(existsSync(path.join(web, 'model.json')));
    assert.deepEqual(JSON.parse(readFileSync(path.join(web, 'model.classes.json'), 'utf8')).classNames, [
      'left',
      'right',
    ]);
    // The history travels too, so a report of the converted model still has its curves.
    assert.deepEqual(
      JSON.parse(readFileSync(h5.replace(/\.h5$/, '.history.json'), 'utf8')),
      JSON.parse(readFileSync(path.join(dir, `${path.basename(model, '.keras')}.history.json`), 'utf8')),
    );
    const want = (JSON.parse(at.json.stdout) as Predicted[])[1].predictions;
    for (const k of ['H5', 'Web']) {
      const s = at[`summary${k}`];
      assertOk(s);
      assert.match(s.stdout, /Total params: 356,417/);
      assert.match(s.stdout, /Classes: left, right/);
      assert.deepEqual((JSON.parse(at[`predict${k}`].stdout) as Predicted[])[0].predictions, want);
    }
    assertOneLineError(at.toWeights, 2, /weights only/);
  });

  it("writes Grad-CAM overlays at each picture's own size", async () => {
    assertOk(at.gradcam);
    assert.match(
      at.gradcam.stdout,
      /left_0_gradcam\.png .*left_0\.png: predicted (left|right) \(0\.\d{4}\); map of 'right' at layer conv2d_2/,
    );
    for (const name of ['left_0_gradcam.png', 'right_5_gradcam.png']) {
      const meta = await sharp(path.join(dir, 'cam', name)).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', 40, 40, 3]);
    }
    assertOneLineError(at.gradcamLayer, 2, /did you mean 'conv2d_\d'/);
    assertOneLineError(at.gradcamMissing, 1, /missing\.png: no such file/);
  });

  it('draws the activations of every convolution and pooling layer, and filter patterns', () => {
    assertOk(at.activations);
    assert.deepEqual(readdirSync(path.join(dir, 'act')).sort(), [
      '01_conv2d.png',
      '02_max_pooling2d.png',
      '03_conv2d_1.png',
      '04_max_pooling2d_1.png',
      '05_conv2d_2.png',
      '06_max_pooling2d_2.png',
    ]);
    assert.match(at.activations.stdout, /01_conv2d\.png {2}conv2d \(Conv2D\), 30x30x32/);
    assertOk(at.filters);
    assert.ok(isPng(path.join(dir, 'filters_conv2d_1.png')));
    assertOneLineError(at.filtersNoLayer, 2, /missing --layer NAME/);
  });

  it('refuses a folder with a single class in one line', () => {
    assertOneLineError(at.oneClass, 1, /found 1 class folder \(only\); expected .* at least two/);
  });
});

describe('convkit train DIR --base FILE --fine-tune', () => {
  it('extracts features with a frozen base from a file, then fine-tunes its top block', async () => {
    const dir = tempDir('convkit-cli-base-');
    const data = path.join(dir, 'data');
    await writeFolder(data);
    utils.clearSession();
    const base = new models.Sequential([
      new layers.Conv2D(8, 3, { activation: 'relu', inputShape: [32, 32, 3], name: 'block1_conv1' }),
      new layers.MaxPooling2D(2, { name: 'block1_pool' }),
      new layers.Conv2D(8, 3, { activation: 'relu', name: 'block2_conv1' }),
      new layers.MaxPooling2D(2, { name: 'block2_pool' }),
      new layers.Conv2D(16, 3, { activation: 'relu', name: 'block3_conv1' }),
      new layers.MaxPooling2D(2, { name: 'block3_pool' }),
    ]);
    const baseFile = path.join(dir, 'base.keras');
    await base.save(baseFile);
    const out = path.join(dir, 'tuned.keras');
    const args = ['train', data, '--base', baseFile, '--epochs', '1', '--fine-tune', '--fine-tune-epochs', '1'];
    const r = runCli([...args, '--out', out]);
    assertOk(r);
    assert.match(r.stdout, /Trainable params: [\d,]+ .*\n Non-trainable params: 1,976 /);
    assert.match(r.stdout, /fine-tuning 1 layers of sequential \(block3_conv1\), 1 epoch/);
    assert.match(r.stdout, /Epoch 2\/2/);
    assert.ok(existsSync(out));
    const p = runCli(['predict', out, path.join(data, 'left', 'left_1.png')]);
    assertOk(p);
  });
});

describe('convkit train mnist', () => {
  it('trains the chapter convnet on a few images, reports the test accuracy, and predicts digits', async () => {
    const dir = tempDir('convkit-cli-mnist-');
    const out = path.join(dir, 'digits.keras');
    const report = path.join(dir, 'digits.html');
    const r = runCli([
      'train',
      'mnist',
      '--limit',
      '256',
      '--epochs',
      '1',
      '--out',
      out,
      '--quiet',
      '--report',
      report,
    ]);
    assertOk(r);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 4, r.stdout);
    assert.match(lines[0], /^test_loss: \d+\.\d{4} {2}test_acc: 0\.\d{4}$/);
    assert.equal(lines[1], `model: ${out}`);
    assert.equal(lines[3], `report: ${report}`);
    assert.ok(isPng(path.join(dir, 'digits.curves.png')));
    // Evaluated on the 10,000 test digits with the model's own loss: the report's loss is the test loss.
    const html = readFileSync(report, 'utf8');
    assertSelfContained(html, true);
    assert.match(html, /evaluated on 10000 images/);
    assert.doesNotMatch(html, /evaluate failed/);
    const testLoss = Number(/test_loss: (\d+\.\d+)/.exec(lines[0])?.[1]);
    const shown = [...html.matchAll(/>(\d+\.\d{3})</g)].map((m) => Number(m[1]));
    assert.ok(
      shown.some((v) => Math.abs(v - testLoss) < 0.0011),
      `test loss ${testLoss} among ${shown.join(' ')}`,
    );
    // A white-on-black stroke, as MNIST digits are; the model rescales it itself.
    const digit = path.join(dir, 'one.png');
    await writeImage(
      digit,
      pixels(28, 28, 1, (y, x) => (x >= 13 && x <= 15 && y >= 4 && y <= 24 ? 255 : 0)),
      28,
      28,
      1,
    );
    const p = runCli(['predict', out, digit, '--json']);
    assertOk(p);
    const [row] = JSON.parse(p.stdout) as Predicted[];
    assert.match(row.predictions[0].class, /^\d$/);
  });
});
