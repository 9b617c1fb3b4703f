"""Both directions of Keras interoperability for the application models, with real Keras 3:
1. loads the .keras files make_convkit_models.ts wrote and compares Keras's predictions with
   convkit's (the same input);
2. builds the same models with keras.applications (random weights, non-trivial batch-norm
   statistics) and writes them as .keras, .weights.h5 and legacy .h5 with an input and Keras's
   predictions, under DIR/keras/, for check_keras_files.ts.
Prints one line per check; exits 1 if any failed. Usage: KERAS_BACKEND=jax python check_in_keras.py DIR"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np  # noqa: E402
import keras  # noqa: E402

d = sys.argv[1]
failures = []
MODELS = {
    "vgg16": (keras.applications.VGG16, dict(include_top=False, input_shape=(32, 32, 3), pooling="avg")),
    "resnet50": (keras.applications.ResNet50, dict(input_shape=(64, 64, 3), classes=10)),
    "mobilenet_v2": (keras.applications.MobileNetV2, dict(alpha=0.35, input_shape=(96, 96, 3))),
    "xception": (keras.applications.Xception, dict(include_top=False, input_shape=(71, 71, 3), pooling="max")),
}


def close(a, b):
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= 1e-4 * (1 + np.abs(b))))


for key in MODELS:
    m = keras.models.load_model(f"{d}/{key}.keras")
    x = np.load(f"{d}/{key}_x.npy")
    p = np.asarray(m.predict(x, verbose=0))
    ok = close(p, np.load(f"{d}/{key}_y.npy"))
    print("convkit -> Keras", key, m.name, len(m.layers), "layers", m.count_params(), "params", "OK" if ok else "FAIL")
    if not ok:
        failures.append(key)

out = os.path.join(d, "keras")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)
for key, (fn, kwargs) in MODELS.items():
    keras.utils.clear_session()
    m = fn(weights=None, **kwargs)
    for layer in m.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            g, b, mean, var = layer.get_weights()
            layer.set_weights([g, b, rng.uniform(-0.1, 0.1, mean.shape), rng.uniform(0.5, 1.5, var.shape)])
    x = np.load(f"{d}/{key}_x.npy")
    m.save(f"{out}/{key}.keras")
    m.save_weights(f"{out}/{key}.weights.h5")
    m.save(f"{out}/{key}.h5")
    np.save(f"{out}/{key}_y.npy", np.asarray(m.predict(x, verbose=0)).astype("float32"))
    print("wrote Keras files for", key)

sys.exit(1 if failures else 0)
