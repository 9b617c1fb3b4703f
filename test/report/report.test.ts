// The run report's HTML: the sections a trained model, its history and data make, nothing loaded
// from the network, pictures as PNG data: URIs, every string escaped, a one-line note for each
// section without data, the confusion counts against the model's own predictions (softmax and a
// sigmoid unit), each kind of data, and the errors for bad options.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Dataset } from '../../src/data/dataset.js';
import { ValueError } from '../../src/errors.js';
import { ImageDataGenerator } from '../../src/preprocessing/image_data_generator.js';
import { escapeHtml, writeReport } from '../../src/report/index.js';
import { evaluateData, outputKind } from '../../src/report/evaluate.js';
import * as convkit from '../../src/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { SIDE, pictures, trained, writeFolder } from './fixture.js';

let tmp = '';
before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'convkit-report-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const SECTIONS = ['summary', 'curves', 'metrics', 'confusion', 'wrong', 'activations', 'gradcam'];

/** The inner HTML of the section with this id. */
function section(html: string, id: string): string {
  const m = new RegExp(`<section id="${id}"[^>]*>([\\s\\S]*?)</section>`).exec(html);
  assert.ok(m, `section ${id} is on the page`);
  return m[1];
}

const isMissing = (html: string, id: string) => new RegExp(`<section id="${id}" class="missing">`).test(html);

/** Predicted class per row of x, by the model (threshold 0.5 for one sigmoid unit). */
function predictedClasses(model: convkit.models.Model, x: Tensor): number[] {
  const p = model.predict(x, { verbose: 0 });
  const [n, k] = p.shape;
  return Array.from({ length: n }, (_, i) => {
    if (k === 1) return p.data[i] >= 0.5 ? 1 : 0;
    let best = 0;
    for (let c = 1; c < k; c++) if (p.data[i * k + c] > p.data[i * k + best]) best = c;
    return best;
  });
}

