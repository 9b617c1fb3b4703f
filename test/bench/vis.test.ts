// bench/vis.ts runs after the chapter table in `npm run bench`, when other models have already
// taken the default layer names: its convnet must still have the book's 'conv2d_2'.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layers, models } from 'convkit';
import { visTimings } from '../../bench/vis.js';

describe('bench/vis.ts', () => {
  it('finds conv2d_2 even after other models took the names, and times both parts', () => {
    for (let i = 0; i < 2; i++) {
      new models.Sequential([new layers.Conv2D(2, 3, { inputShape: [6, 6, 1] }), new layers.Conv2D(2, 3)]);
    }
    const r = visTimings({ filters: 1, steps: 1, batch: 1, size: 64 });
    assert.equal(r.layer, 'conv2d_2');
    assert.ok(r.ascentS > 0 && r.camS > 0);
  });
});
