#!/usr/bin/python3
"""PyTorch peer of `npm run bench`: the same epoch as our engine, written as a researcher would.

    /usr/bin/python3 bench/peer_torch.py HIDDEN EPOCHS WARMUP THREADS [--mode epoch|theorem6] [--default-malloc]

Prints one JSON line. Epoch mode: {impl, threads, hidden, medianMs, minMs, gflops, torch, blas, ...}.
Theorem-6 mode: the float64 core of the check of docs/science.md section 6 (K x K Gram, cosine top
pairs, one Cholesky, triangular solves), EPOCHS repetitions after WARMUP.

The workload is docs/science.md sections 1-4 at M = 71, n_train = 2016, test 3025: sigma = x^2,
class-centred MSE, torch.optim.Adam with coupled L2 weight decay 2e-4. Fair to the peer: the first
layer is a gather of the transposed weights (w1[a] + w1[M + b], never a one-hot matmul), and
OpenBLAS must be the BLAS behind torch (Debian's torch links the generic libblas.so.3; the
`blas` field says which library is actually mapped into this process).

Also fair: glibc's malloc often hands a freed 16-25 MB activation tensor back to the kernel and
maps it again the next epoch; on this VM the 2 000-20 000 page faults that follow add 20-40 ms to
about half the epochs. The script re-executes itself with GLIBC_TUNABLES raising malloc's mmap and
trim thresholds, so memory is reused as in a long training run; `--default-malloc` keeps glibc's
defaults. `minorFaultsPerEpoch` (median over the timed epochs) shows which regime a run was in.
"""
import argparse
import ctypes
import json
import os
import resource
import statistics
import sys
import time

import torch

MODULUS = 71
TRAIN_SIZE = 2016
LEARNING_RATE = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8
WEIGHT_DECAY = 2e-4
# Keep allocations up to 32 MiB (the glibc maximum) on the heap and never trim it: see the docstring.
MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296'


def mapped_blas():
    """Which BLAS library this process has mapped (read from /proc/self/maps), and its settings."""
    paths = set()
    with open('/proc/self/maps') as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and ('blas' in fields[5].lower() or 'lapack' in fields[5].lower()):
                paths.add(fields[5])
    openblas = sorted(path for path in paths if 'libopenblas' in os.path.basename(path))
    info = {'openblas': bool(openblas), 'libraries': sorted(paths)}
    if openblas:
        library = ctypes.CDLL(openblas[0])  # already loaded: this only returns its handle
        library.openblas_get_corename.restype = ctypes.c_char_p
        library.openblas_get_config.restype = ctypes.c_char_p
        info.update(library=openblas[0], config=library.openblas_get_config().decode(),
                    core=library.openblas_get_corename().decode(), threads=library.openblas_get_num_threads())
    else:
        info['library'] = next(iter(sorted(paths)), 'unknown')
    return info


def set_threads(threads):
    """torch.set_num_threads sets torch's own pool only: Debian's torch (BLAS_INFO=generic) does not
    forward it to OpenBLAS, whose pthread pool defaults to every core. Set both."""
    torch.set_num_threads(threads)
    with open('/proc/self/maps') as maps:
        paths = {line.split()[5] for line in maps if 'libopenblas' in line and len(line.split()) >= 6}
    for path in paths:
        ctypes.CDLL(path).openblas_set_num_threads(threads)


def make_data(generator):
    """Seeded split of all M^2 pairs (a, b) -> (a + b) mod M: first TRAIN_SIZE train, rest test."""
    order = torch.randperm(MODULUS * MODULUS, generator=generator)
    a, b = order // MODULUS, order % MODULUS
    y = (a + b) % MODULUS
    train = (a[:TRAIN_SIZE], b[:TRAIN_SIZE] + MODULUS, y[:TRAIN_SIZE])
    test = (a[TRAIN_SIZE:], b[TRAIN_SIZE:] + MODULUS, y[TRAIN_SIZE:])
    return train, test


