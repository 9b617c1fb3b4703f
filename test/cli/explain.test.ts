// `convkit explain conv|pool`: the animated GIFs of a convolution and of pooling on the default
// MNIST digit and on an image file, the shapes line, and the flags that do not fit the kind.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { pixels, tempDir, writeImage } from '../data/helpers.js';
import { type CliResult, assertOk, assertOneLineError, runCliBatch } from './helpers.js';

/** The GIF's frame count and size, as sharp decodes it. */
async function gifFrames(file: string): Promise<{ pages: number; width: number; format: string }> {
  const meta = await sharp(file, { pages: -1 }).metadata();
  return { pages: meta.pages ?? 1, width: meta.width ?? 0, format: meta.format ?? '' };
}

describe('convkit explain', () => {
  const dir = tempDir('convkit-cli-explain-');
  const image = path.join(dir, 'square.png');
  const gif = (name: string) => path.join(dir, `${name}.gif`);
  const lists: Record<string, string[]> = {
    conv: ['explain', 'conv', '--out', gif('conv')],
    pool: ['explain', 'pool', '--out', gif('pool')],
    sameStride2: [
      'explain',
      'conv',
      image,
      '--padding',
      'same',
      '--strides',
      '2',
      '--filters',
      '1,0,-1; 2,0,-2; 1,0,-1',
      '--max-frames',
      '12',
      '--scale',
      '4',
      '--frames-dir',
      path.join(dir, 'frames'),
      '--out',
      gif('same'),
    ],
    average: ['explain', 'pool', image, '--mode', 'average', '--pool-size', '3', '--out', gif('avg'), '--quiet'],
    poolSizeForConv: ['explain', 'conv', '--pool-size', '3'],
    kernelForPool: ['explain', 'pool', '--kernel-size', '3'],
    filtersForPool: ['explain', 'pool', '--filters', 'edge'],
    modeForConv: ['explain', 'conv', '--mode', 'max'],
    badKind: ['explain', 'dense'],
    noKind: ['explain'],
    badPadding: ['explain', 'conv', '--padding', 'full'],
    badOut: ['explain', 'pool', '--out', 'pool.png'],
    fpsAndDelay: ['explain', 'conv', '--fps', '5', '--delay', '100'],
    tooBig: ['explain', 'conv', '--kernel-size', '40', '--out', gif('never')],
    noImage: ['explain', 'conv', path.join(dir, 'missing.png')],
  };
  const at: Record<string, CliResult> = {};

  before(async () => {
    // A bright 8x8 square on a dark 20x20 field.
    const data = pixels(20, 20, 1, (y, x) => (y >= 6 && y < 14 && x >= 6 && x < 14 ? 230 : 10));
    await writeImage(image, data, 20, 20, 1);
    const names = Object.keys(lists);
    runCliBatch(names.map((n) => lists[n])).forEach((r, i) => (at[names[i]] = r));
  });

  it("animates the chapter's 3x3 convolution and 2x2 max pooling of an MNIST digit", async () => {
    for (const [name, shapes] of [
      ['conv', '(28, 28) -> (26, 26)'],
      ['pool', '(28, 28) -> (14, 14)'],
    ] as const) {
      assertOk(at[name]);
      assert.equal(at[name].stderr, '');
      const lines = at[name].stdout.trimEnd().split('\n');
      assert.ok(lines.includes(shapes), at[name].stdout);
      assert.match(lines.at(-1) ?? '', new RegExp(`^gif: \\S+${name}\\.gif \\(\\d+ frames\\)$`));
      const frames = await gifFrames(gif(name));
      assert.equal(frames.format, 'gif');
      assert.ok(frames.pages > 1, `${frames.pages} frames`);
      assert.equal(lines.at(-1), `gif: ${gif(name)} (${frames.pages} frames)`);
    }
  });

  it('pads and strides, takes a kernel as rows, and writes the frames as PNGs', async () => {
    assertOk(at.sameStride2);
    // ceil(20 / 2) = 10 with 'same' padding.
    assert.match(at.sameStride2.stdout, /^\(20, 20\) -> \(10, 10\)$/m);
    const frames = await gifFrames(gif('same'));
    assert.ok(frames.pages > 1 && frames.pages <= 12, `${frames.pages} frames`);
    const pngs = readdirSync(path.join(dir, 'frames')).filter((f) => f.endsWith('.png'));
    assert.equal(pngs.length, frames.pages);
    assert.match(at.sameStride2.stdout, /^frames: /m);
    // --quiet leaves the results only; 3x3 windows at stride 3 fit 6 times in 20: (20 - 3) / 3 + 1.
    assertOk(at.average);
    assert.deepEqual(at.average.stdout.trimEnd().split('\n'), [
      '(20, 20) -> (6, 6)',
      `gif: ${gif('avg')} (${(await gifFrames(gif('avg'))).pages} frames)`,
    ]);
  });

  it('answers a flag that does not fit the kind, and other mistakes, in one line', () => {
    const usage: [string, RegExp][] = [
      ['poolSizeForConv', /explain conv: --pool-size applies to 'convkit explain pool' only/],
      ['kernelForPool', /explain pool: --kernel-size applies to 'convkit explain conv' only/],
      ['filtersForPool', /explain pool: --filters applies to 'convkit explain conv' only/],
      ['modeForConv', /explain conv: --mode applies to 'convkit explain pool' only/],
      ['badKind', /explain: expected conv or pool first, got 'dense'/],
      ['noKind', /explain: missing conv or pool/],
      ['badPadding', /--padding must be one of valid, same, got 'full'/],
      ['badOut', /--out must name a \.gif file, got 'pool\.png'/],
      ['fpsAndDelay', /give --fps or --delay, not both/],
    ];
    for (const [name, pattern] of usage) {
      assert.equal(at[name].stdout, '', name);
      assertOneLineError(at[name], 2, pattern);
    }
    assertOneLineError(at.tooBig, 1, /a 40x40 window does not fit the 28x28 image/);
    assertOneLineError(at.noImage, 1, /missing\.png: no such file/);
  });
});
