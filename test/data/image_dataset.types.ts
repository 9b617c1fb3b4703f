// Compile-time checks (tsc --noEmit): element and result types of imageDatasetFromDirectory.
import { imageDatasetFromDirectory } from '../../src/data/index.js';
import { Tensor } from '../../src/tensor/index.js';
export async function probe(): Promise<void> {
  const [train, val] = await imageDatasetFromDirectory('d', { imageSize: [150, 150], batchSize: 32, labelMode: 'binary', validationSplit: 0.2, subset: 'both', seed: 1337 });
  for await (const [x, y] of train) { const a: Tensor = x; const b: Tensor = y; void a; void b; }
  void val.classNames;
  const single = await imageDatasetFromDirectory('d');
  for await (const [x] of single) void x;
  const noLabels = await imageDatasetFromDirectory('d', { labelMode: null });
  for await (const x of noLabels) { const t: Tensor = x; void t; }
  const opts = { imageSize: [8, 8] as [number, number] };
  const d2 = await imageDatasetFromDirectory('d', opts);
  void d2.cardinality();
}
