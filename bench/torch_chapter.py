#!/usr/bin/env python3
"""PyTorch side of `npm run bench`'s chapter rows (bench/chapter.ts is convkit's), one JSON line:
  vgg_predict    VGG16 conv base (torch.nn, as Keras builds it), 150x150, batch 32: images/s
  vgg_finetune   the same base, blocks 1-4 frozen, Flatten-Dense 256-Dropout-Dense 1, batch 20: ms/step
  small_step     Keras ch. 8's convnet from scratch (Conv 32-64-128-128, Dense 512), batch 32: ms/step
  mnist_epoch    the MNIST convnet, one epoch of `--mnist-steps` steps of 64 in a plain loop: s and ms/step
  mnist_predict  the MNIST convnet on 10,000 images, batch 256: images/s
  rss            peak RSS (MiB) after the feature-extraction and fine-tuning batches, per batch
Models are built from torch.nn (torchvision's VGG16 is not Keras's: no bias-free variants, other top).
Usage: python3 bench/torch_chapter.py --threads 2 --what vgg_predict,mnist_epoch [--batches 3] [--size 150]
Install: PyTorch 2: /tmp/ref/bin/pip install --no-index --find-links /opt/pypi/files torch==2.13.0+cpu
         PyTorch 1.13 (Debian): apt-get install python3-torch"""
import argparse
import json
import resource
import statistics
import sys
import time

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=2)
p.add_argument('--what', default='vgg_predict,vgg_finetune,small_step,mnist_epoch,mnist_predict')
p.add_argument('--size', type=int, default=150)
p.add_argument('--batches', type=int, default=3)
p.add_argument('--mnist-steps', type=int, default=938)
p.add_argument('--rss-images', type=int, default=0)
a = p.parse_args()

try:
    import torch
    from torch import nn
except Exception as e:  # noqa: BLE001
    print(json.dumps({'error': f'import torch failed: {e}'}))
    sys.exit(0)

torch.set_num_threads(a.threads)
torch.manual_seed(0)
what = set(a.what.split(','))
out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'python': sys.executable}


def rss_mib():
    # ru_maxrss is the peak so far, in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vgg16_base():
    cfg = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    mods, cin = [], 3
    for f, n in cfg:
        for _ in range(n):
            mods += [nn.Conv2d(cin, f, 3, padding=1), nn.ReLU(inplace=True)]
            cin = f
        mods.append(nn.MaxPool2d(2))
    return nn.Sequential(*mods)


def timed(fn, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


if 'vgg_predict' in what or a.rss_images > 0:
    base = vgg16_base().eval()
    x = torch.rand(32, 3, a.size, a.size) * 255
    with torch.no_grad():
        base(x)
        if 'vgg_predict' in what:
            s = timed(lambda: base(x), a.batches)
            out['vgg_predict_ips'] = 32 / s
        if a.rss_images > 0:
            rss = []
            for _ in range(max(1, a.rss_images // 32)):
                base(x)
                rss.append(rss_mib())
            out['vgg_predict_rss_mib'] = rss

if 'vgg_finetune' in what:
    base = vgg16_base()
    for i, m in enumerate(base):
        for prm in m.parameters():
            prm.requires_grad = i >= 24  # block5: the last 3 convs (modules 24..30)
    side = a.size // 32
    model = nn.Sequential(base, nn.Flatten(), nn.Linear(512 * side * side, 256), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(256, 1), nn.Sigmoid())
    opt = torch.optim.RMSprop([q for q in model.parameters() if q.requires_grad], lr=1e-5, alpha=0.9, eps=1e-7)
    x = torch.rand(20, 3, a.size, a.size) * 255
    y = (torch.arange(20) % 2).float().unsqueeze(1)
    loss_fn = nn.BCELoss()

    def ft_step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    ft_step()
    rss = []
    times = []
    for _ in range(a.batches):
        t0 = time.perf_counter()
        ft_step()
        times.append(time.perf_counter() - t0)
        rss.append(rss_mib())
    out['vgg_finetune_ms'] = 1000 * statistics.median(times)
    out['vgg_finetune_rss_mib'] = rss

if 'small_step' in what:
    mods, cin, side = [], 3, 150
    for f in (32, 64, 128, 128):
        mods += [nn.Conv2d(cin, f, 3), nn.ReLU(), nn.MaxPool2d(2)]
        cin, side = f, (side - 2) // 2
    model = nn.Sequential(*mods, nn.Flatten(), nn.Dropout(0.5), nn.Linear(128 * side * side, 512), nn.ReLU(),
                          nn.Linear(512, 1), nn.Sigmoid())
    opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    x = torch.rand(32, 3, 150, 150)
    y = (torch.arange(32) % 2).float().unsqueeze(1)
    loss_fn = nn.BCELoss()

    def sm_step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    sm_step()
    out['small_step_ms'] = 1000 * timed(sm_step, a.batches)


def mnist_model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10),
    )


if 'mnist_epoch' in what:
    model = mnist_model()
    opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    n = 64 * a.mnist_steps
    x = torch.rand(n, 1, 28, 28)
    y = torch.randint(0, 10, (n,))

    def epoch(steps):
        perm = torch.randperm(n)  # shuffled like fit's default
        for i in range(steps):
            idx = perm[i * 64:(i + 1) * 64]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            loss.item()  # a progress bar reads the loss every step
    epoch(20)
    t0 = time.perf_counter()
    epoch(a.mnist_steps)
    s = time.perf_counter() - t0
    out['mnist_epoch_s'] = s
    out['mnist_step_ms'] = 1000 * s / a.mnist_steps

if 'mnist_predict' in what:
    model = mnist_model().eval()
    xp = torch.rand(10000, 1, 28, 28)
    with torch.no_grad():
        model(xp[:256])
        best = float('inf')
        for _ in range(2):
            t0 = time.perf_counter()
            for s in range(0, 10000, 256):
                torch.softmax(model(xp[s:s + 256]), dim=1)
            best = min(best, time.perf_counter() - t0)
    out['mnist_predict_ips'] = 10000 / best

print(json.dumps(out))
