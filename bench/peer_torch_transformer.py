#!/usr/bin/python3
"""PyTorch peer of `npm run bench` for the Transformer: the author's model and training step as written.

    /usr/bin/python3 bench/peer_torch_transformer.py STEPS WARMUP THREADS [--evaluations N] [--default-malloc]

Prints one JSON line: {impl, threads, medianMs, minMs, partsMedianMs, evaluation {medianMs, minMs, ...},
parameters, torch, blas, ...}.

The model is `ModOpTransformer` of the author's grok_sweep.py (docs/science.md section 12.1):
nn.Embedding(97, 128), a position embedding randn(2, 128)/sqrt(128), nn.TransformerEncoder of two
pre-norm nn.TransformerEncoderLayer(128, 4 heads, 256, dropout 0, GELU, batch_first), a final
LayerNorm of position 0 and nn.Linear(128, 97); 290 401 parameters. The data are (a + b) mod 97 over
all 9409 pairs, split 50/50 by random.Random(42).shuffle (section 2).

One step is the author's loop body (section 3): model.train(), a 512-pair minibatch drawn with
replacement from the train split by np.random.randint, forward, cross-entropy, zero_grad(set_to_none),
backward, clip_grad_norm_(1.0), torch.optim.AdamW(lr 1e-3, betas (0.9, 0.98), weight decay 1.0).step().
STEPS steps are timed after WARMUP untimed ones. Then (unless --evaluations 0) one evaluation, the author's eval_accuracy on both
splits (model.eval(), no_grad, chunks of 2048 pairs), is timed N times after one untimed; it also sums
the cross-entropy, since our engine's evaluate returns the loss as well as the accuracy.

Fair to the peer: the splits and labels are tensors built once, and a minibatch is an index into them
(the author builds each from a Python list of tuples); OpenBLAS must be the BLAS behind torch, and
its thread count is set as well as torch's (bench/peer_torch.py, whose helpers this script uses);
glibc malloc's thresholds are raised as there (`--default-malloc` keeps glibc's defaults). Under
model.eval() and no_grad, PyTorch 1.12+ runs each encoder layer as one fused native call
(torch._transformer_encoder_layer_fwd); `evaluation.fastPath` says whether that happened here.

Threads: at 2 threads torch's OpenMP workers spin while they wait for work (libgomp's default
policy); on a loaded machine a spinning worker holds a core that the other needs, and a step can
take ten times as long. OMP_WAIT_POLICY=PASSIVE (set by the caller; `ompWaitPolicy` in the JSON)
makes them sleep instead. bench/run.mjs runs PyTorch at 2 threads both ways.
"""
import argparse
import json
import math
import os
import random
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.dont_write_bytecode = True  # no bench/__pycache__ from the import below
from peer_torch import MALLOC_TUNABLES, mapped_blas, set_threads

P = 97
D_MODEL = 128
N_LAYERS = 2
N_HEADS = 4
D_FF = 256
TRAIN_FRACTION = 0.5
LR = 1e-3
BETAS = (0.9, 0.98)
WEIGHT_DECAY = 1.0
BATCH_SIZE = 512
GRAD_CLIP = 1.0
ACC_BS = 2048
SEED = 42
EXPECTED_PARAMETERS = 290_401


class ModOpTransformer(nn.Module):
    """The author's model (GI grok_sweep.py:137-155), unchanged."""

    def __init__(self):
        super().__init__()
        self.tok_emb = nn.Embedding(P, D_MODEL)
        self.pos_emb = nn.Parameter(torch.randn(2, D_MODEL) / math.sqrt(D_MODEL))
        enc = nn.TransformerEncoderLayer(
            d_model=D_MODEL, nhead=N_HEADS, dim_feedforward=D_FF, dropout=0.0,
            activation='gelu', batch_first=True, norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(enc, num_layers=N_LAYERS)
        self.ln = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, P)

    def forward(self, a, b):
        x = torch.stack([a, b], dim=1)
        h = self.tok_emb(x) + self.pos_emb.unsqueeze(0)
        h = self.encoder(h)
        return self.head(self.ln(h[:, 0, :]))


def make_splits():
    """All pairs in lexicographic order, shuffled by random.Random(SEED), first half train: as tensors (a, b, y)."""
    pairs = [(a, b) for a in range(P) for b in range(P)]
    random.Random(SEED).shuffle(pairs)
    n = int(TRAIN_FRACTION * len(pairs))

    def as_tensors(split):
        ab = torch.tensor(split, dtype=torch.int64)
        a, b = ab[:, 0].contiguous(), ab[:, 1].contiguous()
        return a, b, (a + b) % P

    return as_tensors(pairs[:n]), as_tensors(pairs[n:])


