"""Loads the files make_convkit_files.ts wrote in real Keras 3 and compares predictions, optimizer
state (convkit lists slots grouped by kind; Keras interleaves Adam's per weight), weights-only
loading, and that training continues in Keras. Usage: KERAS_BACKEND=jax python check_in_keras.py DIR"""
import os, json, sys, warnings
os.environ.setdefault('KERAS_BACKEND', 'jax')
import numpy as np, keras
d = sys.argv[1] if len(sys.argv) > 1 else '/tmp/ck/k'
def load(name):
    with open(f'{d}/{name}.json') as fh: return json.load(fh)
def check(name, files):
    ref = load(name)
    x = np.array(ref['x'], dtype='float32').reshape(ref['shape'])
    y = np.array(ref['y'], dtype='float32')
    for f in files:
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                m = keras.models.load_model(f'{d}/{f}')
                p = m.predict(x, verbose=0).reshape(-1)
            ws = [str(x.message)[:300] for x in w if 'Resource' not in str(x.category)]
            print(f, 'max abs diff', float(np.abs(p - y).max()), 'warnings:', ws)
            if 'opt' in ref and m.optimizer is not None:
                vs = [np.array(v.numpy()).reshape(-1) for v in m.optimizer.variables]
                ro = [np.array(v, dtype='float64').reshape(-1) for v in ref['opt']]
                nW = len(m.trainable_variables)
                kinds = (len(ro) - 2) // nW
                # convkit groups slots by kind; Keras interleaves Adam's per weight
                conv = ro[:2] + [ro[2 + k * nW + w_] for w_ in range(nW) for k in range(kinds)]
                print('  optimizer', type(m.optimizer).__name__, 'vars', len(vs), 'vs', len(conv), 'iter', vs[0], 'lr', vs[1],
                      'max diff', max(float(np.abs(a - b).max()) for a, b in zip(vs, conv)) if len(vs) == len(conv) else 'count mismatch')
            if f.endswith('.keras') and os.path.exists(f'{d}/{name}.weights.h5'):
                m.load_weights(f'{d}/{name}.weights.h5')
                print('  load_weights(.weights.h5) diff', float(np.abs(m.predict(x, verbose=0).reshape(-1) - y).max()))
            if m.optimizer is not None and 'yt' in ref:
                yt = np.array(ref['yt'], dtype='float32').reshape(x.shape[0], -1)
                with warnings.catch_warnings(record=True) as w:
                    warnings.simplefilter('always')
                    h = m.fit(x, yt, epochs=1, batch_size=x.shape[0], verbose=0)
                print('  trains further in Keras: loss', h.history['loss'], 'warnings:', [str(x.message)[:200] for x in w if 'Resource' not in str(x.category)])
        except Exception as e:
            print(f, 'FAILED', type(e).__name__, str(e)[:1200])
for name, files in [('frozen', ['frozen.keras']), ('cnn', ['cnn.keras', 'cnn.h5']), ('graph', ['graph.keras', 'graph.h5']), ('aug', ['aug.keras']), ('spatial', ['spatial.keras'])]:
    if os.path.exists(f'{d}/{name}.json'): check(name, files)
