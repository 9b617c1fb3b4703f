// Training callbacks, with Keras's names and hooks.
export { Callback, CallbackList, History, ProgbarLogger, type Logs } from './callback.js';
export { EarlyStopping, ReduceLROnPlateau, CSVLogger, TerminateOnNaN, LambdaCallback } from './standard.js';
export {
  ModelCheckpoint,
  BackupAndRestore,
  formatFilepath,
  type ModelCheckpointArgs,
  type BackupAndRestoreArgs,
} from './checkpoint.js';
