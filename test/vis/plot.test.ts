import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { panelMetrics, plotHistory } from '../../src/vis/index.js';
import { tempDir } from '../data/helpers.js';

const history = {
  history: {
    loss: [0.69, 0.6, 0.5, 0.42, 0.35],
    accuracy: [0.5, 0.62, 0.7, 0.78, 0.83],
    val_loss: [0.66, 0.6, 0.58, 0.59, 0.63],
    val_accuracy: [0.55, 0.64, 0.69, 0.7, 0.7],
  },
  epoch: [0, 1, 2, 3, 4],
};

test('plotHistory writes a PNG of the right size with two panels (accuracy, loss)', async () => {
  const dir = tempDir('convkit-vis-');
  const file = path.join(dir, 'curves.png');
  const size = await plotHistory(history, file);
  assert.deepEqual(size, { width: 1120, height: 400 });
  const buf = readFileSync(file);
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const meta = await sharp(buf).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, 1120);
  assert.equal(meta.height, 400);
  // something was drawn in both halves: blue (training) and orange (validation) pixels
  const { data, info } = await sharp(buf).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const count = (x0: number, x1: number, pred: (r: number, g: number, b: number) => boolean) => {
    let n = 0;
    for (let y = 0; y < info.height; y++)
      for (let x = x0; x < x1; x++) {
        const o = (y * info.width + x) * 3;
        if (pred(data[o], data[o + 1], data[o + 2])) n++;
      }
    return n;
  };
  const blue = (r: number, g: number, b: number) => b > 150 && r < 80;
  const orange = (r: number, g: number, b: number) => r > 200 && g > 90 && g < 160 && b < 60;
  for (const [a, b] of [
    [0, 560],
    [560, 1120],
  ]) {
    assert.ok(count(a, b, blue) > 50, 'training dots drawn');
    assert.ok(count(a, b, orange) > 50, 'validation line drawn');
  }
  assert.deepEqual(readdirSync(dir), ['curves.png']); // no temp files left
  const big = await plotHistory(history, path.join(dir, 'big.png'), {
    scale: 2,
    width: 300,
    height: 200,
    layout: 'vertical',
  });
  const bm = await sharp(readFileSync(path.join(dir, 'big.png'))).metadata();
  assert.deepEqual([bm.width, bm.height], [big.width, big.height]);
  assert.deepEqual(big, { width: 600, height: 800 });
});

test('plotHistory: SVG output, no validation keys, other metrics, plain records, errors', async () => {
  const dir = tempDir('convkit-vis-');
  await plotHistory(history, path.join(dir, 'c.svg'));
  const svg = readFileSync(path.join(dir, 'c.svg'), 'utf8');
  assert.match(svg, /^<svg/);
  assert.match(svg, /Training and validation accuracy/);
  assert.match(svg, /Training and validation loss/);
  assert.equal((await sharp(Buffer.from(svg)).metadata()).width, 1120);
  const noVal = await plotHistory({ loss: [1, 0.5, 0.25], mae: [2, 1, 0.5] }, path.join(dir, 'nv.png'));
  assert.deepEqual(noVal, { width: 1120, height: 400 });
  const single = await plotHistory({ history: { loss: [1, 0.5] }, epoch: [0, 1] }, path.join(dir, 's.svg'));
  assert.equal(single.width, 560);
  assert.match(readFileSync(path.join(dir, 's.svg'), 'utf8'), /Training loss/);
  const nan = await plotHistory({ loss: [1, NaN, 0.5], val_loss: [1, 2, Infinity] }, path.join(dir, 'nan.png'));
  assert.equal(nan.width, 560);
  assert.deepEqual(panelMetrics(['val_loss', 'loss', 'val_acc', 'acc', 'lr', 'auc']), ['acc', 'loss', 'auc']);
  await assert.rejects(plotHistory({}, path.join(dir, 'e.png')), /no values to plot/);
  await assert.rejects(
    plotHistory(history, path.join(dir, 'e.png'), { metrics: ['precision'] }),
    /no values for metric 'precision'/,
  );
  await assert.rejects(plotHistory(history, path.join(dir, 'missing-dir', 'e.png')), /cannot write/);
});
