// The chapter's first program: a small convnet on MNIST (Deep Learning with Python, ch. 5.1).
// Run: npm run mnist   (options: --epochs N, --limit N training images for a quick look)
import { layers, models, datasets, utils, backend } from 'convkit';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const epochs = arg('epochs', 5);
const limit = arg('limit', 60000);
utils.setRandomSeed(arg('seed', 1));

const model = new models.Sequential();
model.add(new layers.Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }));
model.add(new layers.MaxPooling2D([2, 2]));
model.add(new layers.Conv2D(64, [3, 3], { activation: 'relu' }));
model.add(new layers.MaxPooling2D([2, 2]));
model.add(new layers.Conv2D(64, [3, 3], { activation: 'relu' }));
model.add(new layers.Flatten());
model.add(new layers.Dense(64, { activation: 'relu' }));
model.add(new layers.Dense(10, { activation: 'softmax' }));
model.summary();

const [[trainImages, trainLabels], [testImages, testLabels]] = await datasets.mnist.loadData();
const x = trainImages.slice(0, limit).reshape([-1, 28, 28, 1]).astype('float32').div(255);
const y = utils.toCategorical(trainLabels.slice(0, limit));
const xTest = testImages.reshape([10000, 28, 28, 1]).astype('float32').div(255);

console.log(`backend: ${backend.backendName()}`);
model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
const t0 = performance.now();
await model.fit(x, y, { epochs, batchSize: 64 });
const trainSeconds = (performance.now() - t0) / 1000;
const [testLoss, testAcc] = await model.evaluate(xTest, utils.toCategorical(testLabels));
console.log(`training time: ${trainSeconds.toFixed(1)} s, test_loss: ${testLoss.toFixed(4)}`);
console.log(`test_acc: ${testAcc.toFixed(4)}`);