test('a full report: every section, no network references, pictures as PNG data: URIs, written atomically', async () => {
  const { model, history } = await trained();
  const data = path.join(tmp, 'folder');
  await writeFolder(data, 24);
  const file = path.join(tmp, 'out', 'report.html');
  const res = await convkit.report.writeReport(model, file, { history, data, title: 'Tiny run' });
  assert.deepEqual(res.sections, SECTIONS);
  assert.deepEqual(res.omitted, []);
  const html = readFileSync(file, 'utf8');
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  for (const id of SECTIONS) assert.ok(!isMissing(html, id), `${id} has its content`);
  assert.doesNotMatch(html, /https?:\/\//i, 'no http(s) reference anywhere');
  assert.doesNotMatch(html, /\b(src|href)="(?!data:|#)/, 'every src/href is a data: URI or an anchor');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.ok(
    readdirSync(path.dirname(file)).every((n) => n === 'report.html'),
    'no temporary file left',
  );

  const uris = [...html.matchAll(/src="(data:[^"]*)"/g)].map((m) => m[1]);
  assert.ok(uris.length >= 8 + 1 + 4, `pictures: ${uris.length}`);
  for (const uri of uris) {
    const m = /^data:image\/png;base64,([A-Za-z0-9+/]+=*)$/.exec(uri);
    assert.ok(m, 'a base64 PNG data: URI');
    const bytes = Buffer.from(m[1], 'base64');
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    const meta = await sharp(bytes).metadata();
    assert.equal(meta.format, 'png');
    assert.ok((meta.width ?? 0) > 0 && (meta.height ?? 0) > 0);
  }

  assert.match(section(html, 'summary'), /conv2d \(Conv2D\)/);
  assert.match(section(html, 'summary'), /Total params/);
  const curves = section(html, 'curves');
  assert.equal((curves.match(/<svg class="chart"/g) ?? []).length, 2, 'accuracy and loss panels');
  assert.equal((curves.match(/class="col" data-tip="Epoch /g) ?? []).length, 4, 'one hover column per epoch and panel');
  assert.match(curves, /Validation loss: \d/);
  const metrics = section(html, 'metrics');
  assert.match(metrics, /Evaluation data \(24 images\)/);
  assert.match(metrics, /<td>accuracy<\/td>/);
  // the folder's class names label the matrix and the pictures
  assert.match(section(html, 'confusion'), /<th class="row">left<\/th>/);
  assert.match(section(html, 'activations'), /conv2d <span>Conv2D · output \(10, 10, 4\)/);
  assert.doesNotMatch(section(html, 'activations'), /rescaling/, 'preprocessing layers are not drawn by default');
  assert.match(section(html, 'gradcam'), /from layer &#39;conv2d_1&#39;/);
});

test('the confusion matrix, accuracy and wrong images agree with the model (softmax, one pass over tensors)', async () => {
  const { model } = await trained();
  const { x, y } = pictures(40, 9);
  const ev = await evaluateData(model, { x, y }, outputKind(model), { maxWrong: 3, samples: 4, where: 't' });
  const pred = predictedClasses(model, x);
  const want = [
    [0, 0],
    [0, 0],
  ];
  pred.forEach((p, i) => want[y.data[i]][p]++);
  assert.deepEqual(ev.confusion, want);
  assert.equal(ev.count, 40);
  assert.equal(ev.accuracy, (want[0][0] + want[1][1]) / 40);
  const nWrong = want[0][1] + want[1][0];
  assert.equal(ev.wrong.length, Math.min(3, nWrong));
  for (let i = 1; i < ev.wrong.length; i++) assert.ok(ev.wrong[i - 1].confidence >= ev.wrong[i].confidence);
  for (const w of ev.wrong) {
    assert.notEqual(w.label, w.predicted);
    assert.deepEqual(w.image.shape, [SIDE, SIDE, 1]);
  }
  assert.ok(ev.metrics && typeof ev.metrics.loss === 'number', 'a compiled model is evaluated');
  assert.ok(Math.abs((ev.metrics.accuracy ?? ev.metrics.compile_metrics) - ev.accuracy) < 1e-6, 'same accuracy');
  assert.deepEqual(
    ev.samples.map((s) => s.label),
    [0, 1, 0, 1],
    'one sample per class first, then the first images',
  );
});

test('a sigmoid unit reads as two classes with threshold 0.5', async () => {
  const { model, history } = await trained('sigmoid');
  const { x, y } = pictures(30, 4);
  const ev = await evaluateData(model, { x, y: y.reshape([30, 1]) }, outputKind(model), {
    maxWrong: 8,
    samples: 4,
    where: 't',
  });
  const want = [
    [0, 0],
    [0, 0],
  ];
  predictedClasses(model, x).forEach((p, i) => want[y.data[i]][p]++);
  assert.deepEqual(ev.confusion, want);
  for (const w of ev.wrong) assert.ok(w.confidence >= 0.5 && w.confidence <= 1);
  const file = path.join(tmp, 'sigmoid.html');
  const res = await writeReport(model, file, { history, data: { x, y }, classNames: ['left', 'right'] });
  for (const id of ['curves', 'metrics', 'confusion', 'activations', 'gradcam'])
    assert.ok(res.sections.includes(id), id);
  const html = readFileSync(file, 'utf8');
  assert.match(section(html, 'gradcam'), /heatmap of the evidence for right/);
  assert.match(html, /2 classes: left, right/);
});

test('every string that reaches the page is escaped', async () => {
  const { model, history } = await trained();
  const nasty = `<script>alert("x")</script> & 'q'`;
  const file = path.join(tmp, 'escaped.html');
  const { x, y } = pictures(16, 2);
  await writeReport(model, file, { title: nasty, history, data: { x, y }, classNames: ['<b>left</b>', 'r&d'] });
  const html = readFileSync(file, 'utf8');
  assert.equal((html.match(/<script>/g) ?? []).length, 1, 'only the page script');
  assert.ok(!html.includes('<b>left</b>'));
  assert.ok(html.includes('&lt;b&gt;left&lt;/b&gt;'));
  assert.ok(html.includes('r&amp;d'));
  assert.ok(html.includes(`<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</title>`));
  assert.equal(escapeHtml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&#39;');
});

test('sections without their data are a one-line note, never an error', async () => {
  const { model, history } = await trained();
  const bare = path.join(tmp, 'bare.html');
  const res = await writeReport(model, bare);
  assert.deepEqual(res.sections, ['summary']);
  const html = readFileSync(bare, 'utf8');
  for (const id of SECTIONS.slice(1)) {
    assert.ok(isMissing(html, id), `${id} is marked missing`);
    assert.match(section(html, id), /<p class="note">[^<]+<\/p>$/);
  }
  assert.match(section(html, 'curves'), /No training history was given/);

  const histOnly = await writeReport(model, path.join(tmp, 'hist.html'), { history: history.history });
  assert.deepEqual(histOnly.sections, ['summary', 'curves', 'metrics']);

  // unlabelled data: pictures for activations and Grad-CAM, no confusion matrix
  const { x } = pictures(8, 3);
  const unlabelled = Dataset.fromTensorSlices<Tensor>(x).batch(4);
  const res2 = await writeReport(model, path.join(tmp, 'unlabelled.html'), { data: unlabelled });
  assert.deepEqual(res2.omitted, ['curves', 'metrics', 'confusion', 'wrong']);
  const html2 = readFileSync(path.join(tmp, 'unlabelled.html'), 'utf8');
  assert.match(section(html2, 'confusion'), /The evaluation data has no labels/);
});

test('data as a Dataset, a DirectoryIterator, or a folder gives the same matrix; images as files or tensors', async () => {
  const { model } = await trained();
  const folder = path.join(tmp, 'same');
  await writeFolder(folder, 20);
  const kind = outputKind(model);
  const o = { maxWrong: 8, samples: 4, where: 't' };
  const fromFolder = await evaluateData(model, folder, kind, o);
  const it = new ImageDataGenerator().flowFromDirectory(folder, {
    targetSize: [SIDE, SIDE],
    colorMode: 'grayscale',
    classMode: 'sparse',
    batchSize: 6,
    shuffle: false,
  });
  const fromIterator = await evaluateData(model, it, kind, o);
  const { x, y } = pictures(20, 5);
  const fromDataset = await evaluateData(model, Dataset.fromTensorSlices([x, y]).batch(7), kind, o);
  assert.equal(fromFolder.count, 20);
  assert.deepEqual(fromIterator.confusion, fromFolder.confusion);
  assert.deepEqual(fromDataset.confusion, fromFolder.confusion);
  assert.deepEqual(fromFolder.classNames, ['left', 'right']);
  assert.deepEqual(fromIterator.classNames, ['left', 'right']);
  const inputs = new ImageDataGenerator().flowFromDirectory(folder, {
    targetSize: [SIDE, SIDE],
    colorMode: 'grayscale',
    classMode: 'input',
    batchSize: 8,
  });
  const unlabelled = await evaluateData(model, inputs, kind, o);
  assert.equal(unlabelled.count, 20);
  assert.equal(unlabelled.confusion, null, "classMode 'input' has no labels");
  assert.equal(unlabelled.samples.length, 4);

  const png = path.join(folder, 'left', '0.png');
  const file = path.join(tmp, 'images.html');
  await writeReport(model, file, { images: [png], activationLayers: ['conv2d', 'flatten'] });
  const html = readFileSync(file, 'utf8');
  assert.equal((section(html, 'gradcam').match(/<figure>/g) ?? []).length, 1);
  assert.equal((section(html, 'activations').match(/class="act-layer"/g) ?? []).length, 1);
  assert.match(section(html, 'activations'), /Left out \(no spatial output\): flatten/);
  await writeReport(model, file, { images: x.slice(0, 3) });
  assert.equal((section(readFileSync(file, 'utf8'), 'gradcam').match(/<figure>/g) ?? []).length, 3);
});

test('bad options are refused with the option named, expected versus given', async () => {
  const { model } = await trained();
  const file = path.join(tmp, 'never.html');
  const refuse = (opts: unknown, re: RegExp) =>
    assert.rejects(
      writeReport(model, file, opts as convkit.report.ReportOptions),
      (e: Error) => e instanceof ValueError && re.test(e.message),
    );
  await refuse({ max_wrong: 3 }, /writeReport: unknown option 'max_wrong'; use maxWrong/);
  await refuse({ maxWrong: '3' }, /writeReport maxWrong: expected a positive integer, got the string '3'/);
  await refuse({ data: 42 }, /writeReport: data must be a Dataset .* got 42/);
  await refuse({ data: Dataset.fromTensorSlices([pictures(4).x, pictures(4).y]).repeat() }, /infinite Dataset/);
  await refuse({ history: { loss: 'low' } }, /history\['loss'\] must be an array of numbers/);
  await refuse({ classNames: ['a', 'b', 'c'], data: pictures(4) }, /model 'tiny' has 2 classes, got 3 names/);
  await refuse({ images: [pictures(1).x.reshape([1, 144])] }, /images must be image files or tensors shaped like/);
  await refuse({ title: 7 }, /writeReport title: expected a string, got 7/);
  await refuse(
    { activationLayers: ['conv2dd'] },
    /writeReport activationLayers: layerName 'conv2dd' .*did you mean 'conv2d'/,
  );
  assert.equal(existsSync(file), false);
});

test("vis.heatmapOverlay is saveHeatmapOverlay's picture, without the file", async () => {
  const { x } = pictures(1, 6);
  const pic = new Tensor(
    Float32Array.from({ length: SIDE * SIDE * 3 }, (_, i) => x.data[Math.floor(i / 3)]),
    [SIDE, SIDE, 3],
  );
  const heat = new Tensor(
    Float32Array.from({ length: 16 }, (_, i) => i / 15),
    [4, 4],
  );
  const inMemory = await convkit.vis.heatmapOverlay(pic, heat);
  const file = path.join(tmp, 'overlay.png');
  const saved = await convkit.vis.saveHeatmapOverlay(pic, heat, file);
  assert.deepEqual(inMemory.shape, [SIDE, SIDE, 3]);
  assert.deepEqual(Array.from(inMemory.data), Array.from(saved.data));
  assert.ok(existsSync(file));
  await assert.rejects(convkit.vis.heatmapOverlay(x, heat), /heatmapOverlay: image must be an RGB picture/);
});
