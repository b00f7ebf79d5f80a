"""When do cached features pay? The pooled network's frozen transfer on full MNIST's 5-9, trained through its frozen
layers and on cached features, side by side, for a few numbers of epochs, at each precision.

    .venv/bin/python benchmarks/cache_threshold.py [--epochs 2,3,5] [--rounds 3] [--output FILE]

Each training is the frozen transfer as `run_experiment` trains it with `arch='pooled'`: the base's convolutions
frozen, a new head (`head='auto'` for the pooled network), the fast engine with one `CompiledModels` reuse for the
whole run. The base is trained once per precision (one epoch on 0-4). The rounds take turns: every setting once, then
again, so that a slow minute of the machine falls on all of them. Each training's wall time is the call's, from the copy
of the base to the trained result: what `cache='auto'` should minimise. `transfer_mnist.experiment.use_cache`'s
threshold (CACHE_MIN_IMAGE_EPOCHS) is set from the medians this writes (benchmarks/cache_threshold.json).
"""
import argparse
import json
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from transfer_mnist.cnn import ARCHITECTURES, build_cnn, copy_cnn
from transfer_mnist.core import describe_device, resolve_precision
from transfer_mnist.data import is_mnist, load_mnist, transfer_split
from transfer_mnist.fast import CompiledModels, train_fast
from transfer_mnist.freeze import freeze


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', default='2,3,5', help='comma-separated epochs of the transfer (default 2,3,5)')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--output', type=Path, default=Path(__file__).with_name('cache_threshold.json'))
    args = parser.parse_args()
    data = load_mnist()
    assert is_mnist(data), 'this measures on full MNIST: unset TRANSFER_MNIST_DATA, or point it at MNIST'
    task_a, task_b = transfer_split(data)
    precisions = sorted({'float32', resolve_precision('auto')[0]})
    epochs = [int(e) for e in args.epochs.split(',')]
    runs = {p: {e: {c: [] for c in ('off', 'on')} for e in epochs} for p in precisions}
    for precision in precisions:
        reuse = CompiledModels()
        base = build_cnn(10, **ARCHITECTURES['pooled'], seed=0, precision=precision)
        train_fast(base, *task_a, epochs=1, seed=0, compiled_models=reuse)
        for r in range(args.rounds):
            for e in epochs:
                for cache in ('off', 'on'):
                    start = time.perf_counter()
                    model = freeze(copy_cnn(base, 'frozen', reset=['classifier']), 'features')
                    result = train_fast(model, *task_b, epochs=e, seed=r, cache_features=cache == 'on', compiled_models=reuse)
                    wall = time.perf_counter() - start
                    runs[precision][e][cache].append(dict(wall_seconds=wall, train_seconds=result.train_seconds,
                                                          extract_seconds=result.extract_seconds, test_accuracy=result.test_accuracy))
                    print(f'{precision} round {r}: {e} epochs, cache {cache}: {wall:.1f} s', flush=True)
    summary = {p: {e: dict(off=statistics.median(x['wall_seconds'] for x in v['off']),
                           on=statistics.median(x['wall_seconds'] for x in v['on'])) for e, v in by_e.items()}
               for p, by_e in runs.items()}
    for p, by_e in summary.items():
        for e, s in by_e.items():
            s['on_vs_off'] = s['on'] / s['off']
            s['image_epochs_after_the_first'] = len(task_b[0][0]) * (e - 1)
            print(f"{p}, {e} epochs: through the frozen layers {s['off']:.1f} s, cached {s['on']:.1f} s ({s['on_vs_off']:.2f})")
    result = dict(date=datetime.now(timezone.utc).isoformat(timespec='seconds'), device=describe_device(),
                  n_train=len(task_b[0][0]), rounds=args.rounds, summary=summary, runs=runs)
    args.output.write_text(json.dumps(result, indent=1) + '\n')
    print(f'wrote {args.output}')


if __name__ == '__main__':
    main()
