"""Where the test tier's CPU goes: each notebook and each pytest file of `tools/dev test`, run alone, with its CPU
seconds (user and system, its subprocesses included) and its wall seconds.

    .venv/bin/python benchmarks/tier_cpu.py            # runs them all; writes tier_cpu.json (13 to 15 minutes on the 2-core AMD EPYC Zen 4)
    .venv/bin/python benchmarks/tier_cpu.py --table    # only print the table of what tier_cpu.json holds

On two cores the tier is bound by CPU: its wall time is close to its CPU seconds over the cores (suite_times.json
keeps both, for a fresh clone). A shorter tier needs fewer CPU seconds, and this says which parts hold them.

Each part runs as the tier runs it (`tools/test_notebooks.py --path NB`, or `pytest FILE`), with the tier's
environment: the sample, one TensorFlow thread a process, Fashion-MNIST from `TRANSFER_MNIST_FASHION`. As many parts
run at a time as there are cores. A part's CPU is what `wait4` reports for its process, which counts every
subprocess it waited for (kernels, CLI runs, Dask workers, the browser).

Alone, each notebook imports TensorFlow in a process of its own; in the tier, three notebook workers import it once
each. `import_seconds` is that import's CPU, measured here, so the sum can be read either way. tier_cpu.json keeps
one entry for each kind of machine (`same_device`).
"""
import argparse
import json
import os
import subprocess
import sys
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


def timed(argv:list, env:dict) -> dict:
    "Run `argv` from the repository's root; its wall seconds, CPU seconds (subprocesses included) and exit code."
    start = time.perf_counter()
    code, cpu = wait_with_usage(subprocess.Popen(argv, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return dict(wall=round(time.perf_counter() - start, 1), cpu=round(cpu, 1), exit_code=code)


def parts() -> dict:
    "Each part of the tier and the command that runs it alone."
    notebooks = {f'nbs/{p.name}': [python, 'tools/test_notebooks.py', '--path', f'nbs/{p.name}']
                 for p in sorted((root/'nbs').glob('*.ipynb'))}
    tests = {f'tests/{p.name}': [python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', f'tests/{p.name}']
             for p in sorted((root/'tests').glob('test_*.py'))}
    return {**notebooks, **tests}


def measure() -> dict:
    fashion = os.environ.get('TRANSFER_MNIST_FASHION')
    if not fashion: sys.exit('tier_cpu.py: name the folder of Fashion-MNIST with TRANSFER_MNIST_FASHION, as tools/dev test finds it.')
    env = {**os.environ, 'TRANSFER_MNIST_DATA': 'sample', 'TF_NUM_INTRAOP_THREADS': '1', 'TF_NUM_INTEROP_THREADS': '1'}
    commit = source_commit(('transfer_mnist', 'nbs', 'tests', 'tools'))  # before the runs: the code they run
    todo = parts()
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        done = dict(zip(todo, pool.map(lambda argv: timed(argv, env), todo.values())))
    failed = [name for name, r in done.items() if r['exit_code']]
    if failed: sys.exit(f'tier_cpu.py: these parts failed, so their times say nothing: {failed}; run them alone to see why.')
    imports = [timed([python, '-c', 'import transfer_mnist.fast'], env)['cpu'] for _ in range(3)]
    return dict(date=str(date.today()), device=describe_device(), commit=commit, import_seconds=sorted(imports)[1],
                parts={name: dict(wall=r['wall'], cpu=r['cpu']) for name, r in done.items()})


def table(machine:dict) -> str:
    "The parts, the most CPU first, with their share of the whole."
    total = sum(p['cpu'] for p in machine['parts'].values())
    groups = {g: sum(p['cpu'] for n, p in machine['parts'].items() if n.startswith(g)) for g in ('nbs/', 'tests/')}
    d = machine['device']
    rows = [f"{machine['date']}, {d['name']} (bfloat16 instructions: {', '.join(d['bf16_instructions']) or 'none'}), {d['cores']} cores, commit "
            f"{machine['commit'][:7]}{machine['commit'][40:]}: {total:,.0f} CPU seconds in all, notebooks {groups['nbs/']:,.0f}, pytest "
            f"{groups['tests/']:,.0f}; importing TensorFlow with the package: {machine['import_seconds']} s a process",
            '| part | CPU s | share | wall s (alone) |', '|---|---:|---:|---:|']
    for name, p in sorted(machine['parts'].items(), key=lambda o: -o[1]['cpu']):
        rows.append(f"| `{name}` | {p['cpu']:.1f} | {p['cpu'] / total:.1%} | {p['wall']:.1f} |")
    return '\n'.join(rows)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--table', action='store_true', help='only print the table of what tier_cpu.json holds')
    args = parser.parse_args()
    saved = json.loads(result_path.read_text()) if result_path.exists() else {'machines': []}
    if not args.table:
        machine = measure()
        saved['machines'] = [m for m in saved['machines'] if not same_device(m['device'], machine['device'])] + [machine]
        result_path.write_text(json.dumps(saved, indent=1) + '\n')
    for m in saved['machines']: print(table(m), end='\n\n')
