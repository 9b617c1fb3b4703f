// The one place where untyped JSON enters convkit: a Keras config dictionary as read from a file or
// written by getConfig(). Values are whatever the file holds, so readers narrow them (fromConfig
// checks each key it uses); everything else in src/ is typed without `any`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KerasConfig = Record<string, any>;
