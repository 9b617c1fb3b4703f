// preprocessing namespace: Keras 2's ImageDataGenerator and its iterators.
export {
  ImageDataGenerator,
  type ImageDataGeneratorOptions,
  type TransformParameters,
} from './image_data_generator.js';
export {
  NumpyArrayIterator,
  DirectoryIterator,
  DIRECTORY_ITERATOR_FORMATS,
  type FlowOptions,
  type FlowFromDirectoryOptions,
  type ClassMode,
  type Batch,
} from './iterators.js';