@torch.no_grad()
def evaluate(model, split):
    """The author's eval_accuracy on tensors, plus the summed cross-entropy: (mean loss, accuracy)."""
    model.eval()
    a, b, y = split
    loss_sum, correct = 0.0, 0
    for start in range(0, len(y), ACC_BS):
        logits = model(a[start:start + ACC_BS], b[start:start + ACC_BS])
        labels = y[start:start + ACC_BS]
        loss_sum += nn.functional.cross_entropy(logits, labels, reduction='sum').item()
        correct += (logits.argmax(dim=-1) == labels).sum().item()
    return loss_sum / len(y), correct / len(y)


def uses_fast_path(model, split):
    """Whether the eval forward runs the fused encoder layer (torch._transformer_encoder_layer_fwd)."""
    if not hasattr(torch, '_transformer_encoder_layer_fwd'):
        return False
    model.eval()
    with torch.no_grad(), torch.autograd.profiler.profile() as profile:
        model(split[0][:8], split[1][:8])
    return any('_transformer_encoder_layer_fwd' in event.name for event in profile.function_events)


def run(steps, warmup, evaluations):
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    random.seed(SEED)
    train, test = make_splits()
    model = ModOpTransformer()
    parameters = sum(parameter.numel() for parameter in model.parameters())
    if parameters != EXPECTED_PARAMETERS:
        raise SystemExit(f'the model has {parameters} parameters, expected {EXPECTED_PARAMETERS}')
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY, betas=BETAS)
    loss_fn = nn.CrossEntropyLoss()
    train_a, train_b, train_y = train

    parts = {'batch': [], 'forwardBackward': [], 'clip': [], 'optimizer': []}
    times, faults, loss = [], [], None
    for step in range(warmup + steps):
        faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        clock = [time.perf_counter()]
        model.train()
        index = torch.from_numpy(np.random.randint(0, len(train_y), size=BATCH_SIZE))
        a, b, y = train_a[index], train_b[index], train_y[index]
        clock.append(time.perf_counter())
        logits = model(a, b)
        loss = loss_fn(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        clock.append(time.perf_counter())
        torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        clock.append(time.perf_counter())
        opt.step()
        clock.append(time.perf_counter())
        if step >= warmup:
            times.append((clock[-1] - clock[0]) * 1e3)
            for name, begin, end in zip(parts, clock[:-1], clock[1:]):
                parts[name].append((end - begin) * 1e3)
            faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before)
    last_loss = float(loss)

    evaluation_times, evaluation_faults, metrics = [], [], None
    for repetition in range(1 + evaluations if evaluations > 0 else 0):
        faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.perf_counter()
        metrics = evaluate(model, train) + evaluate(model, test)
        if repetition >= 1:
            evaluation_times.append((time.perf_counter() - start) * 1e3)
            evaluation_faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before)
    fast_path = uses_fast_path(model, train)
    return {
        'impl': 'pytorch-transformer',
        'medianMs': round(statistics.median(times), 3),
        'minMs': round(min(times), 3),
        'partsMedianMs': {name: round(statistics.median(values), 3) for name, values in parts.items()},
        'steps': len(times),
        'warmup': warmup,
        'batch': BATCH_SIZE,
        'minorFaultsPerStep': statistics.median(faults),
        'lastTrainLoss': last_loss,
        'evaluation': {
            'medianMs': round(statistics.median(evaluation_times), 3) if evaluation_times else None,
            'minMs': round(min(evaluation_times), 3) if evaluation_times else None,
            'evaluations': len(evaluation_times),
            'pairs': len(train[2]) + len(test[2]),
            'chunk': ACC_BS,
            'fastPath': fast_path,
            'minorFaults': statistics.median(evaluation_faults) if evaluation_faults else None,
            'last': dict(zip(['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy'], metrics)) if metrics else None,
        },
        'parameters': parameters,
        'trainSize': len(train[2]),
        'testSize': len(test[2]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('steps', type=int, help='timed training steps')
    parser.add_argument('warmup', type=int, help='untimed training steps first')
    parser.add_argument('threads', type=int)
    parser.add_argument('--evaluations', type=int, default=5, help='timed evaluations of both splits, after one untimed')
    parser.add_argument('--default-malloc', action='store_true', help="keep glibc malloc's default thresholds")
    args = parser.parse_args()
    if args.steps < 1 or args.warmup < 0 or args.threads < 1 or args.evaluations < 0:
        parser.error('STEPS and THREADS must be at least 1, WARMUP and --evaluations at least 0')
    if not args.default_malloc and os.environ.get('GLIBC_TUNABLES') != MALLOC_TUNABLES:
        # Tunables are read at process start only: run again with them set.
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, 'GLIBC_TUNABLES': MALLOC_TUNABLES})
    set_threads(args.threads)
    result = run(args.steps, args.warmup, args.evaluations)
    # Read the BLAS after the run: the library is mapped lazily on the first BLAS call.
    result.update(threads=torch.get_num_threads(), torch=torch.__version__, python=sys.version.split()[0],
                  blas=mapped_blas(), glibcTunables=os.environ.get('GLIBC_TUNABLES', 'default'),
                  ompWaitPolicy=os.environ.get('OMP_WAIT_POLICY', 'default'))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
