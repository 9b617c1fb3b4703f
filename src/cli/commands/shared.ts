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

/** The pretrained bases `convkit train --base` knows by name (keys of run/train_models.ts's table). */
export const BASE_NAMES = ['vgg16', 'vgg19', 'resnet50', 'mobilenetv2', 'xception'] as const;
export type BaseName = (typeof BASE_NAMES)[number];
