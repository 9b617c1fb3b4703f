// keras.applications: convnets trained on ImageNet, built with Keras's layer names so Keras's
// weight files load, with the matching preprocessInput/decodePredictions per model namespace.
export { VGG16 } from './vgg16.js';
export { VGG19 } from './vgg19.js';
export { ResNet50 } from './resnet50.js';
export { MobileNetV2, type MobileNetV2Args } from './mobilenet_v2.js';
export { Xception } from './xception.js';
export type { ApplicationArgs, WeightsFile } from './common.js';
export * as vgg16 from './vgg16.js';
export * as vgg19 from './vgg19.js';
export * as resnet50 from './resnet50.js';
export * as mobilenetV2 from './mobilenet_v2.js';
export * as xception from './xception.js';
export * as imagenetUtils from './imagenet_utils.js';
