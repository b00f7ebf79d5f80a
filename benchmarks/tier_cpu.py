"""Where the test tier's CPU goes: each notebook and each pytest file of `tools/dev test`, run alone, with its CPU
seconds (user and system, its subprocesses included) and its wall seconds.

    .venv/bin/python benchmarks/tier_cpu.py            # runs them all; writes tier_cpu.json (13 to 15 minutes on the 2-core AMD EPYC Zen 4)
    .venv/bin/python benchmarks/tier_cpu.py --table    # only print the table of what tier_cpu.json holds
    .venv/bin/python benchmarks/tier_cpu.py --against COMMIT PART...  # a cut: these parts at HEAD beside COMMIT

On two cores the tier is bound by CPU: its wall time is close to its CPU seconds over the cores (suite_times.json
keeps both, for a fresh clone). A shorter tier needs fewer CPU seconds, and this says which parts hold them.

Each part runs as the tier runs it (`tools/test_notebooks.py --path NB`, or `pytest FILE`), with the tier's
environment: the sample, one TensorFlow thread a process, Fashion-MNIST from `TRANSFER_MNIST_FASHION`. As many parts
run at a time as there are cores. A part's CPU is what `wait4` reports for its process, which counts every
subprocess it waited for (kernels, CLI runs, Dask workers, the browser).

Alone, each notebook imports TensorFlow in a process of its own; in the tier, three notebook workers import it once
each. `import_seconds` is that import's CPU, measured here, so the sum can be read either way. tier_cpu.json keeps
one entry for each kind of machine (`same_device`).

`--against COMMIT PART...` measures a change meant to save CPU: each part (`nbs/04_experiment.ipynb`, ...) runs at
this checkout and at COMMIT (a git worktree, on the same virtual environment, its package first on the path) side by
side, one core each, in every round (`--rounds`, 3 by default), so that both meet the same load. It prints and
keeps each side's median CPU seconds and their ratio in tier_cpu.json's `comparisons`. Single runs of a notebook
differ by several percent even side by side (04_experiment's three rounds in the first comparison kept: 54.1 to 61.2
CPU s, on the 2-core AMD EPYC Zen 4); the medians of side-by-side rounds are what to quote.

`--no-onednn` runs both sides with TF_ENABLE_ONEDNN_OPTS=0: TensorFlow's own kernels instead of oneDNN's. That is how
TensorFlow computes bfloat16 on a CPU without AVX-512 (the AVX2-only AMD EPYC), so a cut in a notebook's bfloat16 work
can be measured for that machine on this one. (Its float32 still runs on oneDNN there.)
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from transfer_mnist.core import describe_device, same_device

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent/'tools')]  # also where it is imported (tests/test_benchmarks.py)
from outputs import source_commit  # noqa: E402
from suite_times import wait_with_usage  # noqa: E402

root = Path(__file__).resolve().parent.parent
result_path = Path(__file__).with_name('tier_cpu.json')
python = str(root/'.venv'/'bin'/'python')
CODE = ('transfer_mnist', 'nbs', 'tests', 'tools')  # the folders whose changes change what the tier runs (source_commit)


def timed(argv:list, env:dict, cwd:Path=root) -> dict:
    "Run `argv` from `cwd` (the repository's root); its wall seconds, CPU seconds (subprocesses included) and exit code."
    start = time.perf_counter()
    code, cpu = wait_with_usage(subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return dict(wall=round(time.perf_counter() - start, 1), cpu=round(cpu, 1), exit_code=code)


def parts() -> dict:
    "Each part of the tier and the command that runs it alone."
    notebooks = {f'nbs/{p.name}': [python, 'tools/test_notebooks.py', '--path', f'nbs/{p.name}']
                 for p in sorted((root/'nbs').glob('*.ipynb'))}
    tests = {f'tests/{p.name}': [python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', f'tests/{p.name}']
             for p in sorted((root/'tests').glob('test_*.py'))}
    return {**notebooks, **tests}


def tier_env() -> dict:
    "The environment `tools/dev test` gives its parts."
    if not os.environ.get('TRANSFER_MNIST_FASHION'):
        sys.exit('tier_cpu.py: name the folder of Fashion-MNIST with TRANSFER_MNIST_FASHION, as tools/dev test finds it.')
    return {**os.environ, 'TRANSFER_MNIST_DATA': 'sample', 'TF_NUM_INTRAOP_THREADS': '1', 'TF_NUM_INTEROP_THREADS': '1'}


def measure() -> dict:
    env = tier_env()
    commit = source_commit(CODE)  # before the runs: the code they run
    todo = parts()
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        done = dict(zip(todo, pool.map(lambda argv: timed(argv, env), todo.values())))
    failed = [name for name, r in done.items() if r['exit_code']]
    if failed: sys.exit(f'tier_cpu.py: these parts failed, so their times say nothing: {failed}; run them alone to see why.')
    imports = [timed([python, '-c', 'import transfer_mnist.fast'], env)['cpu'] for _ in range(3)]
    return dict(date=str(date.today()), device=describe_device(), commit=commit, import_seconds=sorted(imports)[1],
                parts={name: dict(wall=r['wall'], cpu=r['cpu']) for name, r in done.items()})


def compare(against:str, names:list, rounds:int, onednn:bool=True) -> dict:
    """Each part in `names` at this checkout and at commit `against`, side by side, `rounds` times: CPU seconds and
    medians; with `onednn=False`, TensorFlow's own kernels on both sides."""
    todo = parts()
    unknown = [n for n in names if n not in todo]
    if unknown: sys.exit(f'tier_cpu.py: {unknown} are not parts of the tier; the parts are {sorted(todo)}.')
    env, head = {**tier_env(), **({} if onednn else {'TF_ENABLE_ONEDNN_OPTS': '0'})}, source_commit(CODE)
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp)/'against'
        subprocess.run(['git', 'worktree', 'add', '--detach', '--quiet', str(other), against], cwd=root, check=True)
        try:
            ref = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=other, check=True, capture_output=True, text=True).stdout.strip()
            sides = {'head': (root, env), 'against': (other, {**env, 'PYTHONPATH': str(other)})}  # its package, not the editable one
            runs = {n: {side: [] for side in sides} for n in names}
            with ThreadPoolExecutor(2) as pool:
                for _ in range(rounds):
                    for n in names:
                        got = dict(zip(sides, pool.map(lambda s: timed(todo[n], s[1], s[0]), sides.values())))
                        failed = [side for side, r in got.items() if r['exit_code']]
                        if failed: sys.exit(f'tier_cpu.py: {n} failed at {failed}, so its times say nothing; run it alone to see why.')
                        for side, r in got.items(): runs[n][side].append(r['cpu'])
        finally:
            subprocess.run(['git', 'worktree', 'remove', '--force', str(other)], cwd=root, check=True)
    medians = {n: {side: statistics.median(cpu) for side, cpu in r.items()} for n, r in runs.items()}
    return dict(date=str(date.today()), device=describe_device(), head=head, against=ref, rounds=rounds, onednn=onednn,
                parts={n: dict(cpu=runs[n], median=medians[n], ratio=round(medians[n]['head'] / medians[n]['against'], 3))
                       for n in names})


