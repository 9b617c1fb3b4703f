export { mnist, loadData as loadMnist, parseIdx } from './mnist.js';
