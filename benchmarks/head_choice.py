"""Measure what `run_experiment(head='auto')` chooses between: the frozen transfer keeping the base's
trained dense layers ('keep') or starting new ones on the frozen convolutions ('new').

For each network ('seed' at 1 epoch, 'pooled' at 5 epochs, the lesson's settings) and seed 0, 1, 2:
train the base on 0-4, then both frozen transfers on 5-9 from that same base, as run_experiment does.
On full MNIST (the copy shipped with the package, or the folder $TRANSFER_MNIST_DATA names). Prints a Markdown table; the committed result is in
benchmarks/head_choice.md (rerun: .venv/bin/python benchmarks/head_choice.py > benchmarks/head_choice.md).
"""
import numpy as np

from transfer_mnist.cnn import ARCHITECTURES, build_cnn, copy_cnn
from transfer_mnist.data import load_mnist, transfer_split
from transfer_mnist.experiment import use_cache
from transfer_mnist.freeze import freeze
from transfer_mnist.fast import train_fast as train_cnn


def main():
    task_a, task_b = transfer_split(load_mnist())
    print('| network | epochs | head | accuracy on 5-9 by seed | mean |\n|---|---:|---|---|---:|')
    for arch, epochs in (('seed', 1), ('pooled', 5)):
        acc = {'keep': [], 'new': []}
        for seed in (0, 1, 2):
            base = build_cnn(10, **ARCHITECTURES[arch], seed=seed)
            train_cnn(base, *task_a, epochs=epochs, seed=seed)
            for head in acc:
                model = freeze(copy_cnn(base, reset=['classifier'] if head == 'new' else []), 'features')
                cache = use_cache('auto', model, len(task_b[0][0]), epochs)
                acc[head].append(train_cnn(model, *task_b, epochs=epochs, seed=seed, cache_features=cache).test_accuracy)
        for head, a in acc.items():
            print(f"| {arch} | {epochs} | {head} | {', '.join(f'{x:.2%}' for x in a)} | {np.mean(a):.2%} |", flush=True)


if __name__ == '__main__':
    main()
