"""Does one intra-op thread a TensorFlow process make the test tier faster, where more processes than cores train at once?

`tools/dev test` runs two notebook workers beside pytest, which starts processes of its own, on machines of two cores.
TensorFlow gives each process a pool of as many threads as cores, so the processes' pools contend for the same cores.
This runs the same load both ways, side by side: two processes at once, each testing two notebooks on the sample (as
nbdev_test's two workers do), with TensorFlow's defaults and with TF_NUM_INTRAOP_THREADS=1, alternating, for a few
rounds. It prints the median wall time and CPU time of each and their ratios, and writes them to threads.json.

    .venv/bin/python benchmarks/threads.py [--rounds 2]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

root = Path(__file__).resolve().parent.parent
result_path = Path(__file__).with_name('threads.json')
WORKERS = [['04_experiment', '05_cli'], ['06_exercises', '09_study']]  # about the same time each, on the sample
RUN = "import sys; from pathlib import Path; from nbdev.test import test_nb\n" \
      "for name in sys.argv[1:]: assert test_nb(Path('nbs')/f'{name}.ipynb', skip_flags=['slow'])[0], name"
CONFIGS = {'default': {}, 'one intra-op thread': {'TF_NUM_INTRAOP_THREADS': '1'}}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load(extra_env: dict) -> dict:
    "Both workers at once; their wall time and the CPU time they used."
    env = {**os.environ, 'TRANSFER_MNIST_DATA': 'sample', **extra_env}
    cpu, start = cpu_seconds(), time.perf_counter()
    procs = [subprocess.Popen([sys.executable, '-c', RUN, *names], cwd=root, env=env, stdout=subprocess.DEVNULL)
             for names in WORKERS]
    if any(p.wait() for p in procs): sys.exit('a notebook failed: run tools/dev test to see why')
    return dict(wall=time.perf_counter() - start, cpu=cpu_seconds() - cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=2, help='runs of each configuration, alternating (default 2)')
    args = parser.parse_args()
    from transfer_mnist.core import describe_device
    runs = {name: [] for name in CONFIGS}
    for r in range(args.rounds):
        for name, extra in (CONFIGS.items() if r % 2 == 0 else reversed(CONFIGS.items())):
            runs[name].append(load(extra))
            print(f"round {r + 1}, {name}: {runs[name][-1]['wall']:.1f} s wall, {runs[name][-1]['cpu']:.1f} s CPU", flush=True)
    median = {name: {k: statistics.median(run[k] for run in rs) for k in ('wall', 'cpu')} for name, rs in runs.items()}
    one, default = median['one intra-op thread'], median['default']
    out = dict(date=date.today().isoformat(), processor=describe_device()['name'], cores=os.cpu_count(),
               notebooks=WORKERS, rounds=args.rounds, runs=runs, median=median,
               wall_one_vs_default=one['wall'] / default['wall'], cpu_one_vs_default=one['cpu'] / default['cpu'])
    result_path.write_text(json.dumps(out, indent=1) + '\n')
    print(f"median wall: {default['wall']:.1f} s default, {one['wall']:.1f} s with one intra-op thread "
          f"({out['wall_one_vs_default']:.2f}x); CPU: {out['cpu_one_vs_default']:.2f}x, on {out['processor']}")


if __name__ == '__main__':
    main()
