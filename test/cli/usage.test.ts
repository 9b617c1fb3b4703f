// The command's surface: help, version, and every usage mistake answered by one line on stderr
// with exit status 2 (failures: 1), never a stack trace unless CONVKIT_DEBUG=1. Also the package's
// bin itself, run from dist/ when it has been built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { CONVKIT_VERSION } from '../../src/version.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { REPO, assertOneLineError, runCli, runCliBatch } from './helpers.js';

describe('convkit --help and --version', () => {
  it('lists every command, and each command has its own help', () => {
    const r = runCli(['--help']);
    assert.equal(r.status, 0, r.stderr);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c.name} `, 'm'));
    assert.match(r.stdout, /^ {2}report MODEL +one self-contained HTML page/m);
    assert.match(r.stdout, /^ {2}explain conv\|pool \[IMAGE\] +an animated GIF/m);
    assert.match(r.stdout, /--quiet/);
    const t = runCli(['train', '--help']);
    assert.equal(t.status, 0, t.stderr);
    for (const flag of ['--epochs', '--image-size', '--augment', '--validation-split', '--base', '--fine-tune']) {
      assert.match(t.stdout, new RegExp(flag));
    }
    assert.match(t.stdout, /^Usage: convkit train mnist\|DIR/);
    const h = runCli(['help', 'predict']);
    assert.equal(h.status, 0, h.stderr);
    assert.match(h.stdout, /^Usage: convkit predict MODEL IMAGE\.\.\./);
    // --help wins over mistakes elsewhere on the line.
    const p = runCli(['predict', '--top', 'x', '-h']);
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /^Usage: convkit predict MODEL IMAGE\.\.\./);
  });

  it('prints the version, before or after a command', () => {
    for (const args of [['--version'], ['-V'], ['summary', '--version']]) {
      const r = runCli(args);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `convkit ${CONVKIT_VERSION}\n`);
    }
  });
});

describe('usage mistakes: one line, exit status 2', () => {
  const cases: [string[], RegExp][] = [
    [[], /missing command \(one of summary, train/],
    [['trian', 'mnist'], /unknown command 'trian' \(did you mean 'train'\?\)/],
    [['--frobnicate', 'summary'], /unknown option '--frobnicate'/],
    [['help', 'trian'], /help: unknown command 'trian' \(did you mean 'train'\?\)/],
    [['summary'], /summary: missing MODEL/],
    [['summary', 'a.keras', 'b.keras'], /summary: unexpected argument 'b\.keras'/],
    [['predict', 'm.keras'], /predict: missing IMAGE \(one or more\)/],
    [['train', 'mnist', '--epoch', '3'], /train: unknown option '--epoch' \(did you mean '--epochs'\?\)/],
    [['train', 'mnist', '--epochs', 'abc'], /train: --epochs expects a positive integer, got 'abc'/],
    [['train', 'mnist', '--epochs', '0'], /--epochs expects a positive integer, got '0'/],
    [['train', 'mnist', '--epochs', '2.5'], /--epochs expects a positive integer, got '2\.5'/],
    [['train', 'mnist', '--epochs'], /--epochs needs a value/],
    [['train', 'mnist', '--epochs', '2', '--epochs', '3'], /--epochs is given twice/],
    [['train', 'dir', '--validation-split', '1'], /--validation-split expects a number in \(0, 1\), got '1'/],
    [['train', 'dir', '--dropout', '-0.1'], /--dropout expects a number in \[0, 1\), got '-0\.1'/],
    [
      ['train', 'dir', '--color-mode', 'rbg'],
      /--color-mode must be one of rgb, grayscale, got 'rbg' \(did you mean 'rgb'\?\)/,
    ],
    [['train', 'mnist', '--augment'], /--augment applies to 'convkit train DIR'/],
    [['train', 'dir', '--limit', '10'], /--limit applies to 'convkit train mnist' only/],
    [['train', 'dir', '--fine-tune'], /--fine-tune needs --base/],
    [['train', 'dir', '--weights', 'none'], /--weights goes with --base vgg16\|vgg19/],
    [['train', 'dir', '--validation', 'v', '--validation-split', '0.1'], /not both/],
    [['train', 'dir', '--out', 'model.pt'], /--out must name a \.keras or \.h5 file, got 'model\.pt'/],
    [['train', 'dir', '--augment=maybe'], /--augment takes no value, got 'maybe'/],
    [['train', 'dir', '--report=run.txt'], /train: --report must name an \.html file, got 'run\.txt'/],
    [['train', 'dir', '--report', '--report'], /--report is given twice/],
    [['report'], /report: missing MODEL/],
    [['report', 'm.keras', '--data'], /report: --data needs a value \(DIR\)/],
    [['predict', 'm.keras', 'a.png', '--top', '0'], /--top expects a positive integer, got '0'/],
    [['predict', 'm.keras', 'a.png', '-x'], /unknown option '-x'/],
    [['gradcam', 'm.keras', 'a.png', '--alpha', '2'], /--alpha expects a number in \[0, 1\], got '2'/],
    [['predict', 'm.keras', 'a.png', '--rescale', '1/0'], /--rescale expects a number > 0, got '1\/0'/],
  ];
  it('each mistake in the list, through main() in one process', () => {
    const results = runCliBatch(cases.map(([args]) => args));
    cases.forEach(([args, pattern], i) => {
      assert.equal(results[i].stdout, '', `convkit ${args.join(' ')}: nothing on stdout`);
      assertOneLineError(results[i], 2, pattern);
    });
  });

  it('as a process: exit status 2 and one line on stderr', () => {
    assertOneLineError(runCli([]), 2, /missing command/);
    assertOneLineError(runCli(['trian']), 2, /did you mean 'train'/);
    assertOneLineError(runCli(['train', 'mnist', '--epochs', 'abc']), 2, /--epochs expects a positive integer/);
  });
});

describe('failures: one line, exit status 1', () => {
  it('a missing model, a damaged one and a file that is not a model', () => {
    assertOneLineError(runCli(['summary', 'no/such/model.keras']), 1, /no\/such\/model\.keras: no such file/);
    assertOneLineError(
      runCli(['summary', 'test/io/fixtures/damaged/zeroed_global_heap.h5']),
      1,
      /zeroed_global_heap\.h5: .*damaged/,
    );
    assertOneLineError(runCli(['summary', 'package.json']), 1, /package\.json: /);
    assertOneLineError(runCli(['train', 'no/such/folder', '--epochs', '1']), 1, /no\/such\/folder: no such folder/);
  });

  it('CONVKIT_DEBUG=1 adds the stack trace', () => {
    const r = runCli(['summary', 'no/such/model.keras'], { env: { CONVKIT_DEBUG: '1' } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^convkit: no\/such\/model\.keras: no such file\n/);
    assert.match(r.stderr, /\n\s+at /);
  });
});

describe('bin/convkit.mjs', () => {
  const dist = path.join(REPO, 'dist/cli/main.js');
  it('runs the compiled command, also through a symlink as npm installs it', (t) => {
    if (!existsSync(dist)) {
      t.skip('dist/ is not built (npm install or npm run build builds it)');
      return;
    }
    const bin = path.join(REPO, 'bin/convkit.mjs');
    const v = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout, `convkit ${CONVKIT_VERSION}\n`);
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'convkit-bin-'));
    mkdirSync(path.join(elsewhere, 'node_modules/.bin'), { recursive: true });
    const link = path.join(elsewhere, 'node_modules/.bin/convkit');
    symlinkSync(bin, link);
    const s = spawnSync(link, ['summary', path.join(REPO, 'test/io/fixtures/keras3/kcnn.keras')], {
      encoding: 'utf8',
      cwd: elsewhere,
    });
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /Model: "kcnn"/);
    const e = spawnSync(link, ['trian'], { encoding: 'utf8', cwd: elsewhere });
    assert.equal(e.status, 2);
    assert.match(e.stderr, /^convkit: unknown command 'trian' \(did you mean 'train'\?\)/);
  });
});
