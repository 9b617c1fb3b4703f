// Image pipeline benchmark: images/second of imageDatasetFromDirectory (decode + resize in the
// worker pool, shuffle, batch, prefetch), alone and while the main thread is busy as it is during
// training. Usage:
//   node --conditions=development --import tsx bench/pipeline.ts [--data DIR] [--n 1000] [--size 150]
//     [--batch 32] [--workers N] [--busy-ms 50] [--epochs 2] [--json]
// Without --data it writes N JPEGs (two classes, 180x200 px, resized to --size) to a temp folder.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { closeDecodePool, DecodePool, defaultWorkerCount } from '../src/data/decode_pool.js';
import { imageDatasetFromDirectory } from '../src/data/image_dataset.js';
import { Tensor } from '../src/tensor/tensor.js';

function arg(name: string, def: string | null = null): string | null {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? 'true' : v;
}

async function makeJpegs(dir: string, n: number): Promise<void> {
  const w = 200,
    h = 180;
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 2 ? 'dogs' : 'cats';
    mkdirSync(path.join(dir, cls), { recursive: true });
    const px = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        px[o] = (x * 7 + i * 13) & 255;
        px[o + 1] = (y * 5 + i) & 255;
        px[o + 2] = ((x ^ y) + i * 3) & 255;
      }
    jobs.push(
      sharp(px, { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 90 })
        .toFile(path.join(dir, cls, `${i}.jpg`)),
    );
    if (jobs.length >= 32) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* a training step's worth of main-thread work */
  }
}

async function main(): Promise<void> {
  const n = Number(arg('n', '1000'));
  const size = Number(arg('size', '150'));
  const batch = Number(arg('batch', '32'));
  const epochs = Number(arg('epochs', '2'));
  const busyMs = Number(arg('busy-ms', '50'));
  const workers = Number(arg('workers', String(defaultWorkerCount())));
  const json = arg('json') === 'true';
  let dir = arg('data');
  let tmp: string | null = null;
  if (!dir) {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-bench-pipeline-'));
    dir = tmp;
    const t0 = performance.now();
    await makeJpegs(dir, n);
    if (!json) console.log(`wrote ${n} JPEGs (200x180) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const pool = new DecodePool(workers);
  const ds = await imageDatasetFromDirectory(dir, {
    imageSize: [size, size],
    batchSize: batch,
    seed: 1,
    pool,
    verbose: !json,
  });
  const total = ds.filePaths!.length;
  const results: Record<string, number> = {};
  const run = async (label: string, stepMs: number) => {
    let images = 0;
    const t0 = performance.now();
    for await (const b of ds) {
      images += (Array.isArray(b) ? b[0] : (b as Tensor)).shape[0];
      if (stepMs > 0) busy(stepMs);
    }
    const s = (performance.now() - t0) / 1000;
    return { ips: images / s, s, images };
  };
  // warm-up pass starts the workers and the page cache
  await run('warmup', 0);
  let best = 0;
  for (let e = 0; e < epochs; e++) best = Math.max(best, (await run('alone', 0)).ips);
  results.pipeline_images_per_s = best;
  if (busyMs > 0) {
    const r = await run('busy', busyMs);
    const steps = Math.ceil(total / batch);
    const floor = (steps * busyMs) / 1000;
    results.busy_ms_per_step = busyMs;
    results.with_busy_main_images_per_s = r.ips;
    results.with_busy_main_seconds = r.s;
    results.busy_only_seconds = floor;
    // 1.0 = the pipeline adds nothing beyond the main thread's own work
    results.overlap_efficiency = floor / r.s;
  }
  const inline = new DecodePool(0);
  const ds0 = await imageDatasetFromDirectory(dir, {
    imageSize: [size, size],
    batchSize: batch,
    seed: 1,
    pool: inline,
    verbose: false,
  });
  let img0 = 0;
  const t0 = performance.now();
  for await (const b of ds0) img0 += (Array.isArray(b) ? b[0] : (b as Tensor)).shape[0];
  results.main_thread_only_images_per_s = img0 / ((performance.now() - t0) / 1000);
  const info = {
    files: total,
    image_size: size,
    batch,
    workers,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    ...results,
  };
  if (json) console.log(JSON.stringify(info));
  else {
    console.log(`pipeline (decode+resize ${size}x${size}, ${workers} workers): ${best.toFixed(0)} images/s`);
    if (busyMs > 0)
      console.log(
        `with the main thread busy ${busyMs} ms per batch: ${results.with_busy_main_images_per_s.toFixed(0)} images/s, ${results.with_busy_main_seconds.toFixed(2)} s vs ${results.busy_only_seconds.toFixed(2)} s of busy work alone (overlap ${(results.overlap_efficiency * 100).toFixed(0)}%)`,
      );
    console.log(`decoding on the main thread instead: ${results.main_thread_only_images_per_s.toFixed(0)} images/s`);
  }
  await pool.close();
  await closeDecodePool();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

await main();
