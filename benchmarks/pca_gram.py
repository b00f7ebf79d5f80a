"""Time `transfer_mnist.probe.project_2d` (the eigenvectors of the rows' 1,000 x 1,000 Gram matrix) against what it
replaced, numpy's economy SVD of the centred rows, on features the size of the lab's (1,000 images x 18,432 features,
the map 10_lab draws), side by side in one run, medians of three. Both give the same coordinates up to each axis's
sign (checked here).

    .venv/bin/python benchmarks/pca_gram.py    # prints the result and writes it to benchmarks/pca_gram.json
"""
import json
import statistics
import time
from pathlib import Path

import numpy as np

from transfer_mnist.probe import project_2d


def by_svd(f):
    u, s, _ = np.linalg.svd(f, full_matrices=False)
    return u[:, :2] * s[:2]


def main(n=1000, d=18432, repeats=3):
    rng = np.random.default_rng(0)
    f = np.maximum(rng.normal(size=(n, d)), 0)  # ReLU features: non-negative, about half zero
    f = f - f.mean(axis=0)
    times = {}
    for _ in range(repeats):  # taking turns, so that a slow moment of the machine hits both
        for name, fn in (('svd', by_svd), ('gram', project_2d)):
            start = time.perf_counter(); out = fn(f); times.setdefault(name, []).append(time.perf_counter() - start)
    a, b = by_svd(f), project_2d(f)
    same = bool(np.allclose(np.abs(a), np.abs(b), rtol=1e-6, atol=1e-6))
    from transfer_mnist.core import describe_device  # after the timings: it loads TensorFlow
    result = dict(processor=describe_device()['name'], shape=[n, d], repeats=repeats, svd_seconds_median=statistics.median(times['svd']),
                  gram_seconds_median=statistics.median(times['gram']), same_up_to_sign=same)
    result['svd_over_gram'] = result['svd_seconds_median'] / result['gram_seconds_median']
    text = json.dumps(result, indent=1)
    print(text)
    (Path(__file__).parent/'pca_gram.json').write_text(text + '\n')
    return result


if __name__ == '__main__':
    main()
