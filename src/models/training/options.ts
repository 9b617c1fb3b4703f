// The options checks of fit/evaluate/predict live in the shared module every entry point uses.
export {
  type OptionNames,
  checkBoolean,
  checkNonNegativeInt,
  checkOptions,
  checkPositiveInt,
  describeValue,
} from '../../options.js';