def init_weights(hidden, generator):
    """nn.Linear default init; the first layer stored transposed (2M x K) so that its input is a gather."""
    inputs = 2 * MODULUS
    w1 = (torch.rand(hidden, inputs, generator=generator) * 2 - 1) / inputs ** 0.5
    w2 = (torch.rand(MODULUS, hidden, generator=generator) * 2 - 1) / hidden ** 0.5
    return w1.t().contiguous(), w2


def centred_target(y):
    """e_y - 1/M (docs/science.md section 1)."""
    return torch.nn.functional.one_hot(y, MODULUS).float() - 1.0 / MODULUS


def centred_mse(output, target):
    """Class-centred MSE of docs/science.md section 3: subtract the per-sample mean over classes, then the
    squared error summed over classes, averaged over samples (no 1/2)."""
    centred = output - output.mean(dim=1, keepdim=True)
    return ((centred - target) ** 2).sum(dim=1).mean()


def epoch_flops(hidden, test_size):
    """Nominal FLOPs of one epoch: 2 (3 n_train + n_test) K M (docs/performance.md)."""
    return 2 * (3 * TRAIN_SIZE + test_size) * hidden * MODULUS


def run_epochs(hidden, epochs, warmup):
    generator = torch.Generator().manual_seed(0)
    (train_a, train_b, train_y), (test_a, test_b, test_y) = make_data(generator)
    train_target, test_target = centred_target(train_y), centred_target(test_y)
    w1_init, w2_init = init_weights(hidden, generator)
    w1 = torch.nn.Parameter(w1_init)  # (2M, K): row j is input j's weights to every hidden unit
    w2 = torch.nn.Parameter(w2_init)  # (M, K), nn.Linear layout
    optimizer = torch.optim.Adam([w1, w2], lr=LEARNING_RATE, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)

    def forward(a, b):
        hidden_pre = w1[a] + w1[b]  # W x for the concatenated one-hot x: a gather, never a matmul
        return (hidden_pre * hidden_pre) @ w2.t()

    times, faults, last = [], [], None
    for epoch in range(warmup + epochs):
        faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.perf_counter()
        w1_before, w2_before = w1.detach().clone(), w2.detach().clone()
        optimizer.zero_grad(set_to_none=True)
        train_output = forward(train_a, train_b)
        loss = centred_mse(train_output, train_target)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            # The diagnostics need the update of both layers, as our engine materialises them.
            w1_update, w2_update = w1 - w1_before, w2 - w2_before
            train_accuracy = (train_output.argmax(dim=1) == train_y).float().mean()
            test_output = forward(test_a, test_b)
            test_loss = centred_mse(test_output, test_target)
            test_accuracy = (test_output.argmax(dim=1) == test_y).float().mean()
        scalars = (loss.item(), train_accuracy.item(), test_loss.item(), test_accuracy.item())
        elapsed = (time.perf_counter() - start) * 1e3
        if epoch >= warmup:
            times.append(elapsed)
            faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before)
        last = scalars + (float(w1_update.abs().max()), float(w2_update.abs().max()))
    median = statistics.median(times)
    return {
        'impl': 'pytorch',
        'medianMs': round(median, 3),
        'minMs': round(min(times), 3),
        'gflops': round(epoch_flops(hidden, MODULUS * MODULUS - TRAIN_SIZE) / median / 1e6, 2),
        'epochs': len(times),
        'warmup': warmup,
        'minorFaultsPerEpoch': statistics.median(faults),
        'lastEpoch': dict(zip(['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'maxAbsDeltaW', 'maxAbsDeltaV'], last)),
    }


def run_theorem6(hidden, repetitions, warmup, pairs=200):
    """Float64 core of the Theorem-6 check (docs/science.md section 6, arXiv 2509.21519 / 2605.08119) on the
    features of the initial model, in the form our check uses at the defaults (`features`): F =
    sigma(X W^T) centred over samples, G = F~^T F~ (K x K, float64) giving the cosines and the top
    `pairs` |cos| pairs, one Cholesky L L^T = G + eta I, then B_jl = (L^-1 e_j) . (L^-1 e_l) for the
    units of those pairs by one triangular solve. Times each part."""
    generator = torch.Generator().manual_seed(0)
    (train_a, train_b, _), _ = make_data(generator)
    w1, _ = init_weights(hidden, generator)
    eta = WEIGHT_DECAY
    parts, totals, result = {'features': [], 'gramCosinePairs': [], 'cholesky': [], 'solves': []}, [], None
    identity = torch.eye(hidden, dtype=torch.float64)
    for repetition in range(warmup + repetitions):
        clock = [time.perf_counter()]
        pre = w1[train_a] + w1[train_b]
        features = (pre * pre).double()
        centred = features - features.mean(dim=0, keepdim=True)  # n x K, centred over samples
        clock.append(time.perf_counter())
        gram = centred.t() @ centred  # K x K
        norms = gram.diagonal().sqrt()
        cosine = gram / torch.outer(norms, norms)
        top = torch.topk(torch.triu(cosine.abs(), diagonal=1).flatten(), pairs).indices
        rows, cols = top // hidden, top % hidden
        clock.append(time.perf_counter())
        factor = torch.linalg.cholesky(gram + eta * identity)
        clock.append(time.perf_counter())
        units, position = torch.unique(torch.cat([rows, cols]), return_inverse=True)
        solved = torch.linalg.solve_triangular(factor, identity[:, units], upper=False)  # L^-1 e_j
        coupling = solved.t() @ solved  # B restricted to the involved units
        pair_b = coupling[position[:pairs], position[pairs:]]
        fraction_negative = float((pair_b < 0).double().mean())
        clock.append(time.perf_counter())
        if repetition >= warmup:
            for name, begin, end in zip(parts, clock[:-1], clock[1:]):
                parts[name].append((end - begin) * 1e3)
            totals.append((clock[-1] - clock[0]) * 1e3)
        result = fraction_negative
    return {
        'impl': 'pytorch-float64-theorem6-core',
        'medianMs': round(statistics.median(totals), 2),
        'minMs': round(min(totals), 2),
        'partsMedianMs': {name: round(statistics.median(values), 2) for name, values in parts.items()},
        'repetitions': len(totals),
        'fractionNegative': result,
        'note': 'initial model, features form: K x K float64 Gram (cosines + top pairs), Cholesky of G + eta I, one triangular solve',
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('hidden', type=int)
    parser.add_argument('epochs', type=int, help='timed epochs (Theorem-6 mode: timed repetitions)')
    parser.add_argument('warmup', type=int, help='untimed epochs (or repetitions) first')
    parser.add_argument('threads', type=int)
    parser.add_argument('--mode', choices=['epoch', 'theorem6'], default='epoch')
    parser.add_argument('--default-malloc', action='store_true', help="keep glibc malloc's default thresholds")
    args = parser.parse_args()
    if not args.default_malloc and os.environ.get('GLIBC_TUNABLES') != MALLOC_TUNABLES:
        # Tunables are read at process start only: run again with them set.
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, 'GLIBC_TUNABLES': MALLOC_TUNABLES})
    set_threads(args.threads)
    torch.set_grad_enabled(args.mode == 'epoch')
    if args.mode == 'epoch':
        result = run_epochs(args.hidden, args.epochs, args.warmup)
    else:
        result = run_theorem6(args.hidden, args.epochs, args.warmup)
    # Read the BLAS after the run: the library is mapped lazily on the first BLAS call.
    result.update(threads=torch.get_num_threads(), hidden=args.hidden, torch=torch.__version__,
                  python=sys.version.split()[0], blas=mapped_blas(),
                  glibcTunables=os.environ.get('GLIBC_TUNABLES', 'default'))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
