"""Time the seed network's end-to-end training step with and without XLA (`jit_compile=True`), on this machine.

    .venv/bin/python benchmarks/xla_step.py [PRECISION ...]

For each PRECISION (default float32 and bfloat16), builds the seed's network twice per round, once compiled by
Keras without XLA (as `train_cnn` does) and once with `jit_compile=True`, and trains each for four epochs of 60
batches of 128 random images (speed only: the numbers are not meant to learn anything), with `FusedAdam`. The
first epoch (tracing, compiling) is left out. Two rounds, the settings in turn, so that a drift of the machine's
speed falls on both alike; prints the median milliseconds a step of each and their ratio. benchmarks/paths.md quotes a run of it.
"""
import sys
import time

import numpy as np

from transfer_mnist.cnn import build_cnn
from transfer_mnist.fast import FusedAdam
import keras  # the one the library imported, without its start-up notices

STEPS, EPOCHS, ROUNDS = 60, 4, 2


class _EpochTimes(keras.callbacks.Callback):
    def __init__(self): super().__init__(); self.times = []
    def on_epoch_begin(self, epoch, logs=None): self.start = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None): self.times.append(time.perf_counter() - self.start)


def step_ms(precision: str) -> dict:
    "Median milliseconds a training step, without and with XLA, in `precision`."
    import tensorflow as tf
    rng = np.random.default_rng(0)
    x = rng.random((128 * STEPS, 28, 28, 1), np.float32)
    y = rng.integers(0, 10, len(x)).astype(np.int32)
    batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(128).cache().repeat()
    times = {False: [], True: []}
    for _ in range(ROUNDS):
        for jit in (False, True):
            model = build_cnn(seed=0, precision=precision)
            model.compile(optimizer=FusedAdam(), loss='sparse_categorical_crossentropy', jit_compile=jit)
            clock = _EpochTimes()
            model.fit(batches, epochs=EPOCHS, steps_per_epoch=STEPS, shuffle=False, verbose=0, callbacks=[clock])
            times[jit] += clock.times[1:]
    return {jit: 1000 * float(np.median(t)) / STEPS for jit, t in times.items()}


if __name__ == '__main__':
    for precision in sys.argv[1:] or ['float32', 'bfloat16']:
        ms = step_ms(precision)
        print(f'{precision}: {ms[False]:.1f} ms a step without XLA, {ms[True]:.1f} ms with it '
              f'({ms[True] / ms[False]:.2f} times as long)', flush=True)
