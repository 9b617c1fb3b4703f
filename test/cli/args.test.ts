// The command-line grammar on its own: flag forms, numbers as people type them, the checks of
// ranges and choices, and positionals against a command's declaration.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  UsageError,
  checkPositionals,
  describeRange,
  parseArgv,
  parseNumber,
  type OptionSpec,
} from '../../src/cli/args.js';

const options: Record<string, OptionSpec> = {
  epochs: { kind: 'int', min: 1, help: '' },
  rate: { kind: 'number', min: 0, max: 1, maxExclusive: true, help: '' },
  shift: { kind: 'number', help: '' },
  mode: { kind: 'choice', choices: ['rgb', 'grayscale'], help: '' },
  out: { kind: 'string', short: 'o', help: '' },
  augment: { kind: 'boolean', help: '' },
};

describe('parseNumber', () => {
  it('reads decimals, exponents and fractions, and nothing else', () => {
    assert.equal(parseNumber('3'), 3);
    assert.equal(parseNumber('-0.5'), -0.5);
    assert.equal(parseNumber('.25'), 0.25);
    assert.equal(parseNumber('1e-5'), 1e-5);
    assert.equal(parseNumber('1/255'), 1 / 255);
    for (const bad of ['', 'abc', '0x10', '1/0', 'Infinity', 'NaN', '1,5', '3 4', '1//2']) {
      assert.equal(parseNumber(bad), null, bad);
    }
  });

  it('describes ranges the way the errors say them', () => {
    assert.equal(describeRange(options.epochs), 'a positive integer');
    assert.equal(describeRange(options.rate), 'a number in [0, 1)');
    assert.equal(describeRange({ kind: 'int', min: 0, help: '' }), 'a non-negative integer');
    assert.equal(describeRange({ kind: 'number', min: 0, minExclusive: true, help: '' }), 'a number > 0');
  });
});

describe('parseArgv', () => {
  it('takes --name value, --name=value, -x value, booleans, --no-name and --', () => {
    const r = parseArgv(
      ['a', '--epochs', '3', '--rate=0.5', '-o', 'm.keras', '--augment', 'b', '--mode', 'rgb', '--', '--c'],
      options,
      'test',
    );
    assert.deepEqual(r.positionals, ['a', 'b', '--c']);
    assert.deepEqual(Object.fromEntries(r.values), {
      epochs: 3,
      rate: 0.5,
      out: 'm.keras',
      augment: true,
      mode: 'rgb',
    });
    assert.equal(parseArgv(['--no-augment'], options, 'test').values.get('augment'), false);
  });

  it('takes a negative number as a value and as a positional', () => {
    const r = parseArgv(['--shift', '-2.5', '-3'], options, 'test');
    assert.equal(r.values.get('shift'), -2.5);
    assert.deepEqual(r.positionals, ['-3']);
  });

  it('refuses unknown flags (with a suggestion), missing values, bad numbers and choices', () => {
    const refused: [string[], RegExp][] = [
      [['--epoch', '3'], /^test: unknown option '--epoch' \(did you mean '--epochs'\?\)$/],
      [['-z'], /^test: unknown option '-z'$/],
      [['--epochs'], /^test: --epochs needs a value \(a positive integer\)$/],
      [['--epochs', '--augment'], /--epochs needs a value/],
      [['--epochs', '1e3x'], /--epochs expects a positive integer, got '1e3x'/],
      [['--rate', '1'], /--rate expects a number in \[0, 1\), got '1'/],
      [['--mode', 'gray'], /--mode must be one of rgb, grayscale, got 'gray'/],
      [['--augment=yes'], /--augment takes no value, got 'yes'/],
      [['--no-epochs'], /unknown option '--no-epochs'/],
      [['--out', ''], /--out needs a value, got an empty string/],
      [['--out', 'a', '--out', 'b'], /--out is given twice/],
      [['--toString'], /unknown option '--toString'/],
    ];
    for (const [argv, pattern] of refused) {
      assert.throws(
        () => parseArgv(argv, options, 'test'),
        (e: unknown) => e instanceof UsageError && pattern.test(e.message),
      );
    }
  });
});

describe('checkPositionals', () => {
  it('names what is missing and what is extra', () => {
    const specs = [{ name: 'MODEL' }, { name: 'IMAGE', variadic: true }];
    checkPositionals(['m', 'a', 'b', 'c'], specs, 'predict');
    assert.throws(() => checkPositionals([], specs, 'predict'), /^UsageError: predict: missing MODEL$/);
    assert.throws(() => checkPositionals(['m'], specs, 'predict'), /predict: missing IMAGE \(one or more\)/);
    assert.throws(
      () => checkPositionals(['a', 'b', 'c'], [{ name: 'IN' }, { name: 'OUT' }], 'convert'),
      /convert: unexpected argument 'c'/,
    );
  });
});

describe('a flag whose value may be left out', () => {
  const spec: Record<string, OptionSpec> = {
    report: { kind: 'string', optionalValue: /\.html$/, help: '' },
    epochs: { kind: 'int', min: 1, help: '' },
  };
  it('takes the next argument only when it looks like its value', () => {
    const alone = parseArgv(['--report', 'photos/', '--epochs', '2'], spec, 'train');
    assert.deepEqual(alone.positionals, ['photos/']);
    assert.equal(alone.values.get('report'), true);
    assert.equal(alone.values.get('epochs'), 2);
    const last = parseArgv(['photos/', '--report'], spec, 'train');
    assert.equal(last.values.get('report'), true);
    const named = parseArgv(['--report', 'run.html', 'photos/'], spec, 'train');
    assert.equal(named.values.get('report'), 'run.html');
    assert.deepEqual(named.positionals, ['photos/']);
    assert.equal(parseArgv(['--report=notes.txt'], spec, 'train').values.get('report'), 'notes.txt');
    assert.throws(() => parseArgv(['--report', '--report', 'a.html'], spec, 'train'), /--report is given twice/);
  });
});
