"""What each piece of the fast engine saves: the default `transfer-mnist run` with each piece switched off alone.

    .venv/bin/python benchmarks/ablation.py [--repeats 3] [--old COMMIT_FOLDER] [--output FILE]

Every setting runs the default `transfer-mnist run` (full MNIST, 3 seeds, 4 approaches) in a fresh process; the
settings take turns, round after round, so that a drift of the machine's speed falls on all of them alike. Each
run's wall time counts from the process's start to its end: what a user waits. The pieces, and what replaces each
when it is off:

| piece | off |
|---|---|
| `cache` | the frozen approach trains on images, through the frozen convolutions (`--cache off`) |
| `reuse` | every training traces its own step (`--no-reuse`) |
| `pipeline` | `ShuffledBatches.dataset` gives way to the usual tf.data chain: `from_tensor_slices`, `shuffle`, `batch`, autotuned `prefetch` |
| `fused_adam` | keras's `Adam` in place of `FusedAdam` |
| `byte_dropout` | keras's `Dropout` in place of `_ByteDropout` on cached features |
| `steps_per_execution` | one batch a call of the compiled step on cached features, as everywhere else |
| `scorer` | keras's `evaluate` and `predict` in place of `Scorer` (validation, curve points, final score) |

`--old FOLDER` adds the default run of another checkout (a `git worktree` of an earlier commit), for a side-by-side
comparison with the code as it was. The result (every run's seconds and accuracies, the medians) is written as JSON;
nbs/03a_fast.ipynb shows the table. One run of the default command takes about 2.5 minutes on a 2-core CPU: 8 settings
of 3 runs, plus the old code's, take a bit over an hour.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

PIECES = ['cache', 'reuse', 'pipeline', 'fused_adam', 'byte_dropout', 'steps_per_execution', 'scorer']
FLAGS = {'cache': ['--cache', 'off'], 'reuse': ['--no-reuse']}


def switch_off(piece: str):
    "Replace one piece of the fast engine by what plain Keras or tf.data does (in this process)."
    import numpy as np
    from transfer_mnist import fast
    keras = fast.keras
    if piece == 'fused_adam':
        fast.FusedAdam = keras.optimizers.Adam
    elif piece == 'byte_dropout':
        fast._dropout = lambda rate, seed, name: keras.layers.Dropout(rate, seed=seed, name=name)
    elif piece == 'steps_per_execution':
        fast._execution_steps = lambda cached, steps: 1
    elif piece == 'pipeline':
        def dataset(self, epochs, map_threads=None):
            import tensorflow as tf
            scale = self.scale and self.x.dtype == np.uint8
            def prepare(xb, yb): return (tf.cast(xb, tf.float32) / 255.0 if scale else xb), yb
            return (tf.data.Dataset.from_tensor_slices((self.x, self.y)).shuffle(len(self.x), seed=self.seed)
                    .batch(self.batch_size).map(prepare).repeat(epochs - self.epoch).prefetch(tf.data.AUTOTUNE))
        fast.ShuffledBatches.dataset = dataset
    elif piece == 'scorer':
        class KerasScorer:
            "`Scorer`'s answer from keras's `evaluate` and `predict`, as `train_cnn` scores."
            spec = None
            def __init__(self, model, x, y, batch_size=1024, like=None):
                self.model, self.x, self.y, self.batch_size = model, np.asarray(x), np.asarray(y, np.int32), batch_size
            def __call__(self):
                loss, accuracy = self.model.evaluate(self.x, self.y, batch_size=self.batch_size, verbose=0)
                guesses = self.model.predict(self.x, batch_size=self.batch_size, verbose=0).argmax(-1)
                return float(loss), float(accuracy), guesses
        fast.Scorer = KerasScorer
    elif piece not in (None, *FLAGS):
        raise ValueError(f'unknown piece {piece!r}: choose from {PIECES}')


def child(piece, args):
    "In the child process: switch the piece off, then run the command line."
    if piece != 'none': switch_off(piece)
    from transfer_mnist.cli import main
    sys.exit(main(args))


def one_run(setting: str, old: Path = None) -> dict:
    "One default run of `setting` ('default', 'old' or a piece off) in a fresh process: its wall time and report."
    with tempfile.TemporaryDirectory() as folder:
        args = ['run', '--output', folder] + FLAGS.get(setting, [])
        piece = setting if setting in PIECES and setting not in FLAGS else 'none'
        env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3'}
        if setting == 'old': env['PYTHONPATH'] = str(old)
        command = [sys.executable, __file__, '--child', piece, *args]
        if setting == 'old': command = [sys.executable, '-c', 'import sys; from transfer_mnist.cli import main; sys.exit(main())', *args]
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=old if setting == 'old' else None)
        wall = time.perf_counter() - start
        if proc.returncode: raise RuntimeError(f'{setting}: transfer-mnist run failed ({proc.returncode}):\n{proc.stderr[-3000:]}')
        report = json.loads((Path(folder)/'report.json').read_text())
    accuracy = {}
    for r in report['runs']: accuracy.setdefault(r['approach'], []).append(r['test_accuracy'])
    return dict(wall_seconds=wall, training_seconds=sum(r['train_seconds'] for r in report['runs']),
                mean_accuracy={k: sum(v) / len(v) for k, v in accuracy.items()})


def median(values):
    s = sorted(values)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def markdown(result: dict) -> str:
    "The result as a Markdown table: each setting's median wall time and its ratio to the default's."
    lines = [f"Run {result['date']} on {result['machine']} ({result['cores']} cores): `{result['command']}`, "
             f"{result['repeats']} runs of each setting, taking turns.", '',
             '| setting | wall s (median) | training s (median) | vs the default | wall s of each run |', '|---|---:|---:|---:|---|']
    for name, s in result['settings'].items():
        label = {'default': 'the default', 'old': 'the older checkout (`--old`)'}.get(name, f'`{name}` off')
        ratio = '' if s['vs_default'] is None else f"{s['vs_default']:.3f}"
        lines.append(f"| {label} | {s['median_wall_seconds']:.1f} | {s['median_training_seconds']:.1f} | {ratio} | "
                     + ', '.join(f"{r['wall_seconds']:.1f}" for r in s['runs']) + ' |')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--old', type=Path, help="a checkout of an earlier commit, timed beside today's default")
    parser.add_argument('--only', default=None, help='comma-separated settings (default: default and every piece)')
    parser.add_argument('--output', type=Path, default=Path(__file__).with_name('ablation.json'))
    parser.add_argument('--show', type=Path, help='print the table of a result already written, and run nothing')
    args = parser.parse_args()
    if args.show: return print(markdown(json.loads(args.show.read_text())))
    settings = args.only.split(',') if args.only else ['default', *PIECES] + (['old'] if args.old else [])
    runs = {s: [] for s in settings}
    for round_ in range(args.repeats):
        for s in settings:
            r = one_run(s, args.old)
            runs[s].append(r)
            print(f"round {round_ + 1}: {s:<20} {r['wall_seconds']:6.1f} s wall, {r['training_seconds']:6.1f} s training",
                  flush=True)
    base = median([r['wall_seconds'] for r in runs['default']]) if 'default' in runs else None
    result = dict(date=datetime.now(timezone.utc).isoformat(timespec='seconds'), machine=platform.processor() or platform.machine(),
                  cores=os.cpu_count(), repeats=args.repeats, command='transfer-mnist run (the defaults)', settings={})
    for s, rs in runs.items():
        wall = median([r['wall_seconds'] for r in rs])
        result['settings'][s] = dict(median_wall_seconds=wall, median_training_seconds=median([r['training_seconds'] for r in rs]),
                                     vs_default=wall / base if base else None, runs=rs)
        print(f"{s:<20} median {wall:6.1f} s" + (f", {wall / base:.3f} of the default" if base else ''))
    args.output.write_text(json.dumps(result, indent=2) + '\n')
    print(f'wrote {args.output}\n\n{markdown(result)}')


if __name__ == '__main__':
    if len(sys.argv) > 2 and sys.argv[1] == '--child': child(sys.argv[2], sys.argv[3:])
    else: main()
