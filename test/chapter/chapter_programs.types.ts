// Compile-time checks (tsc --noEmit, `npm run typecheck`): the chapter's programs, written as a
// Keras user translates them, type-check without casts. The @ts-expect-error line must fail to
// compile: if the types ever accept it, tsc reports the unused directive and the check fails.
import { layers, models, preprocessing } from '../../src/index.js';
import type { Tensor } from '../../src/tensor/index.js';

export async function chapterPrograms(x: Tensor, y: Tensor): Promise<void> {
  const model = new models.Sequential([
    new layers.Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
    new layers.Flatten(),
    new layers.Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs: 5, batchSize: 64 });
  const [testLoss, testAcc] = await model.evaluate(x, y);
  // @ts-expect-error a pair of numbers is not a tensor
  const wrong: Tensor = testLoss;
  void wrong;
  const l: number = testLoss;
  const a: number = testAcc;
  void [l, a];
  // A model compiled without metrics: the loss alone, by the documented type argument.
  const loss: number = await model.evaluate<number>(x, y);
  void loss;

  const gen = new preprocessing.ImageDataGenerator({ rescale: 1 / 255 });
  for await (const [xb, yb] of gen.flowFromDirectory('train', { targetSize: [150, 150], classMode: 'binary' })) {
    const xs: Tensor = xb;
    const ys: Tensor = yb;
    void [xs, ys];
    break;
  }
  for await (const xb of gen.flowFromDirectory('test', { classMode: null })) {
    const xs: Tensor = xb;
    void xs;
    break;
  }
  for await (const [xb, yb] of gen.flow(x, y, { batchSize: 32 })) {
    const xs: Tensor = xb;
    const ys: Tensor = yb;
    void [xs, ys];
    break;
  }
  for await (const xb of gen.flow(x)) {
    const xs: Tensor = xb;
    void xs;
    break;
  }
}
