// `import ... from 'convkit'` resolves through the package's own `exports`: to the sources under
// tsx (--conditions=development) and to the compiled dist/ under plain Node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';

const program = `
import { layers, models, utils } from 'convkit';
const m = new models.Sequential([new layers.Dense(3, { inputShape: [4] })]);
console.log(m.countParams(), typeof utils.toCategorical);
`;

describe('package self-reference', () => {
  it('works under tsx from the sources', () => {
    const r = spawnSync(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', '--input-type=module', '-e', program],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '15 function');
  });

  it('works from plain Node ESM after the build (dist/)', () => {
    assert.ok(existsSync('dist/index.js'), 'dist/index.js exists: `npm install` builds it (npm run build)');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '15 function');
  });
});
