// `convkit explain conv|pool [IMAGE]`: the flags handed one to one to vis.explainConvolution and
// vis.explainPooling (docs/explain.md), then the shapes and the GIF written.
import { existsSync, statSync } from 'node:fs';
import { explainConvolution, explainPooling } from '../../vis/explain.js';
import { CommandFailure } from '../args.js';
import type { Context } from '../command.js';

const shape = (s: readonly number[]): string => `(${s.join(', ')})`;

export async function explain(ctx: Context, kind: 'conv' | 'pool'): Promise<void> {
  const a = ctx.args;
  const image = a.positionals[1];
  if (image !== undefined) {
    if (!existsSync(image)) throw new CommandFailure(`${image}: no such file`);
    if (!statSync(image).isFile()) {
      throw new CommandFailure(`${image}: not a file; expected an image (JPEG, PNG, BMP, GIF, WebP)`);
    }
  }
  const file = a.str('out', `explain_${kind}.gif`);
  const common = {
    file,
    framesDir: a.str('frames-dir'),
    scale: a.num('scale'),
    fps: a.num('fps'),
    delay: a.num('delay'),
    maxFrames: a.num('max-frames'),
    strides: a.num('strides'),
    padding: a.str('padding') as 'valid' | 'same' | undefined,
  };
  ctx.info(`drawing the ${kind === 'conv' ? 'convolution' : 'pooling'} on ${image ?? 'an MNIST digit'}...`);
  const r =
    kind === 'conv'
      ? await explainConvolution(image, { ...common, kernelSize: a.num('kernel-size'), filters: a.str('filters') })
      : await explainPooling(image, {
          ...common,
          poolSize: a.num('pool-size'),
          mode: a.str('mode') as 'max' | 'average' | undefined,
        });
  ctx.out(`${shape(r.inputShape)} -> ${shape(r.outputShape)}`);
  ctx.out(`gif: ${file} (${r.frames} frames)`);
  const frames = a.str('frames-dir');
  if (frames !== undefined) ctx.out(`frames: ${frames}`);
}