def measured_on(day:str, device:dict) -> str:
    "When and on what a result was measured: the date, the processor, its bfloat16 instructions, its cores."
    return f"{day}, {device['name']} (bfloat16 instructions: {', '.join(device['bf16_instructions']) or 'none'}), {device['cores']} cores"


def comparison_table(c:dict) -> str:
    "A comparison's parts: the median CPU seconds of each side and their ratio."
    rows = [f"{measured_on(c['date'], c['device'])}: {c['head'][:7]}{c['head'][40:]} against {c['against'][:7]}, {c['rounds']} rounds side by side"
            + ('' if c.get('onednn', True) else ", oneDNN off (TF_ENABLE_ONEDNN_OPTS=0)"),
            '| part | CPU s, median | against | ratio | each round |', '|---|---:|---:|---:|---|']
    for n, p in c['parts'].items():
        rows.append(f"| `{n}` | {p['median']['head']:.1f} | {p['median']['against']:.1f} | {p['ratio']:.2f} | "
                    + ', '.join(f'{h:.1f} / {a:.1f}' for h, a in zip(p['cpu']['head'], p['cpu']['against'])) + ' |')
    return '\n'.join(rows)


def table(machine:dict) -> str:
    "The parts, the most CPU first, with their share of the whole."
    total = sum(p['cpu'] for p in machine['parts'].values())
    groups = {g: sum(p['cpu'] for n, p in machine['parts'].items() if n.startswith(g)) for g in ('nbs/', 'tests/')}
    rows = [f"{measured_on(machine['date'], machine['device'])}, commit {machine['commit'][:7]}{machine['commit'][40:]}: {total:,.0f} CPU seconds in all, notebooks {groups['nbs/']:,.0f}, pytest "
            f"{groups['tests/']:,.0f}; importing TensorFlow with the package: {machine['import_seconds']} s a process",
            '| part | CPU s | share | wall s (alone) |', '|---|---:|---:|---:|']
    for name, p in sorted(machine['parts'].items(), key=lambda o: -o[1]['cpu']):
        rows.append(f"| `{name}` | {p['cpu']:.1f} | {p['cpu'] / total:.1%} | {p['wall']:.1f} |")
    return '\n'.join(rows)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--table', action='store_true', help='only print the table of what tier_cpu.json holds')
    parser.add_argument('--against', metavar='COMMIT', help='measure the parts named at this checkout beside COMMIT')
    parser.add_argument('--rounds', type=int, default=3, help='rounds of --against (default 3)')
    parser.add_argument('--no-onednn', action='store_true',
                        help="with --against: TensorFlow's own kernels on both sides, as it computes bfloat16 without AVX-512")
    parser.add_argument('names', nargs='*', metavar='PART', help="with --against: parts of the tier, as 'nbs/04_experiment.ipynb'")
    args = parser.parse_args()
    if bool(args.against) != bool(args.names): parser.error('--against takes the parts to compare, and parts need --against')
    if args.no_onednn and not args.against: parser.error('--no-onednn is an option of --against')
    if args.rounds < 1: parser.error(f'--rounds must be at least 1, not {args.rounds}')
    saved = json.loads(result_path.read_text()) if result_path.exists() else {'machines': []}
    if args.against:
        c = compare(args.against, args.names, args.rounds, onednn=not args.no_onednn)
        saved['comparisons'] = saved.get('comparisons', []) + [c]
        result_path.write_text(json.dumps(saved, indent=1) + '\n')
        print(comparison_table(c)); sys.exit()
    if not args.table:
        machine = measure()
        saved['machines'] = [m for m in saved['machines'] if not same_device(m['device'], machine['device'])] + [machine]
        result_path.write_text(json.dumps(saved, indent=1) + '\n')
    for m in saved['machines']: print(table(m), end='\n\n')
    for c in saved.get('comparisons', []): print(comparison_table(c), end='\n\n')
