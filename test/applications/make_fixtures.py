"""Writes the Keras reference data that test/applications compares convkit's models with.

Run from the repository root with a Python that has Keras 3 and JAX (no network is needed: no
weights are downloaded, get_file is intercepted to record what Keras would fetch):

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install keras jax jaxlib
    KERAS_BACKEND=jax taskset -c 0 /tmp/ref/bin/python test/applications/make_fixtures.py

Output (test/applications/fixtures/):
  <variant>.config.json   the model's config.json as Keras saves it in a .keras archive
  summaries.json          per variant: layer names, classes, output shapes, parameter counts
  preprocess.json         preprocess_input inputs and outputs in every mode and data format
  keras_facts.json        weight/class-index file names, URLs, hashes; Keras's error messages
"""
import json
import os
import warnings
import zipfile
import tempfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import keras
from keras.src.utils import file_utils
from keras.src.applications import imagenet_utils

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
os.makedirs(OUT, exist_ok=True)

VARIANTS = {
    "vgg16": (keras.applications.VGG16, dict()),
    "vgg16_notop_150": (keras.applications.VGG16, dict(include_top=False, input_shape=(150, 150, 3))),
    "vgg19": (keras.applications.VGG19, dict()),
    "vgg19_notop_avg": (keras.applications.VGG19, dict(include_top=False, pooling="avg")),
    "resnet50": (keras.applications.ResNet50, dict()),
    "resnet50_notop_max_96": (
        keras.applications.ResNet50, dict(include_top=False, input_shape=(96, 96, 3), pooling="max")),
    "mobilenet_v2": (keras.applications.MobileNetV2, dict()),
    "mobilenet_v2_035_notop_avg_96": (
        keras.applications.MobileNetV2, dict(alpha=0.35, include_top=False, input_shape=(96, 96, 3), pooling="avg")),
    "mobilenet_v2_14_notop_131x97": (
        keras.applications.MobileNetV2, dict(alpha=1.4, include_top=False, input_shape=(131, 97, 3))),
    "mobilenet_v2_075_classes10_128": (
        keras.applications.MobileNetV2, dict(alpha=0.75, classes=10, input_shape=(128, 128, 3))),
    "xception": (keras.applications.Xception, dict()),
    "xception_notop_max_71": (
        keras.applications.Xception, dict(include_top=False, input_shape=(71, 71, 3), pooling="max")),
}


def shape_list(s):
    return [None if d is None else int(d) for d in s]


def config_json(model):
    # The config.json member of the .keras archive, exactly as Keras writes it.
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "m.keras")
        model.save(p)
        with zipfile.ZipFile(p) as z:
            return json.loads(z.read("config.json"))


summaries = {}
for key, (fn, kwargs) in VARIANTS.items():
    keras.utils.clear_session()
    model = fn(weights=None, **kwargs)
    with open(os.path.join(OUT, f"{key}.config.json"), "w") as f:
        json.dump(config_json(model), f, separators=(",", ":"))
    summaries[key] = {
        "builder": fn.__name__,
        "kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
        "name": model.name,
        "layers": [
            [l.name, l.__class__.__name__, shape_list(l.output.shape), int(l.count_params())]
            for l in model.layers
        ],
        "total_params": int(model.count_params()),
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "non_trainable_params": int(sum(np.prod(w.shape) for w in model.non_trainable_weights)),
    }
    del model
with open(os.path.join(OUT, "summaries.json"), "w") as f:
    json.dump(summaries, f, indent=1)

# preprocess_input: a small batch of pixel values in [0, 255], every mode and data format.
rng = np.random.default_rng(7)
x4 = (rng.random((2, 3, 2, 3)) * 255).astype("float32")
x3 = (rng.random((2, 2, 3)) * 255).astype("float32")
cases = []
for mode in ("caffe", "tf", "torch"):
    for fmt in ("channels_last", "channels_first"):
        for x in (x4, x3):
            xin = x if fmt == "channels_last" else np.moveaxis(x, -1, -3).copy()
            y = imagenet_utils.preprocess_input(xin.copy(), data_format=fmt, mode=mode)
            cases.append({"mode": mode, "data_format": fmt, "shape": list(xin.shape),
                          "x": [float(v) for v in xin.ravel()], "y": [float(v) for v in np.asarray(y).ravel()],
                          "dtype": str(np.asarray(y).dtype)})
ints = np.array([[[0, 128, 255]]], dtype="uint8")
yi = imagenet_utils.preprocess_input(ints.copy(), mode="caffe")
cases.append({"mode": "caffe", "data_format": "channels_last", "shape": list(ints.shape), "input_dtype": "uint8",
              "x": [float(v) for v in ints.ravel()], "y": [float(v) for v in np.asarray(yi).ravel()],
              "dtype": str(np.asarray(yi).dtype)})
with open(os.path.join(OUT, "preprocess.json"), "w") as f:
    json.dump({"cases": cases}, f, indent=1)


# What Keras fetches: intercept get_file, record its arguments, stop before any download.
class Fetched(Exception):
    pass


