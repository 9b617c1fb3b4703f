"""Writes a tiny Keras 3 model built from the layers MobileNetV2 and Xception add to convkit
(DepthwiseConv2D, SeparableConv2D, ReLU(6), BatchNormalization with Keras's epsilon/momentum,
asymmetric ZeroPadding2D, Add), saved by Keras in every format convkit reads, with an input batch
and Keras's predictions for it. test/applications/keras_separable.test.ts checks that convkit
loads each file and reproduces the predictions.

    KERAS_BACKEND=jax /tmp/ref/bin/python test/applications/make_separable_fixture.py

Output (test/applications/fixtures/keras_separable/): model.keras, model.weights.h5, model.h5
(legacy HDF5), x.npy (input), y.npy (Keras's predictions), info.json (versions, layer table).
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import keras
from keras import layers

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "keras_separable")
os.makedirs(OUT, exist_ok=True)
keras.utils.set_random_seed(3)

inp = keras.Input((11, 10, 3), name="image")
x = layers.ZeroPadding2D(((0, 1), (1, 0)), name="pad")(inp)
x = layers.DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="valid", name="dw_s2")(x)
x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="dw_s2_bn")(x)
x = layers.ReLU(6.0, name="dw_s2_relu")(x)
x = layers.SeparableConv2D(8, 3, padding="same", use_bias=False, name="sep")(x)
x = layers.BatchNormalization(name="sep_bn")(x)
y = layers.ReLU(6.0, name="sep_relu6")(x)
y = layers.DepthwiseConv2D(3, dilation_rate=2, padding="same", activation="relu", use_bias=False, name="dw_dil")(y)
y = layers.SeparableConv2D(8, (3, 2), depth_multiplier=2, padding="same", activation="relu", name="sep_relu")(y)
x = layers.Add(name="add")([x, y])
x = layers.ReLU(max_value=4.0, negative_slope=0.1, threshold=0.5, name="leaky_clip")(x)
x = layers.GlobalAveragePooling2D(name="gap")(x)
x = layers.Dropout(0.2, name="drop")(x)
out = layers.Dense(4, activation="softmax", name="predictions")(x)
model = keras.Model(inp, out, name="tiny_separable")

# Non-trivial batch-norm statistics, so inference-mode normalisation is exercised.
rng = np.random.default_rng(11)
for layer in model.layers:
    if isinstance(layer, layers.BatchNormalization):
        n = layer.gamma.shape[0]
        layer.set_weights([rng.uniform(0.5, 1.5, n), rng.uniform(-0.5, 0.5, n), rng.uniform(-0.3, 0.3, n),
                           rng.uniform(0.5, 2.0, n)])
    elif layer.weights:
        scale = 2.0 if isinstance(layer, layers.Dense) else 0.6
        layer.set_weights([rng.uniform(-scale, scale, w.shape).astype("float32") for w in layer.get_weights()])

xin = rng.uniform(-1, 1, (3, 11, 10, 3)).astype("float32")
ypred = np.asarray(model.predict(xin, verbose=0)).astype("float32")
model.save(os.path.join(OUT, "model.keras"))
model.save_weights(os.path.join(OUT, "model.weights.h5"))
model.save(os.path.join(OUT, "model.h5"))
np.save(os.path.join(OUT, "x.npy"), xin)
np.save(os.path.join(OUT, "y.npy"), ypred)
info = {
    "keras_version": keras.__version__, "backend": keras.backend.backend(),
    "layers": [[l.name, l.__class__.__name__, [None if d is None else int(d) for d in l.output.shape],
                int(l.count_params())] for l in model.layers],
    "weights": [[w.path, list(w.shape)] for w in model.weights],
}
with open(os.path.join(OUT, "info.json"), "w") as f:
    json.dump(info, f, indent=1)
print("wrote", sorted(os.listdir(OUT)), ypred)
