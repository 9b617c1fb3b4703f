"""Writes small models with real Keras 3 (.keras, legacy .h5, .weights.h5) plus inputs and Keras's
predictions into test/io/fixtures/keras3/, which test/io/keras_files.test.ts loads in convkit.
Run by hand where Keras is installed: KERAS_BACKEND=jax python make_keras_files.py OUT_DIR"""
import json, os, sys
os.environ.setdefault('KERAS_BACKEND', 'jax')
import numpy as np
import keras

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
expect = {'keras_version': keras.__version__, 'backend': keras.backend.backend(), 'models': {}}

def record(name, model, x, files):
    expect['models'][name] = {'files': files, 'x': x.reshape(-1).tolist(), 'shape': list(x.shape),
                              'y': np.asarray(model.predict(x, verbose=0)).reshape(-1).tolist(),
                              'layers': [l.name for l in model.layers]}

# Sequential convnet with BN, trained a little with Adam (optimizer state in the files).
cnn = keras.Sequential([
    keras.Input((10, 10, 1)),
    keras.layers.Conv2D(4, 3, activation='relu'),
    keras.layers.BatchNormalization(),
    keras.layers.MaxPooling2D(2),
    keras.layers.Conv2D(6, 3, padding='same', use_bias=False),
    keras.layers.ReLU(),
    keras.layers.Flatten(),
    keras.layers.Dropout(0.3),
    keras.layers.Dense(3, activation='softmax'),
], name='kcnn')
cnn.compile(optimizer=keras.optimizers.Adam(0.01), loss='categorical_crossentropy', metrics=['accuracy'])
x = rng.random((6, 10, 10, 1), dtype=np.float32)
y = np.eye(3, dtype=np.float32)[np.arange(6) % 3]
cnn.fit(x, y, epochs=3, batch_size=3, verbose=0)
cnn.save(f'{out}/kcnn.keras')
cnn.save(f'{out}/kcnn.h5')
cnn.save_weights(f'{out}/kcnn.weights.h5')
record('kcnn', cnn, x, ['kcnn.keras', 'kcnn.h5'])
expect['models']['kcnn']['optimizer'] = [np.asarray(v).reshape(-1).tolist() for v in cnn.optimizer.variables]

# Functional model: two branches, Add, Concatenate, a nested Sequential, GlobalAveragePooling2D.
inp = keras.Input((6, 6, 2), name='img')
a = keras.layers.Conv2D(3, 3, padding='same', activation='relu')(inp)
b = keras.layers.Conv2D(3, 1)(inp)
s = keras.layers.Add()([a, b])
c = keras.layers.Concatenate()([s, a])
block = keras.Sequential([keras.Input((6, 6, 6)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization()], name='block')
g = keras.layers.GlobalAveragePooling2D()(block(c))
o = keras.layers.Dense(2, activation='softmax', name='probs')(g)
fn = keras.Model(inp, o, name='kgraph')
fn.compile(optimizer='rmsprop', loss='categorical_crossentropy')
fx = rng.random((4, 6, 6, 2), dtype=np.float32)
fn.fit(fx, np.eye(2, dtype=np.float32)[np.arange(4) % 2], epochs=2, batch_size=2, verbose=0)
fn.save(f'{out}/kgraph.keras')
fn.save(f'{out}/kgraph.h5')
record('kgraph', fn, fx, ['kgraph.keras', 'kgraph.h5'])

# Preprocessing and augmentation layers (identity or deterministic at inference), 1D pooling, LayerNorm.
aug = keras.Sequential([
    keras.Input((8, 8, 3)),
    keras.layers.Rescaling(1 / 255.0, offset=0.1),
    keras.layers.RandomFlip('horizontal', seed=1),
    keras.layers.RandomRotation(0.1, seed=2),
    keras.layers.RandomZoom(0.1, seed=3),
    keras.layers.RandomContrast(0.2, seed=4),
    keras.layers.CenterCrop(6, 6),
    keras.layers.ZeroPadding2D(1),
    keras.layers.Conv2D(4, 3, strides=2),
    keras.layers.UpSampling2D(2),
    keras.layers.Reshape((36, 4)),
    keras.layers.LayerNormalization(),
    keras.layers.GlobalAveragePooling1D(),
    keras.layers.Dense(2),
], name='kaug')
ax = (rng.random((2, 8, 8, 3), dtype=np.float32) * 255).astype(np.float32)
aug.save(f'{out}/kaug.keras')
record('kaug', aug, ax, ['kaug.keras'])

with open(f'{out}/expected.json', 'w') as f:
    json.dump(expect, f)
print('wrote', out, keras.__version__)
