// Loads the files check_in_keras.py wrote with real Keras 3 (DIR/keras/) in convkit: each .keras
// and legacy .h5 model, and each .weights.h5 into the same model built by convkit, must predict
// what Keras predicted. Prints one line per check; exits 1 if any failed. Usage: check_keras_files.ts DIR
import path from 'node:path';
import { io, utils } from 'convkit';
import { MODELS, build } from './make_convkit_models.js';

const dir = process.argv[2];
let failed = 0;
for (const [key, spec] of Object.entries(MODELS)) {
  const x = await utils.loadNpy(path.join(dir, `${key}_x.npy`));
  const want = await utils.loadNpy(path.join(dir, 'keras', `${key}_y.npy`));
  const loaded = [
    [`${key}.keras`, await io.loadModel(path.join(dir, 'keras', `${key}.keras`))],
    [`${key}.h5`, await io.loadModel(path.join(dir, 'keras', `${key}.h5`))],
  ] as const;
  utils.clearSession();
  const fresh = await build(spec.builder, { ...spec.args, weights: path.join(dir, 'keras', `${key}.weights.h5`) });
  for (const [what, m] of [...loaded, [`${key}.weights.h5 via weights: path`, fresh] as const]) {
    const got = m.predict(x);
    let worst = 0;
    let ok = got.size === want.size;
    for (let i = 0; ok && i < want.size; i++) {
      const d = Math.abs(got.data[i] - want.data[i]);
      worst = Math.max(worst, d);
      if (d > 1e-4 * (1 + Math.abs(want.data[i]))) ok = false;
    }
    console.log('Keras -> convkit', what, `max abs diff ${worst}`, ok ? 'OK' : 'FAIL');
    if (!ok) failed++;
  }
}
process.exit(failed ? 1 : 0);
