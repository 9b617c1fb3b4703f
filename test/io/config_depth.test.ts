// Deeply nested configs (10^4 levels and more, from a damaged or hostile file) are refused with an
// error naming the file, not a stack overflow; real nesting (models inside models) still loads.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { MAX_CONFIG_DEPTH, findLambdaLayers, modelFromConfig } from '../../src/io/config.js';
import { loadModel } from '../../src/io/index.js';
import { FileFormatError } from '../../src/errors.js';
import type { KerasConfig } from '../../src/keras_config.js';
// Registers the model classes that configs name.
import '../../src/models/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-depth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A Sequential config whose Dense layer carries `depth` nested arrays (built without recursion). */
function deepArrays(depth: number): string {
  const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  return (
    `{"class_name":"Sequential","config":{"name":"s","layers":[` +
    '{"class_name":"InputLayer","config":{"batch_shape":[null,3],"name":"in"}},' +
    `{"class_name":"Dense","config":{"units":2,"name":"d","extra":${deep}}}]}}`
  );
}

/** `depth` Sequential models, each the only layer of the one around it. */
function deepModels(depth: number): string {
  const open = '{"class_name":"Sequential","config":{"layers":[';
  const inner =
    '{"class_name":"InputLayer","config":{"batch_shape":[null,3]}},' + '{"class_name":"Dense","config":{"units":2}}';
  return `${open.repeat(depth)}${inner}${']}}'.repeat(depth)}`;
}

const tooDeep = (where: string) => (e: unknown) => {
  assert.ok(e instanceof FileFormatError, String(e));
  const start = `${where}: the model config nests more than ${MAX_CONFIG_DEPTH} levels deep`;
  assert.ok(e.message.startsWith(start), e.message);
  return true;
};

test('configs nested 10^4 and 10^5 levels deep are refused, naming the file', () => {
  for (const depth of [1e4, 1e5]) {
    assert.throws(() => modelFromConfig(JSON.parse(deepArrays(depth)), 'deep.json'), tooDeep('deep.json'));
    assert.throws(() => modelFromConfig(JSON.parse(deepModels(depth)), 'nested.json'), tooDeep('nested.json'));
  }
  assert.deepEqual(findLambdaLayers(JSON.parse(deepArrays(1e5))), []);
});

test('a TF.js model.json with a deep config fails with the file named', async () => {
  const file = path.join(dir, 'model.json');
  writeFileSync(file, `{"format":"layers-model","modelTopology":${deepModels(20000)},"weightsManifest":[]}`);
  await assert.rejects(loadModel(file), tooDeep(file));
});

test('models nested 20 deep still load', () => {
  const m = modelFromConfig(JSON.parse(deepModels(20)) as KerasConfig, 'ok.json');
  assert.equal(m.layers.length, 1);
  assert.deepEqual(m.computeOutputShape([null, 3]), [null, 2]);
});
