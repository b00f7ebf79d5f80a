"""Would a smaller sample shorten the test tier and keep its claims? Each notebook, run as the tier runs it, on the
sample (1,000 training and 500 test images a digit) and on a smaller cut, side by side: its CPU seconds, and whether
its checks still pass.

    .venv/bin/python benchmarks/sample_size.py            # writes sample_size.json (about 13 minutes on the 2-core AMD EPYC Zen 4)
    .venv/bin/python benchmarks/sample_size.py --table    # only print the table of what sample_size.json holds

The smaller sample is `cut_sample` with smaller defaults (`--smaller`, 500 and 250 by default): each notebook runs in a
process of its own with nbdev's `test_nb`, as `tools/test_notebooks.py` runs it, with `cut_sample`'s defaults
replaced first, so that `load_mnist('sample')`, Fashion-MNIST's sample and the cuts made from them all shrink. The
environment is the tier's (`tier_cpu.tier_env`). The class-grading notebook is left out: its submissions run in
kernels of their own, which would still get the sample. A notebook that fails stops at its first failing check, so
its CPU seconds are not comparable; the check that failed is kept, in its own words.
"""
import argparse
import contextlib
import io
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent/'tools')]
from outputs import source_commit  # noqa: E402
from suite_times import wait_with_usage  # noqa: E402
from tier_cpu import CODE, measured_on, python, root, tier_env  # noqa: E402

result_path = Path(__file__).with_name('sample_size.json')
LEFT_OUT = {'06b_class_grading.ipynb': 'its submissions train in kernels of their own, which would get the full sample'}


def run_one(notebook:str, train_per_digit:int, test_per_digit:int) -> dict:
    "In this process: `notebook` under nbdev's test_nb with the sample cut to this size; passed, and the first failure."
    from fastcore.xtras import working_directory
    from nbdev.config import get_config
    from nbdev.test import test_nb
    from transfer_mnist import data
    data.cut_sample.__defaults__ = (train_per_digit, test_per_digit, *data.cut_sample.__defaults__[2:])
    cfg, err, path = get_config(), io.StringIO(), Path(notebook).absolute()
    with working_directory(cfg.nbs_path), contextlib.redirect_stderr(err):
        passed, _ = test_nb(path, skip_flags=cfg.tst_flags.split(), basepath=cfg.config_path)
    if passed: return dict(passed=True, cell=None, statement=None, failure=None)
    lines = err.getvalue().strip().splitlines()
    cell = next((int(m[1]) for l in lines if (m := re.match(r'While Executing Cell #(\d+)', l))), None)
    # the notebook's own line that failed (after its last frame), and the error from its last line that names one on
    frames = [i for i, l in enumerate(lines) if l.lstrip().startswith('File "<ipython-input-')]
    errors = [i for i, l in enumerate(lines) if re.match(r'\w+(Error|Exception|Exit)\b', l)]
    return dict(passed=False, cell=cell, statement=lines[frames[-1] + 1].strip() if frames else None,
                failure=' '.join(lines[errors[-1]:])[:1500] if errors else ' '.join(lines[-3:])[:1500])


def timed_one(notebook:str, size:tuple, env:dict) -> dict:
    "`notebook` at `size` in a process of its own: its CPU seconds (subprocesses it waited for included) and its result."
    proc = subprocess.Popen([python, __file__, '--one', notebook, *map(str, size)], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    code, cpu = wait_with_usage(proc)
    try: result = json.loads(out.strip().splitlines()[-1])
    except (IndexError, ValueError): result = dict(passed=False, cell=None, statement=None,
                                                   failure=f'the process ended with exit code {code} and no result')
    return dict(cpu=round(cpu, 1), **result)


def measure(smaller:tuple) -> dict:
    from transfer_mnist.core import describe_device
    from transfer_mnist.data import cut_sample
    env, commit = tier_env(), source_commit(CODE)
    sizes = {'sample': cut_sample.__defaults__[:2], 'smaller': smaller}
    notebooks = [f'nbs/{p.name}' for p in sorted((root/'nbs').glob('*.ipynb')) if p.name not in LEFT_OUT]
    results = {}
    with ThreadPoolExecutor(2) as pool:  # both sizes of a notebook side by side, one core each: the same load
        for nb in notebooks:
            results[nb] = dict(zip(sizes, pool.map(lambda s: timed_one(nb, s, env), sizes.values())))
            print(nb, {k: (v['cpu'], v['passed']) for k, v in results[nb].items()}, flush=True)
    return dict(date=str(date.today()), device=describe_device(), commit=commit,
                sizes={k: dict(train_per_digit=v[0], test_per_digit=v[1]) for k, v in sizes.items()},
                left_out=LEFT_OUT, notebooks=results)


def md(text, n:int) -> str:
    "`text` in a markdown table's cell: its pipes escaped, at most `n` characters."
    return (text or '').replace('|', '\\|')[:n]


def table(r:dict) -> str:
    "Each notebook's CPU seconds at both sizes, and the checks the smaller sample failed."
    s = r['sizes']
    both = [n for n, v in r['notebooks'].items() if v['sample']['passed'] and v['smaller']['passed']]
    total = {k: sum(r['notebooks'][n][k]['cpu'] for n in both) for k in s}
    failed = {n: v['smaller'] for n, v in r['notebooks'].items() if not v['smaller']['passed']}
    rows = [f"{measured_on(r['date'], r['device'])}, commit {r['commit'][:7]}{r['commit'][40:]}: the sample ({s['sample']['train_per_digit']:,} training and "
            f"{s['sample']['test_per_digit']:,} test images a digit) beside a smaller one ({s['smaller']['train_per_digit']:,} "
            f"and {s['smaller']['test_per_digit']:,})",
            f"The {len(both)} notebooks that passed at both sizes: {total['sample']:,.0f} CPU seconds on the sample, "
            f"{total['smaller']:,.0f} on the smaller one ({total['smaller'] / total['sample']:.2f}). "
            f"{len(failed)} of {len(r['notebooks'])} failed on the smaller one:",
            '| notebook | CPU s, sample | CPU s, smaller | cell | the check that failed on the smaller sample | its error |',
            '|---|---:|---:|---:|---|---|']
    for n, v in r['notebooks'].items():
        if v['smaller']['passed']: continue
        f = v['smaller']
        rows.append(f"| `{n}` | {v['sample']['cpu']:.1f} | {f['cpu']:.1f} | {f['cell']} | `{md(f['statement'], 200)}` | {md(f['failure'], 300)} |")
    return '\n'.join(rows)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--table', action='store_true', help='only print the table of what sample_size.json holds')
    parser.add_argument('--smaller', type=int, nargs=2, default=(500, 250), metavar=('TRAIN', 'TEST'),
                        help='training and test images a digit of the smaller sample (default 500 250)')
    parser.add_argument('--one', nargs=3, metavar=('NOTEBOOK', 'TRAIN', 'TEST'), help=argparse.SUPPRESS)  # a child's run
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]), int(args.one[2])))); sys.exit()
    if min(args.smaller) < 1: parser.error(f'--smaller takes whole numbers of at least 1, not {args.smaller}')
    if not args.table:
        result_path.write_text(json.dumps(measure(tuple(args.smaller)), indent=1) + '\n')
    elif not result_path.exists():
        parser.error(f'{result_path.name} is not there yet: run this script without --table to measure')
    print(table(json.loads(result_path.read_text())))
