import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canDraw, IndexedCanvas, textWidth } from '../../src/vis/raster.js';

test('the bitmap font has every character the animations write', () => {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  assert.ok(canDraw(letters + letters.toUpperCase() + '0123456789'));
  assert.ok(canDraw("(),->.- '=×:/[]_"));
  assert.ok(!canDraw('é'));
  assert.equal(textWidth(''), 0);
  assert.equal(textWidth('(28, 28)'), 8 * 6 - 1);
  assert.equal(textWidth('ab', 2), 22);
});

test('text: ink inside its box, a glyph per character, scaled, aligned; unknown characters as ?', () => {
  const ink = (c: IndexedCanvas) => {
    let x0 = Infinity,
      x1 = -1,
      y0 = Infinity,
      y1 = -1,
      n = 0;
    c.pixels.forEach((v, i) => {
      if (v !== 1) return;
      const x = i % c.width;
      const y = Math.floor(i / c.width);
      [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
      n++;
    });
    return { x0, x1, y0, y1, n };
  };
  const a = new IndexedCanvas(40, 20);
  a.text(2, 3, 'H-1', 1);
  assert.deepEqual(ink(a), { x0: 2, x1: 2 + textWidth('H-1') - 2, y0: 3, y1: 9, n: 17 + 5 + 10 });
  const b = new IndexedCanvas(40, 30);
  b.text(20, 0, 'H', 1, 3, 'center');
  const bb = ink(b);
  assert.deepEqual([bb.x1 - bb.x0 + 1, bb.y1 - bb.y0 + 1, bb.n], [15, 21, 17 * 9]);
  assert.equal(bb.x0, 20 - Math.round(15 / 2) + 1);
  const g = new IndexedCanvas(10, 12);
  g.text(0, 0, 'g', 1);
  assert.equal(ink(g).y1, 8, 'descender below the baseline');
  const q = new IndexedCanvas(10, 10);
  q.text(0, 0, '?', 1);
  const u = new IndexedCanvas(10, 10);
  u.text(0, 0, 'é', 1);
  assert.deepEqual(u.pixels, q.pixels);
});

test('fill clips to the canvas, frame draws an outline of the given thickness, toRgb maps the palette', () => {
  const c = new IndexedCanvas(6, 5, 2);
  c.fill(-3, 3, 100, 10, 1);
  assert.deepEqual([...c.pixels.subarray(0, 18)], Array(18).fill(2));
  assert.deepEqual([...c.pixels.subarray(18)], Array(12).fill(1));
  const f = new IndexedCanvas(7, 7);
  f.frame(0, 0, 7, 7, 1, 2);
  assert.equal(f.pixels.filter((v) => v === 1).length, 49 - 9);
  assert.equal(f.pixels[3 * 7 + 3], 0);
  const rgb = new IndexedCanvas(2, 1, 1).toRgb(Uint8Array.of(0, 0, 0, 10, 20, 30));
  assert.deepEqual([...rgb], [10, 20, 30, 10, 20, 30]);
});
