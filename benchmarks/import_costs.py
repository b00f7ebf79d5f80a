"""What a package version costs every process that imports it: the environment's lock against the version it left.

    .venv/bin/python benchmarks/import_costs.py            # writes import_costs.json (about 2 minutes on the 2-core AVX2 AMD EPYC)
    .venv/bin/python benchmarks/import_costs.py --table    # only print what import_costs.json holds

Two choices of settings.ini make the environment's processes start faster, and this measures both:
- `lock_excludes = rfc3987-syntax`: jsonschema imports rfc3987-syntax when it is installed, to check the 'iri' format,
  and that package builds its parser (lark, Earley) as it is imported. jupyter-events asks for it (through jsonschema's
  `format-nongpl` extra). Every process that imports nbformat pays for it: nbgrader, JupyterLab, the tests.
- `lock_constraints = ml-dtypes<0.7`: ml-dtypes 0.7.0 takes most of a second longer to import than 0.6.0 (in NumPy's
  PyUFunc_AddLoop, by a profile), and every process that imports TensorFlow imports it.
Each import below runs in a fresh process, as the environment has it ('lock') and with the packages the lock held
before ('before': installed with the environment's uv into a temporary folder put first on the path), the two in
turn in every round. The table gives their CPU seconds (user and system, the interpreter's start-up included),
medians, and their ratio.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent/'tools')]

result_path = Path(__file__).with_name('import_costs.json')
CASES = {  # what settings.ini changed: the packages the lock held before, and the imports that load them
    'rfc3987-syntax': dict(before=['rfc3987-syntax==1.1.0', 'lark==1.3.1'],
                           imports={'nbformat': 'import nbformat', "nbgrader's autograde": 'import nbgrader.apps.autogradeapp'}),
    'ml-dtypes': dict(before=['ml-dtypes==0.7.0'],
                      imports={'ml_dtypes': 'import ml_dtypes', 'the training loop (TensorFlow, Keras)': 'import transfer_mnist.train'}),
}
ROUNDS = 5
TIMED = "import resource\n{statement}\nr = resource.getrusage(resource.RUSAGE_SELF)\nprint(r.ru_utime + r.ru_stime)"


def cpu_seconds(statement:str, path:str='') -> float:
    "CPU seconds of a fresh process that runs `statement`, with `path` first on its path (its start-up included)."
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join(p for p in (path, os.environ.get('PYTHONPATH', '')) if p)}
    out = subprocess.run([sys.executable, '-c', TIMED.format(statement=statement)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return float(out.split()[-1])


def measure_case(before:list, imports:dict) -> dict:
    "Each import's CPU seconds, as locked and with the `before` packages first on the path, in turn, ROUNDS times."
    with tempfile.TemporaryDirectory() as tmp:
        uv = Path(sys.executable).parent/'uv'
        subprocess.run([str(uv), 'pip', 'install', '--quiet', '--compile-bytecode', '--target', tmp, '--no-deps', *before], check=True)
        rows = {}
        for name, statement in imports.items():
            runs = {'before': [], 'lock': []}
            for _ in range(ROUNDS):
                for side in runs: runs[side].append(round(cpu_seconds(statement, tmp if side == 'before' else ''), 2))
            medians = {side: statistics.median(v) for side, v in runs.items()}
            rows[name] = dict(statement=statement, runs=runs, median=medians, ratio=round(medians['lock'] / medians['before'], 3))
    return dict(before=before, imports=rows)


def measure() -> dict:
    from transfer_mnist.core import describe_device
    from outputs import source_commit
    return dict(date=str(date.today()), device=describe_device(), commit=source_commit(('transfer_mnist',)), rounds=ROUNDS,
                cases={name: measure_case(**case) for name, case in CASES.items()})


def table(result: dict) -> str:
    d = result['device']
    lines = [f"{result['date']}, {d['name']} ({', '.join(d.get('bf16_instructions') or ['no bfloat16 instructions'])}), "
             f"{d['cores']} cores: CPU seconds of a fresh process, medians of {result['rounds']} rounds",
             '| import | before (the lock held) | as locked | ratio | saved |', '|---|---|---:|---:|---:|']
    for case in result['cases'].values():
        for r in case['imports'].values():
            m = r['median']
            lines.append(f"| `{r['statement']}` | {', '.join(case['before'])}: {m['before']:.2f} | {m['lock']:.2f} | "
                         f"{r['ratio']:.2f} | {m['before'] - m['lock']:.2f} |")
    return '\n'.join(lines)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--table', action='store_true', help='only print the table of import_costs.json')
    if not parser.parse_args().table:
        result_path.write_text(json.dumps(measure(), indent=1) + '\n')
    print(table(json.loads(result_path.read_text())))
