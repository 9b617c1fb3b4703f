// The chapter-scale table in one run: every chapter-scale workload for convkit and for each PyTorch that
// is installed (PyTorch 2 in /tmp/ref, Debian's 1.13 for /usr/bin/python3, or $CONVKIT_PYTHON), the
// same threads for everyone, figures as shares of the FMA peak measured in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Peak } from './peak.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface ChapterOptions {
  threads: number;
  peak: Peak | null;
  /** Batches (or steps) timed per VGG16/small-convnet row; their median is reported. */
  batches: number;
  mnistSteps: number;
  /** Images of the RSS row of VGG16 feature extraction (0 skips it; the chapter's 2,000 images). */
  rssImages: number;
  torch: boolean;
  skip: Set<string>;
  log: (s?: string) => void;
}

type TorchOut = Record<string, number | number[] | string | undefined> & { torch?: string; error?: string };

const INSTALL = {
  torch2:
    '/tmp/ref/bin/pip install --no-index --find-links /opt/pypi/files torch==2.13.0+cpu ' +
    '(after `python3 -m venv /tmp/ref` if it does not exist)',
  torch1: "apt-get install python3-torch (Debian's PyTorch 1.13, seen by /usr/bin/python3)",
};

/** Each distinct Python interpreter that can import torch, with its results for `what`. */
function runTorches(o: ChapterOptions, what: string[]): { results: TorchOut[]; missing: string[] } {
  const pythons = [process.env.CONVKIT_PYTHON, '/tmp/ref/bin/python', '/usr/bin/python3', 'python3'].filter(
    (p): p is string => !!p && (!p.startsWith('/') || existsSync(p)),
  );
  const results: TorchOut[] = [];
  const seen = new Set<string>();
  for (const py of [...new Set(pythons)]) {
    const r = spawnSync(
      py,
      [
        path.join(here, 'torch_chapter.py'),
        '--threads',
        String(o.threads),
        '--what',
        what.join(','),
        '--batches',
        String(o.batches),
        '--mnist-steps',
        String(o.mnistSteps),
        '--rss-images',
        String(o.rssImages),
      ],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(o.threads) } },
    );
    let res: TorchOut;
    try {
      res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as TorchOut;
    } catch {
      continue;
    }
    if (res.error || !res.torch || seen.has(res.torch)) continue;
    seen.add(res.torch);
    results.push(res);
  }
  const major = (r: TorchOut) => Number(String(r.torch).split('.')[0]);
  const missing: string[] = [];
  if (!results.some((r) => major(r) >= 2)) missing.push(`PyTorch 2 not found; install: ${INSTALL.torch2}`);
  if (!results.some((r) => major(r) === 1)) missing.push(`PyTorch 1.13 not found; install: ${INSTALL.torch1}`);
  return { results, missing };
}

interface Row {
  name: string;
  unit: string;
  convkit: number | null;
  torch: (number | null)[];
  higherIsBetter: boolean;
  target: string;
  note?: string;
}

