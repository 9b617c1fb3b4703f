"""Loads the files make_convkit_files.ts wrote in real Keras 3 and compares predictions, optimizer
state (convkit lists slots grouped by kind; Keras interleaves Adam's per weight), weights-only
loading, and that training continues in Keras. Prints one line per check; exits 1 if any failed.
Usage: KERAS_BACKEND=jax python check_in_keras.py DIR"""
import json
import os
import sys
import warnings

os.environ.setdefault('KERAS_BACKEND', 'jax')
import numpy as np  # noqa: E402
import keras  # noqa: E402

d = sys.argv[1]
failures = []


def load(name):
    with open(f'{d}/{name}.json') as fh:
        return json.load(fh)


def fail(what):
    failures.append(what)
    print('FAIL', what)


def check(name, files):
    ref = load(name)
    x = np.array(ref['x'], dtype='float32').reshape(ref['shape'])
    y = np.array(ref['y'], dtype='float32')
    for f in files:
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                m = keras.models.load_model(f'{d}/{f}')
                p = np.asarray(m.predict(x, verbose=0)).reshape(-1)
            diff = float(np.abs(p - y).max()) if p.shape == y.shape else float('inf')
            ws = [str(x.message)[:200] for x in w if 'Resource' not in str(x.category)]
            print(f, 'max abs diff', diff, 'warnings:', ws)
            if diff > 1e-4:
                fail(f'{f}: predictions differ by {diff}')
            if 'opt' in ref and f.endswith('.keras'):
                vs = [np.asarray(v.numpy()).reshape(-1) for v in m.optimizer.variables]
                ro = [np.array(v, dtype='float64').reshape(-1) for v in ref['opt']]
                n = len(m.trainable_variables)
                kinds = (len(ro) - 2) // max(n, 1)
                adam = type(m.optimizer).__name__ == 'Adam'
                conv = ro[:2] + ([ro[2 + k * n + i] for i in range(n) for k in range(kinds)] if adam else ro[2:])
                if len(vs) != len(conv):
                    fail(f'{f}: optimizer has {len(vs)} variables, convkit saved {len(conv)}')
                else:
                    od = max(float(np.abs(a - b).max()) for a, b in zip(vs, conv))
                    print('  optimizer', type(m.optimizer).__name__, len(vs), 'variables, max diff', od)
                    if od > 1e-6:
                        fail(f'{f}: optimizer state differs by {od}')
            if f.endswith('.keras') and os.path.exists(f'{d}/{name}.weights.h5'):
                m.load_weights(f'{d}/{name}.weights.h5')
                wd = float(np.abs(np.asarray(m.predict(x, verbose=0)).reshape(-1) - y).max())
                print('  load_weights(.weights.h5) diff', wd)
                if wd > 1e-4:
                    fail(f'{name}.weights.h5: predictions differ by {wd}')
            if f.endswith('.keras') and getattr(m, 'optimizer', None) is not None and 'yt' in ref:
                yt = np.array(ref['yt'], dtype='float32').reshape(x.shape[0], -1)
                h = m.fit(x, yt, epochs=1, batch_size=x.shape[0], verbose=0)
                print('  trains further in Keras: loss', h.history['loss'])
        except Exception as e:  # noqa: BLE001
            fail(f'{f}: {type(e).__name__}: {str(e)[:600]}')


for name, files in [('cnn', ['cnn.keras', 'cnn.h5']), ('graph', ['graph.keras', 'graph.h5']),
                    ('aug', ['aug.keras']), ('crop', ['crop.keras']), ('spatial', ['spatial.keras']), ('frozen', ['frozen.keras'])]:
    if os.path.exists(f'{d}/{name}.json'):
        check(name, files)
print(f'{len(failures)} failed')
sys.exit(1 if failures else 0)
