"""Measure the stall at the end of `fit` that tf.data's autotuning caused, and the speed of the training steps, with
autotuning off (as the package sets it), off with the batches' map on two threads, and on.

    .venv/bin/python benchmarks/fit_end_stall.py [TRAININGS] [PRECISION]   # full MNIST: the copy shipped, or $TRANSFER_MNIST_DATA

Trains the seed's network from scratch on digits 5-9 for one epoch with the fast engine (`train_fast`, whose input
pipeline `ShuffledBatches.dataset` is), TRAININGS times (default 6) in each setting,
taking the settings in turn for each seed so that a drift of the machine's speed falls on all three alike, in
PRECISION (default float32). For each training it prints the seconds of its steps (tracing left out) and how long
`fit` took to return after its last callback, then each setting's medians. The fast engine's notebook
(nbs/03a_fast.ipynb) says why the package turns autotuning off.
"""
import sys
import time

import numpy as np

from transfer_mnist import fast
from transfer_mnist.cnn import build_cnn
from transfer_mnist.data import load_mnist, transfer_split

keras = fast.keras


class _End(keras.callbacks.Callback):
    def on_train_end(self, logs=None): self.at = time.perf_counter()


def _variant(dataset_method, autotune:bool, map_threads:int=None):
    "ShuffledBatches.dataset with tf.data's autotuning on or off, and its batches gathered on `map_threads` threads."
    import tensorflow as tf
    def dataset(self, epochs):
        options = tf.data.Options()
        options.autotune.enabled = autotune
        return dataset_method(self, epochs, map_threads=map_threads).with_options(options)
    return dataset


def main(trainings=6, precision='float32'):
    _, task_b = transfer_split(load_mnist())
    fit, package_dataset = keras.Model.fit, fast.ShuffledBatches.dataset
    returns = []
    def timed_fit(self, *args, **kwargs):
        end = _End()
        kwargs['callbacks'] = list(kwargs.get('callbacks') or []) + [end]
        history = fit(self, *args, **kwargs)
        returns.append(time.perf_counter() - end.at)
        return history
    keras.Model.fit = timed_fit
    settings = {'autotuning off (the package)': package_dataset,
                'autotuning off, map on 2 threads': _variant(package_dataset, False, 2),
                'autotuning on': _variant(package_dataset, True)}
    got = {label: [] for label in settings}
    try:
        for seed in range(trainings):
            for label, dataset in settings.items():
                fast.ShuffledBatches.dataset = dataset
                result = fast.train_fast(build_cnn(seed=seed, precision=precision), *task_b, epochs=1, seed=seed)
                steps = result.train_seconds - result.trace_seconds
                got[label].append((steps, returns[-1]))
                print(f'{label}: seed {seed}: {steps:.2f} s of training steps, fit returned '
                      f'{returns[-1]:.2f} s after its last callback', flush=True)
    finally:
        fast.ShuffledBatches.dataset, keras.Model.fit = package_dataset, fit
    for label, rows in got.items():
        steps, late = np.array(rows).T
        print(f'{label}: median {np.median(steps):.2f} s of steps; fit returned late (over 0.5 s) '
              f'{int((late > 0.5).sum())} of {len(late)} times, up to {late.max():.2f} s')


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6, sys.argv[2] if len(sys.argv) > 2 else 'float32')
