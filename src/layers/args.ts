// Checks of the constructor arguments that several layers share (data format, padding), so every
// layer accepts the same values and reports a mistake in the same words. Layer-specific arguments
// are checked in the layer that owns them.
import { ValueError } from '../errors.js';
import type { Padding } from '../ops/conv.js';

export type DataFormat = 'channels_last' | 'channels_first';

/** For layers that handle both layouts: `undefined`/`null` mean Keras's default, channels_last. */
export function dataFormatOf(v: unknown, where: string): DataFormat {
  const f = v ?? 'channels_last';
  if (f !== 'channels_last' && f !== 'channels_first') {
    throw new ValueError(`${where}: dataFormat must be 'channels_last' or 'channels_first', got ${JSON.stringify(v)}`);
  }
  return f;
}

/**
 * For layers whose kernels are channels-last only: a channels_first argument (or a Keras file that
 * says so) is refused rather than misread.
 */
export function channelsLastOnly(v: unknown, where: string): 'channels_last' {
  if (v !== undefined && v !== null && v !== 'channels_last') {
    throw new ValueError(`${where}: only dataFormat 'channels_last' is supported, got ${JSON.stringify(v)}`);
  }
  return 'channels_last';
}

export function checkPadding(p: unknown, where: string): Padding {
  const v = p ?? 'valid';
  if (v !== 'valid' && v !== 'same') {
    throw new ValueError(`${where}: padding must be 'valid' or 'same', got '${String(p)}'`);
  }
  return v;
}
