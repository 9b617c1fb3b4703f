export { mnist, loadData as loadMnist, parseIdx } from './mnist.js';
export { fashionMnist, FASHION_MNIST_DIR } from './fashion_mnist.js';