export async function runChapter(o: ChapterOptions): Promise<Record<string, unknown>> {
  const c = await import('./chapter.js');
  const { fitEpochs } = await import('./mnist_epoch.js');
  const { log, peak, threads } = o;
  const on = (k: string): boolean => !o.skip.has(k);
  const out: Record<string, unknown> = {};
  const pct = (gflops: number): string => {
    const p = peak ? (threads <= 1 ? peak.one : (peak.all * Math.min(threads, peak.threads)) / peak.threads) : 0;
    return p
      ? `${((100 * gflops) / p).toFixed(1)}% of the ${threads}-thread FMA peak (${p.toFixed(1)} GFLOP/s)`
      : 'no peak measured';
  };
  log(`\n== Chapter-scale workloads, ${threads} threads (median of ${o.batches} batches/steps unless noted)`);
  const rows: Row[] = [];
  let vgg: Awaited<ReturnType<typeof c.vggPredict>> | null = null;
  if (on('vgg-predict')) {
    vgg = await c.vggPredict(32, 150, o.batches);
    const gf = c.vgg16ConvFlops(32, 150) / (vgg.msPerBatch / 1000) / 1e9;
    log(
      `  VGG16 notop predict 150x150 batch 32: ${vgg.imagesPerS.toFixed(1)} images/s, ${gf.toFixed(1)} GFLOP/s ` +
        `(direct-convolution flops) = ${pct(gf)}`,
    );
    out.vggPredict = { ...vgg, gflops: gf };
  }
  let ft: Awaited<ReturnType<typeof c.vggFinetune>> | null = null;
  if (on('vgg-finetune')) {
    ft = await c.vggFinetune(20, 150, o.batches);
    log(
      `  VGG16 fine-tuning step (block 5 trainable), batch 20: ${ft.msPerStep.toFixed(0)} ms/step; ` +
        `RSS after each step ${ft.rssMiB.map((v) => v.toFixed(0)).join(', ')} MiB`,
    );
    out.vggFinetune = ft;
  }
  let small: Awaited<ReturnType<typeof c.smallConvnetStep>> | null = null;
  if (on('small')) {
    small = await c.smallConvnetStep(32, o.batches);
    log(`  small-data convnet training step, batch 32: ${small.msPerStep.toFixed(0)} ms/step`);
    out.smallStep = small;
  }
  let epoch: Awaited<ReturnType<typeof fitEpochs>> | null = null;
  if (on('mnist-epoch')) {
    log(`  MNIST convnet, one fit epoch of ${o.mnistSteps} steps with the progress bar:`);
    epoch = await fitEpochs(o.mnistSteps, 1);
    log(`    ${(epoch.epochMs[0] / 1000).toFixed(2)} s = ${epoch.stepMs.toFixed(2)} ms/step over the whole epoch`);
    out.mnistEpoch = epoch;
  }
  let mp: number | null = null;
  if (on('mnist-predict')) {
    mp = await c.mnistPredict(10000);
    log(`  MNIST predict, 10,000 images (batch 256): ${mp.toFixed(0)} images/s`);
    out.mnistPredict = mp;
  }
  let rss: number[] | null = null;
  if (o.rssImages > 0 && on('vgg-predict')) {
    const r = await c.vggPredict(32, 150, Math.max(1, Math.floor(o.rssImages / 32)));
    rss = r.rssMiB;
    log(
      `  VGG16 feature extraction of ${o.rssImages} images: RSS after batches 1, 2, 4, ..., last: ` +
        `${rss
          .filter((_, i) => (i & (i + 1)) === 0 || i === rss!.length - 1)
          .map((v) => v.toFixed(0))
          .join(', ')} MiB; ` +
        `peak ${Math.max(...rss).toFixed(0)} MiB`,
    );
    out.vggRss = rss;
  }

  let torches: TorchOut[] = [];
  if (o.torch) {
    const what = [
      ['vgg-predict', 'vgg_predict'],
      ['vgg-finetune', 'vgg_finetune'],
      ['small', 'small_step'],
      ['mnist-epoch', 'mnist_epoch'],
      ['mnist-predict', 'mnist_predict'],
    ]
      .filter(([k]) => on(k))
      .map(([, w]) => w);
    const t = runTorches(o, what);
    torches = t.results;
    for (const m of t.missing) log(`  ${m}`);
    out.torch = torches;
  } else {
    log('  PyTorch skipped (--no-torch)');
  }
  // The MNIST rows are seconds long and this machine's speed drifts over minutes: convkit's epoch and
  // predict run again after PyTorch's, so each ratio compares the mean of two runs that bracket
  // PyTorch's in time (both runs are logged).
  let epochS = epoch ? epoch.epochMs[0] / 1000 : null;
  let epochStep = epoch?.stepMs ?? null;
  if (epoch && torches.length) {
    const again = await fitEpochs(o.mnistSteps, 1);
    const s2 = again.epochMs[0] / 1000;
    epochS = (epoch.epochMs[0] / 1000 + s2) / 2;
    epochStep = (epoch.stepMs + again.stepMs) / 2;
    log(
      `  MNIST fit epoch again, after PyTorch's runs: ${s2.toFixed(2)} s = ${again.stepMs.toFixed(2)} ms/step; ` +
        `the table uses the mean, ${epochS.toFixed(2)} s`,
    );
    out.mnistEpochAfter = again;
  }
  if (mp !== null && torches.length) {
    const again = await c.mnistPredict(10000);
    log(`  MNIST predict again, after PyTorch's runs: ${again.toFixed(0)} images/s; the table uses the mean`);
    mp = (mp + again) / 2;
    out.mnistPredictAfter = again;
  }
  const tv = (k: string): (number | null)[] => torches.map((r) => (typeof r[k] === 'number' ? r[k] : null));
  rows.push({
    name: 'VGG16 notop predict 150x150 b32 (images/s)',
    unit: 'img/s',
    convkit: vgg?.imagesPerS ?? null,
    torch: tv('vgg_predict_ips'),
    higherIsBetter: true,
    target: '>= 2x, >= 75% of peak',
  });
  rows.push({
    name: 'VGG16 fine-tuning step b20 (ms)',
    unit: 'ms',
    convkit: ft?.msPerStep ?? null,
    torch: tv('vgg_finetune_ms'),
    higherIsBetter: false,
    target: '>= 1.5x',
  });
  rows.push({
    name: 'small convnet training step b32 (ms)',
    unit: 'ms',
    convkit: small?.msPerStep ?? null,
    torch: tv('small_step_ms'),
    higherIsBetter: false,
    target: '>= 1.5x',
  });
  rows.push({
    name: `MNIST fit epoch, ${o.mnistSteps} steps (s)`,
    unit: 's',
    convkit: epochS,
    torch: tv('mnist_epoch_s'),
    higherIsBetter: false,
    target: '<= 0.45x time',
  });
  rows.push({
    name: '  same, per step (ms)',
    unit: 'ms',
    convkit: epochStep,
    torch: tv('mnist_step_ms'),
    higherIsBetter: false,
    target: '~5.5 ms',
  });
  rows.push({
    name: 'MNIST predict 10,000 (images/s)',
    unit: 'img/s',
    convkit: mp,
    torch: tv('mnist_predict_ips'),
    higherIsBetter: true,
    target: '>= 3x',
  });

  const heads = torches.map((r) => `PyTorch ${r.torch}`);
  log(
    `\n== Summary, ${threads} threads${
      peak
        ? `; FMA peak ${peak.one.toFixed(1)} (1 thread) / ${peak.all.toFixed(1)} ` +
          `(${peak.threads} threads) GFLOP/s, ${peak.isa}`
        : ''
    }`,
  );
  log(
    `  ${'workload'.padEnd(44)} ${'convkit'.padStart(9)} ${heads.map((h) => h.padStart(16)).join(' ')}  ` +
      `${'speed-up'.padStart(8)}  target`,
  );
  const fmt = (v: number | null): string => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(2));
  for (const r of rows) {
    const best = r.torch.filter((v): v is number => v !== null);
    const ref = best.length ? (r.higherIsBetter ? Math.max(...best) : Math.min(...best)) : null;
    const speed = r.convkit !== null && ref !== null ? (r.higherIsBetter ? r.convkit / ref : ref / r.convkit) : null;
    log(
      `  ${r.name.padEnd(44)} ${fmt(r.convkit).padStart(9)} ${r.torch.map((v) => fmt(v).padStart(16)).join(' ')}  ` +
        `${speed === null ? '-'.padStart(8) : `${speed.toFixed(2)}x`.padStart(8)}  ${r.target}`,
    );
  }
  const ftRss = ft ? Math.max(...ft.rssMiB) : null;
  const peakOf = (v: unknown): string => fmt(Array.isArray(v) ? Math.max(...(v as number[])) : null).padStart(16);
  log(
    `  ${'peak RSS, VGG16 feature extraction (MiB)'.padEnd(44)} ${fmt(rss ? Math.max(...rss) : null).padStart(9)} ` +
      `${torches.map((r) => peakOf(r.vgg_predict_rss_mib)).join(' ')}` +
      `${rss ? '' : '  (--rss-images 2000 to run it)'}`,
  );
  log(
    `  ${'peak RSS, VGG16 fine-tuning (MiB)'.padEnd(44)} ${fmt(ftRss).padStart(9)} ` +
      `${torches.map((r) => peakOf(r.vgg_finetune_rss_mib)).join(' ')}`,
  );
  log("  (speed-up: convkit against the faster PyTorch; RSS is the whole process, convkit's includes Node and tsx)");
  out.rows = rows;
  return out;
}
