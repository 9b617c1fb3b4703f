// Compile-time checks (tsc --noEmit, `npm run typecheck`): element and result types of
// imageDatasetFromDirectory. Each @ts-expect-error line must fail to compile: if the types ever
// accept it, tsc reports the unused directive and the type check fails.
import { imageDatasetFromDirectory } from '../../src/data/index.js';
import type { Dataset } from '../../src/data/index.js';
import { Tensor } from '../../src/tensor/index.js';

export async function probe(): Promise<void> {
  const [train, val] = await imageDatasetFromDirectory('d', {
    imageSize: [150, 150],
    batchSize: 32,
    labelMode: 'binary',
    validationSplit: 0.2,
    subset: 'both',
    seed: 1337,
  });
  for await (const [x, y] of train) {
    const a: Tensor = x;
    const b: Tensor = y;
    void a;
    void b;
  }
  void val.classNames;
  const single = await imageDatasetFromDirectory('d');
  for await (const [x] of single) void x;
  const noLabels = await imageDatasetFromDirectory('d', { labelMode: null });
  for await (const x of noLabels) {
    const t: Tensor = x;
    void t;
  }
  const opts = { imageSize: [8, 8] as [number, number] };
  const d2 = await imageDatasetFromDirectory('d', opts);
  void d2.cardinality();
}

export async function mistakes(): Promise<void> {
  const single = await imageDatasetFromDirectory('d');
  // @ts-expect-error without subset 'both' the result is one dataset, not a pair
  const [a, b] = single;
  void a;
  void b;
  const noLabels = await imageDatasetFromDirectory('d', { labelMode: null });
  for await (const x of noLabels) {
    // @ts-expect-error with labelMode null the elements are image batches, not (images, labels) pairs
    const [images, labels]: [Tensor, Tensor] = x;
    void images;
    void labels;
  }
  const labelled: Dataset<[Tensor, Tensor]> = single;
  // @ts-expect-error a labelled dataset's element is a pair, not a tensor
  const notPair: Dataset<Tensor> = labelled;
  void notPair;
  // @ts-expect-error labelMode accepts 'int', 'categorical', 'binary' or null
  await imageDatasetFromDirectory('d', { labelMode: 'sparse' });
  // @ts-expect-error imageSize is [height, width]
  await imageDatasetFromDirectory('d', { imageSize: 150 });
}
