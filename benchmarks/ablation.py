"""What each piece of the fast engine saves: `transfer-mnist run` with each piece switched off alone.

    .venv/bin/python benchmarks/ablation.py [--repeats 3] [--only RUN:SETTING,...] [--output FILE]
    .venv/bin/python benchmarks/ablation.py --more --repeats 3 --only default:default,default:reuse  # more rounds
    .venv/bin/python benchmarks/ablation.py --show benchmarks/ablation.json   # the tables, a machine at a time

Each piece is judged on a run that uses it. Two runs, each of full MNIST and three seeds:

- `default`: the default `transfer-mnist run` (the seed's network, four approaches, one epoch). Its frozen approach
  trains on images: `--cache auto` does not cache the seed's 18,432 features an image.
- `cached`: `transfer-mnist run --arch pooled --epochs 2 --approaches frozen --cache on`, Keras's pooled network as
  the study trains it, its frozen approach on cached features, where the cache acts. (The committed result ran it
  without `--cache on`, when `--cache auto` cached it; what it showed set auto's thresholds by precision, and two more
  pieces that acted there were removed: see nbs/03a_fast.ipynb and nbs/04_experiment.ipynb.)

A setting switches one piece off by the command line's own options, each replaced by what Keras or tf.data does
without it (`transfer_mnist.fast.PIECES` says what): `--plain PIECE` for a piece of the engine, `--no-reuse` for the
compiled copies, `--cache off` for the cached features. Every run is a fresh process; the settings of a run take
turns, round after round, so that a drift of the machine's speed falls on all of them alike. Each run's wall time
counts from the process's start to its end: what a user waits. The result (every run's seconds and accuracies, the
medians, the processor) is written as JSON, one entry for each kind of machine (its processor and bfloat16
instructions): a run replaces its own machine's entry and keeps the others'. With `--more`, it adds its rounds to its
own machine's entry instead, after the rounds already there, for the settings it runs: more rounds where the first
ones left a piece's case open (the others keep their rounds; a setting's rounds pair with the default's in order). nbs/03a_fast.ipynb shows the tables. On a 2-core CPU, 3 rounds of the
9 settings the committed result ran took about 30 minutes.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from transfer_mnist.core import describe_device, same_device
from transfer_mnist.fast import PIECES

RUNS = {'default': [], 'cached': ['--arch', 'pooled', '--epochs', '2', '--approaches', 'frozen', '--cache', 'on']}
OFF = {'reuse': ['--no-reuse'], 'cache': ['--cache', 'off'], **{p: ['--plain', p] for p in PIECES}}  # how each is switched off
JUDGED = {'default': ['reuse', 'pipeline', 'fused_adam', 'scorer'],  # each piece on the run that uses it
          'cached': ['cache']}
assert sorted(p for ps in JUDGED.values() for p in ps) == sorted(OFF), 'every piece is judged on one run'


def one_run(run: str, setting: str) -> dict:
    "One `run` with `setting` ('default' or a piece off) in a fresh process: its wall time, and numbers from its report."
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, '-c', 'import sys; from transfer_mnist.cli import main; sys.exit(main())', 'run',
                   '--output', folder, *RUNS[run], *OFF.get(setting, [])]
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env={**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3'})
        wall = time.perf_counter() - start
        if proc.returncode: raise RuntimeError(f'{run} run, {setting}: transfer-mnist run failed ({proc.returncode}):\n{proc.stderr[-3000:]}')
        report = json.loads((Path(folder)/'report.json').read_text())
    frozen = [r for r in report['runs'] if r['approach'] == 'frozen']
    if run == 'cached' and setting != 'cache' and not all(r['cached_features'] for r in frozen):
        raise RuntimeError('the cached run trained its frozen approach on images: its rows would judge nothing')
    accuracy = {}
    for r in report['runs']: accuracy.setdefault(r['approach'], []).append(r['test_accuracy'])
    return dict(wall_seconds=wall, training_seconds=sum(r['train_seconds'] for r in report['runs']),
                mean_accuracy={k: sum(v) / len(v) for k, v in accuracy.items()}, plain=report['settings']['plain'])


def median(values):
    s = sorted(values)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def earlier_runs(machines: list, device: dict, todo: list, path: Path) -> dict:
    "For --more: the runs of this machine's entry, every setting's, to add the new rounds to; else a SystemExit that says why."
    mine = [m for m in machines if same_device(m['device'], device)]
    if not mine: sys.exit(f"--more adds rounds to this machine's entry in {path}, and it has none ({device['name']}): run without --more.")
    runs = {run: {s: list(v['runs']) for s, v in settings.items()} for run, settings in mine[0]['runs'].items()}
    missing = [f'{run}:{s}' for run, s in todo if s not in runs.get(run, {})]
    if missing: sys.exit(f"--more: this machine's entry in {path} has no rounds of {', '.join(missing)} to add to: run them without --more.")
    return runs


def markdown(result: dict) -> str:
    "One machine's result as Markdown tables, one a run: each setting's median wall time and its ratio to the run's default."
    d = result['device']
    counts = sorted({len(s['runs']) for settings in result['runs'].values() for s in settings.values()})
    each = f'{counts[0]}' if len(counts) == 1 else f'{counts[0]} to {counts[-1]}'
    lines = [f"Run {result['date']} on {d['name']} ({d['cores']} cores, precision {d['auto_precision']}), {each} "
             'runs of each setting, taking turns.']
    for run, settings in result['runs'].items():
        lines += ['', f"`transfer-mnist run {' '.join(RUNS[run])}`".replace(' `', '`'), '',
                  '| setting | wall s (median) | training s (median) | vs the default | wall s of each run |', '|---|---:|---:|---:|---|']
        for name, s in settings.items():
            ratio = '' if name == 'default' else f"{s['vs_default']:.3f}"
            lines.append(f"| {'the default' if name == 'default' else f'`{name}` off'} | {s['median_wall_seconds']:.1f} | "
                         f"{s['median_training_seconds']:.1f} | {ratio} | " + ', '.join(f"{r['wall_seconds']:.1f}" for r in s['runs']) + ' |')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--only', default=None, help="comma-separated RUN:SETTING, such as 'cached:default,cached:cache'")
    parser.add_argument('--output', type=Path, default=Path(__file__).with_name('ablation.json'))
    parser.add_argument('--show', type=Path, help='print the tables of a result already written, and run nothing')
    parser.add_argument('--more', action='store_true',
                        help="add the rounds to this machine's entry in --output, after its own, instead of replacing it")
    args = parser.parse_args()
    if args.show: return print('\n\n'.join(markdown(m) for m in json.loads(args.show.read_text())['machines']))
    todo = [tuple(x.split(':')) for x in args.only.split(',')] if args.only else \
           [(run, s) for run, pieces in JUDGED.items() for s in ['default', *pieces]]
    for run, s in todo:
        if run not in RUNS or s not in ['default', *OFF]: parser.error(f'unknown run or setting {run}:{s}')
    machines = json.loads(args.output.read_text())['machines'] if args.output.exists() else []
    runs = earlier_runs(machines, describe_device(), todo, args.output) if args.more else {}
    for round_ in range(args.repeats):
        for run, s in todo:
            r = one_run(run, s)
            runs.setdefault(run, {}).setdefault(s, []).append(r)
            print(f"round {len(runs[run][s])}: {run:<8} {s:<20} {r['wall_seconds']:6.1f} s wall, {r['training_seconds']:6.1f} s training",
                  flush=True)
    repeats = max(len(rs) for settings in runs.values() for rs in settings.values())
    result = dict(date=datetime.now(timezone.utc).isoformat(timespec='seconds'), device=describe_device(), repeats=repeats, commands={r: f"transfer-mnist run {' '.join(RUNS[r])}".strip() for r in runs},
                  runs={})
    for run, settings in runs.items():
        base = median([r['wall_seconds'] for r in settings['default']]) if 'default' in settings else None
        for s, rs in settings.items():
            wall = median([r['wall_seconds'] for r in rs])
            result['runs'].setdefault(run, {})[s] = dict(
                median_wall_seconds=wall, median_training_seconds=median([r['training_seconds'] for r in rs]),
                vs_default=wall / base if base else None, runs=rs)
    machines = [m for m in machines if not same_device(m['device'], result['device'])] + [result]
    args.output.write_text(json.dumps(dict(machines=machines), indent=2) + '\n')
    print(f'wrote {args.output}\n\n{markdown(result)}')


if __name__ == '__main__':
    main()
