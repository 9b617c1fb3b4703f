// Flags that several commands share, declared once.
import type { OptionSpec } from '../args.js';

export const RESCALE_OPTION: Record<string, OptionSpec> = {
  rescale: {
    kind: 'number',
    metavar: 'X',
    minExclusive: true,
    min: 0,
    help: 'multiply pixel values (0..255) by X first, for a model without its own Rescaling layer (e.g. 1/255)',
  },
};
