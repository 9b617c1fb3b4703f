// model.summary(): Keras 3's table, shapes and parameter counts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layers, models, utils } from '../../src/index.js';

function mnistConvnet(opts: { pool?: boolean; padding?: 'valid' | 'same'; strides?: number } = {}) {
  const { pool = true, padding = 'valid', strides = 1 } = opts;
  const m = new models.Sequential();
  m.add(new layers.Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1], padding, strides }));
  if (pool) m.add(new layers.MaxPooling2D([2, 2]));
  m.add(new layers.Conv2D(64, [3, 3], { activation: 'relu', padding, strides }));
  if (pool) m.add(new layers.MaxPooling2D([2, 2]));
  m.add(new layers.Conv2D(64, [3, 3], { activation: 'relu', padding, strides }));
  m.add(new layers.Flatten());
  m.add(new layers.Dense(64, { activation: 'relu' }));
  m.add(new layers.Dense(10, { activation: 'softmax' }));
  return m;
}

function summaryOf(m: models.Model, lineLength?: number): string[] {
  const lines: string[] = [];
  m.summary({ printFn: (l) => lines.push(l), lineLength });
  return lines;
}

describe('summary', () => {
  it("prints the chapter's convnet exactly as Keras 3 does (L=88)", () => {
    utils.clearSession();
    const lines = summaryOf(mnistConvnet(), 88);
    assert.equal(lines[0], 'Model: "sequential"');
    assert.equal(lines[1], '┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓');
    assert.equal(lines[2], '┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃');
    assert.equal(lines[3], '┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩');
    assert.equal(lines[4], '│ conv2d (Conv2D)                      │ (None, 26, 26, 32)          │             320 │');
    const rows = lines
      .filter((l) => l.startsWith('│'))
      .map((l) =>
        l
          .split('│')
          .slice(1, 4)
          .map((c) => c.trim()),
      );
    assert.deepEqual(rows, [
      ['conv2d (Conv2D)', '(None, 26, 26, 32)', '320'],
      ['max_pooling2d (MaxPooling2D)', '(None, 13, 13, 32)', '0'],
      ['conv2d_1 (Conv2D)', '(None, 11, 11, 64)', '18,496'],
      ['max_pooling2d_1 (MaxPooling2D)', '(None, 5, 5, 64)', '0'],
      ['conv2d_2 (Conv2D)', '(None, 3, 3, 64)', '36,928'],
      ['flatten (Flatten)', '(None, 576)', '0'],
      ['dense (Dense)', '(None, 64)', '36,928'],
      ['dense_1 (Dense)', '(None, 10)', '650'],
    ]);
    assert.equal(lines.filter((l) => l.startsWith('├')).length, 7, 'a rule between rows');
    assert.equal(
      lines.at(-4),
      '└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘',
    );
    assert.deepEqual(lines.slice(-3), [
      ' Total params: 93,322 (364.54 KB)',
      ' Trainable params: 93,322 (364.54 KB)',
      ' Non-trainable params: 0 (0.00 B)',
    ]);
    for (const l of lines.slice(1, -3)) assert.equal([...l].length, 88, `line width: ${l}`);
  });

  it('uses L=76 (80-column fallback) when not printing to a terminal', () => {
    const lines = summaryOf(mnistConvnet());
    assert.equal([...lines[1]].length, 76);
    assert.equal(lines[4].split('│')[1].length, 33);
  });

  it('conv base alone has 55,744 params', () => {
    const base = new models.Sequential([
      new layers.Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] }),
      new layers.MaxPooling2D(2),
      new layers.Conv2D(64, 3, { activation: 'relu' }),
      new layers.MaxPooling2D(2),
      new layers.Conv2D(64, 3, { activation: 'relu' }),
    ]);
    assert.ok(summaryOf(base).includes(' Total params: 55,744 (217.75 KB)'));
  });

  it('variants: no pooling, same padding, strides 2', () => {
    const count = (m: models.Model) => summaryOf(m).find((l) => l.startsWith(' Total params'));
    // No pooling: 22x22x64 → Flatten 30976 → Dense 64 = 1,982,528 + 55,744 + 650
    assert.equal(count(mnistConvnet({ pool: false })), ' Total params: 2,038,922 (7.78 MB)');
    const same = summaryOf(mnistConvnet({ padding: 'same' }));
    assert.ok(same.some((l) => l.includes('(None, 28, 28, 32)')));
    assert.ok(same.some((l) => l.includes('(None, 7, 7, 64)')));
    // same: 7·7·64 = 3136 → 200,768 + 650 + 55,744
    assert.equal(count(mnistConvnet({ padding: 'same' })), ' Total params: 257,162 (1004.54 KB)');
    const s2 = summaryOf(mnistConvnet({ pool: false, strides: 2 }));
    assert.ok(
      s2.some((l) => l.includes('(None, 13, 13, 32)')) &&
        s2.some((l) => l.includes('(None, 6, 6, 64)')) &&
        s2.some((l) => l.includes('(None, 2, 2, 64)')),
    );
  });

  it('a chain-shaped functional model is sequential-like and shows its InputLayer row', () => {
    utils.clearSession();
    const inputs = layers.Input({ shape: [8] });
    const h = new layers.Dense(4, { activation: 'relu' }).apply(inputs);
    const outputs = new layers.Dense(2).apply(h);
    const m = new models.Model({ inputs, outputs });
    m.layers[1].trainable = false;
    const lines = summaryOf(m);
    assert.equal(lines[0], 'Model: "functional"');
    assert.ok(!lines[2].includes('Connected to'));
    assert.match(lines[4], /^│ input_layer \(InputLayer\)\s+│ \(None, 8\)\s+│\s+0 │$/);
    assert.ok(lines.includes(' Trainable params: 10 (40.00 B)'));
    assert.ok(lines.includes(' Non-trainable params: 36 (144.00 B)'));
  });

  it('branching functional models get the 4-column layout with Connected to', () => {
    utils.clearSession();
    const inputs = layers.Input({ shape: [8] });
    const a = new layers.Dense(4).apply(inputs);
    const b = new layers.Dense(4).apply(inputs);
    const c = new layers.Dense(2).apply(a);
    const d = new layers.Dense(2).apply(b);
    const m = new models.Model({ inputs, outputs: [c, d] });
    const lines = summaryOf(m, 108);
    assert.ok(lines[2].includes('Connected to'));
    assert.equal([...lines[1]].length, 108);
    const body = lines.join('\n');
    assert.match(body, /│ input_layer \(InputLayer\)\s+│ \(None, 8\)\s+│\s+0 │ -\s+│/);
    assert.deepEqual(
      m.layers.map((l) => l.name),
      ['input_layer', 'dense', 'dense_1', 'dense_2', 'dense_3'],
      'ordered by depth as Keras',
    );
    const narrow = summaryOf(m, 60).join('\n');
    assert.match(narrow, /│ input_layer\s+│/);
    assert.match(narrow, /│ \(InputLayer\)\s+│/, 'long cells wrap at spaces');
    assert.match(body, /│ dense_2 \(Dense\)\s+│ \(None, 2\)\s+│\s+10 │ dense\[0\]\[0\]\s+│/);
  });

  it('shows an unbuilt Sequential with ? shapes and 0 (unbuilt)', () => {
    const m = new models.Sequential([new layers.Dense(3)]);
    const lines = summaryOf(m);
    assert.ok(lines.some((l) => l.includes('?') && l.includes('0 (unbuilt)')));
  });
});

