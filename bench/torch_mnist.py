#!/usr/bin/env python3
"""PyTorch row of `npm run bench`: the Keras ch.5 MNIST convnet, batch 64, RMSprop(lr=0.001,
alpha=0.9, eps=1e-7), on random MNIST-size inputs; prints one JSON line.
Usage: python3 bench/torch_mnist.py --threads 2 --steps 50 --warmup 5 --predict 10000 --predict-batch 256
Needs Debian's python3-torch (`apt-get install python3-torch`)."""
import argparse
import json
import sys
import time

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=2)
p.add_argument('--steps', type=int, default=30)
p.add_argument('--rounds', type=int, default=3)
p.add_argument('--warmup', type=int, default=5)
p.add_argument('--batch', type=int, default=64)
p.add_argument('--predict', type=int, default=10000)
p.add_argument('--predict-batch', type=int, default=256)
a = p.parse_args()

try:
    import torch
    from torch import nn
except Exception as e:  # noqa: BLE001
    print(json.dumps({'error': f'import torch failed: {e}; install it with `apt-get install python3-torch`'}))
    sys.exit(0)

torch.set_num_threads(a.threads)
torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 64, 3), nn.ReLU(),
    nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10),
)
opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
loss_fn = nn.CrossEntropyLoss()  # softmax + categorical cross-entropy
n = a.batch * (a.steps + a.warmup)  # rounds reuse the same batches
x = torch.rand(n, 1, 28, 28)
y = torch.randint(0, 10, (n,))


def step(i):
    xb = x[i * a.batch:(i + 1) * a.batch]
    yb = y[i * a.batch:(i + 1) * a.batch]
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(xb), yb)
    loss.backward()
    opt.step()
    return loss


for i in range(a.warmup):
    step(i)
rounds = []
for r in range(max(1, a.rounds)):
    t0 = time.perf_counter()
    for i in range(a.steps):
        step(a.warmup + i)
    rounds.append((time.perf_counter() - t0) * 1000 / max(1, a.steps))

# step_ms: the best round (least disturbed by other work), as the convkit row reports it.
out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'step_ms': min(rounds),
       'step_mean_ms': sum(rounds) / len(rounds)}
if a.predict > 0:
    xp = torch.rand(a.predict, 1, 28, 28)
    model.eval()
    with torch.no_grad():
        model(xp[:a.predict_batch])
        best = float('inf')
        for r in range(2):
            t0 = time.perf_counter()
            for s in range(0, a.predict, a.predict_batch):
                torch.softmax(model(xp[s:s + a.predict_batch]), dim=1)
            best = min(best, time.perf_counter() - t0)
        out['predict_ips'] = a.predict / best
print(json.dumps(out))
