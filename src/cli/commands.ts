// The command table: every `convkit` subcommand, in the order `convkit --help` lists them.
// Adding a subcommand is one object in its own file under commands/ and one entry here.
import type { Command } from './command.js';
import { activations, filters, gradcam } from './commands/vis.js';
import { convert } from './commands/convert.js';
import { evaluate } from './commands/evaluate.js';
import { explain } from './commands/explain.js';
import { predict } from './commands/predict.js';
import { report } from './commands/report.js';
import { summary } from './commands/summary.js';
import { train } from './commands/train.js';

export const COMMANDS: readonly Command[] = [
  summary,
  train,
  evaluate,
  predict,
  report,
  convert,
  activations,
  filters,
  gradcam,
  explain,
];