recorded = []


def fake_get_file(fname=None, origin=None, **kw):
    recorded.append({"fname": fname, "origin": origin, "cache_subdir": kw.get("cache_subdir"),
                     "file_hash": kw.get("file_hash")})
    raise Fetched()


file_utils.get_file = fake_get_file
weights = {}
for name, fn in (("vgg16", keras.applications.VGG16), ("vgg19", keras.applications.VGG19),
                 ("resnet50", keras.applications.ResNet50)):
    for top in (True, False):
        keras.utils.clear_session()
        recorded.clear()
        try:
            fn(weights="imagenet", include_top=top)
        except Fetched:
            pass
        weights[f"{name}{'' if top else '_notop'}"] = recorded[0]
for top in (True, False):
    keras.utils.clear_session()
    recorded.clear()
    try:
        keras.applications.Xception(weights="imagenet", include_top=top)
    except Fetched:
        pass
    weights[f"xception{'' if top else '_notop'}"] = recorded[0]
# MobileNetV2: one file per alpha and input size; other sizes load the 224 weights after a warning.
mobilenet_v2 = []
for alpha, shape, top in ((1.0, None, True), (0.35, (96, 96, 3), False), (0.5, (128, 128, 3), True),
                          (0.75, (160, 160, 3), False), (1.3, (192, 192, 3), True), (1.4, (224, 224, 3), False),
                          (1.0, (150, 150, 3), False), (0.35, (96, 128, 3), False), (1.4, None, False)):
    keras.utils.clear_session()
    recorded.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            keras.applications.MobileNetV2(weights="imagenet", alpha=alpha, include_top=top,
                                           input_shape=shape)
        except Fetched:
            pass
    mobilenet_v2.append({"alpha": alpha, "input_shape": None if shape is None else list(shape), "include_top": top,
                         "file": recorded[0],
                         "warnings": [str(w.message) for w in caught if issubclass(w.category, UserWarning)
                                      and "input_shape" in str(w.message)]})
recorded.clear()
try:
    imagenet_utils.decode_predictions(np.zeros((1, 1000), dtype="float32"))
except Fetched:
    pass
class_index = recorded[0]


def message(thunk):
    try:
        thunk()
    except Exception as e:  # noqa: BLE001 - the message is what is recorded
        return {"type": type(e).__name__, "message": str(e)}
    return None


V16 = keras.applications.VGG16
errors = {
    "top_imagenet_150": message(lambda: V16(weights="imagenet", include_top=True, input_shape=(150, 150, 3))),
    "min_size_31": message(lambda: V16(weights=None, include_top=False, input_shape=(31, 31, 3))),
    "imagenet_one_channel": message(lambda: V16(weights="imagenet", include_top=False, input_shape=(150, 150, 1))),
    "unknown_weights": message(lambda: V16(weights="imagenet21k")),
    "imagenet_classes_10": message(lambda: V16(weights="imagenet", include_top=True, classes=10)),
    "top_dynamic_shape": message(lambda: V16(weights=None, include_top=True, input_shape=(None, None, 3))),
    "two_dims": message(lambda: V16(weights=None, include_top=False, input_shape=(150, 150))),
    "decode_bad_shape": message(lambda: imagenet_utils.decode_predictions(np.zeros((2, 10)))),
    "preprocess_bad_mode": message(lambda: imagenet_utils.preprocess_input(x4.copy(), mode="keras")),
    "preprocess_bad_format": message(lambda: imagenet_utils.preprocess_input(x4.copy(), data_format="nhwc")),
    "mobilenet_v2_unknown_weights": message(lambda: keras.applications.MobileNetV2(weights="imagenet21k")),
    "mobilenet_v2_classes_10": message(lambda: keras.applications.MobileNetV2(weights="imagenet", classes=10)),
    "mobilenet_v2_alpha_0.6": message(lambda: keras.applications.MobileNetV2(weights="imagenet", alpha=0.6)),
    "mobilenet_v2_top_imagenet_160": message(
        lambda: keras.applications.MobileNetV2(weights="imagenet", input_shape=(160, 150, 3))),
    "mobilenet_v2_min_size_31": message(
        lambda: keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(31, 31, 3))),
    "xception_unknown_weights": message(lambda: keras.applications.Xception(weights="imagenet21k")),
    "xception_min_size_70": message(
        lambda: keras.applications.Xception(weights=None, include_top=False, input_shape=(70, 70, 3))),
    "xception_top_imagenet_224": message(
        lambda: keras.applications.Xception(weights="imagenet", input_shape=(224, 224, 3))),
    "xception_classes_10": message(lambda: keras.applications.Xception(weights="imagenet", classes=10)),
}
with open(os.path.join(OUT, "keras_facts.json"), "w") as f:
    json.dump({"keras_version": keras.__version__, "weights": weights, "mobilenet_v2_weights": mobilenet_v2,
               "class_index": class_index, "errors": errors}, f, indent=1)
print("wrote", sorted(os.listdir(OUT)))
