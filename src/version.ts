// convkit's own version, recorded in the files it writes (metadata.json, .h5 attributes, TF.js
// generatedBy). Kept equal to package.json's version; a test checks that.
export const CONVKIT_VERSION = '0.1.0';
