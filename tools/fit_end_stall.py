"""Measure the stall at the end of `fit` that tf.data's autotuning caused, with it off (as the package sets it) and on.

    TRANSFER_MNIST_DATA=path/to/mnist .venv/bin/python tools/fit_end_stall.py [TRAININGS]

Trains the seed's network from scratch on digits 5-9 for one epoch, TRAININGS times (default 6) in each setting,
and prints, for each training, its training seconds and how long `fit` took to return after its last callback.
The training notebook (nbs/03_train.ipynb) quotes a run of it.
"""
import sys
import time

from transfer_mnist import train
from transfer_mnist.cnn import build_cnn
from transfer_mnist.data import load_mnist, transfer_split

keras = train.keras


class _End(keras.callbacks.Callback):
    def on_train_end(self, logs=None): self.at = time.perf_counter()


def _with_autotune(dataset_method):
    "ShuffledBatches.dataset with tf.data's autotuning turned back on."
    import tensorflow as tf
    def dataset(self, epochs):
        options = tf.data.Options()
        options.autotune.enabled = True
        return dataset_method(self, epochs).with_options(options)
    return dataset


def main(trainings=6):
    _, task_b = transfer_split(load_mnist())
    fit, package_dataset = keras.Model.fit, train.ShuffledBatches.dataset
    returns = []
    def timed_fit(self, *args, **kwargs):
        end = _End()
        kwargs['callbacks'] = list(kwargs.get('callbacks') or []) + [end]
        history = fit(self, *args, **kwargs)
        returns.append(time.perf_counter() - end.at)
        return history
    keras.Model.fit = timed_fit
    for label, dataset in (('autotuning off (the package)', package_dataset),
                           ('autotuning on', _with_autotune(package_dataset))):
        train.ShuffledBatches.dataset = dataset
        for seed in range(trainings):
            result = train.train_cnn(build_cnn(seed=seed), *task_b, epochs=1, seed=seed)
            print(f'{label}: seed {seed}: {result.train_seconds:.1f} s training, fit returned '
                  f'{returns[-1]:.2f} s after its last callback', flush=True)
    train.ShuffledBatches.dataset, keras.Model.fit = package_dataset, fit


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)
