// The image that motivated decoding to the target size: a 16000x16000 PNG of a few MB, which
// decoded whole needs 768 MB (and more as float32), loads with targetSize [150, 150] above the
// pixel limit with a peak resident size measured in a child process well under that; without a
// target size it is refused, and the refusal suggests one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-bigpng-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs loadImg in a fresh process; prints the image's first and last pixel and the peak RSS. */
function loadInChild(file: string, opts: string): { status: number | null; stdout: string; stderr: string } {
  const image = pathToFileURL(path.join(HERE, '../../src/utils/image.ts')).href;
  const program = `
    import { loadImg } from ${JSON.stringify(image)};
    try {
      const img = await loadImg(${JSON.stringify(file)}, ${opts});
      const last = img.data.length - 3;
      console.log(JSON.stringify({ size: [img.height, img.width, img.channels],
        first: Array.from(img.data.subarray(0, 3)), last: Array.from(img.data.subarray(last)),
        maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
    } catch (e) {
      console.log(JSON.stringify({ error: e.message }));
    }`;
  return spawnSync(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', '--input-type=module', '-e', program],
    { encoding: 'utf8' },
  );
}

test('a 16000x16000 PNG loads with targetSize [150, 150] in a fraction of the memory of decoding it whole', async () => {
  const file = path.join(tmp, 'huge.png');
  await sharp({
    create: { width: 16000, height: 16000, channels: 3, background: { r: 200, g: 100, b: 50 } },
    limitInputPixels: false,
  })
    .png({ compressionLevel: 1 })
    .toFile(file);

  const refused = loadInChild(file, '{}');
  assert.equal(refused.status, 0, refused.stderr);
  assert.match(
    JSON.parse(refused.stdout).error as string,
    /declares 16000x16000 = 256000000 pixels, more than the limit of 178956970 .*load it with a targetSize/,
  );

  const r = loadInChild(file, "{ targetSize: [150, 150], interpolation: 'bilinear' }");
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { size: number[]; first: number[]; last: number[]; maxRssMiB: number };
  assert.deepEqual(out.size, [150, 150, 3]);
  assert.deepEqual(out.first, [200, 100, 50]);
  assert.deepEqual(out.last, [200, 100, 50]);
  // Whole, the decoded pixels alone are 732 MiB; strips of 128 MiB (a few alive until the garbage
  // collector frees them) and the runtime stay far under that.
  assert.ok(out.maxRssMiB < 600, `peak RSS ${out.maxRssMiB} MiB`);
  if (process.env.CONVKIT_REPORT_RSS) console.log(`peak RSS ${out.maxRssMiB} MiB`);
});
