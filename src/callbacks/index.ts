// Training callbacks, with Keras's names and hooks.
// core (lead)
export { Callback, CallbackList, History, ProgbarLogger, type Logs } from './callback.js';
// -- section: issue 4 callbacks (helper) --
export { EarlyStopping, ReduceLROnPlateau, CSVLogger, TerminateOnNaN, LambdaCallback } from './standard.js';
// -- end section --
// -- section: issue 5 callbacks (helper) --
export { ModelCheckpoint, BackupAndRestore, formatFilepath, type ModelCheckpointArgs, type BackupAndRestoreArgs } from './checkpoint.js';
// -- end section --