describe('summary on a terminal without a usable width', () => {
  function onTerminal(columns: number, m: models.Model): string[] {
    const lines: string[] = [];
    const out = process.stdout;
    const saved = { isTTY: out.isTTY, columns: out.columns };
    const log = console.log;
    Object.defineProperty(out, 'isTTY', { value: true, configurable: true, writable: true });
    Object.defineProperty(out, 'columns', { value: columns, configurable: true, writable: true });
    console.log = (s: string) => lines.push(s);
    try {
      m.summary();
    } finally {
      console.log = log;
      Object.defineProperty(out, 'isTTY', { value: saved.isTTY, configurable: true, writable: true });
      Object.defineProperty(out, 'columns', { value: saved.columns, configurable: true, writable: true });
    }
    return lines;
  }
  // eslint-disable-next-line no-control-regex -- the bold escapes a terminal gets are not part of the width
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

  it('falls back to the 80-column table for a width of 0 or a very narrow terminal', () => {
    for (const columns of [0, 3, 12, 19]) {
      utils.clearSession();
      const lines = onTerminal(columns, mnistConvnet()).map(plain);
      utils.clearSession();
      assert.deepEqual(lines, summaryOf(mnistConvnet(), 76), `${columns} columns`);
    }
  });

  it('refuses a lineLength that leaves a column no room, naming the minimum', () => {
    assert.throws(() => summaryOf(mnistConvnet(), 10), /lineLength must be an integer of at least 16.*got 10/);
  });
});
