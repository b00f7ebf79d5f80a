"""What rfc3987-syntax costs every process that imports jsonschema: nbformat, and so nbgrader and JupyterLab.

    .venv/bin/python benchmarks/jsonschema_import.py            # writes jsonschema_import.json (about a minute on the 2-core AVX2 AMD EPYC)
    .venv/bin/python benchmarks/jsonschema_import.py --table    # only print what jsonschema_import.json holds

jsonschema imports rfc3987-syntax when it is installed, to check the 'iri' format, and that package builds its
parser (lark, Earley) as it is imported. jupyter-events asks for it (through jsonschema's `format-nongpl` extra);
settings.ini's `lock_excludes` leaves it out of this project's environment. This measures what that saves: each
import below, in a fresh process, with rfc3987-syntax importable and without it, the two in turn in every round,
their CPU seconds (user and system), medians, and their ratio. Where the environment no longer holds rfc3987-syntax,
the side with it gets the version the lock held before, installed with the environment's uv into a temporary folder
put first on the path.
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

result_path = Path(__file__).with_name('jsonschema_import.json')
IMPORTS = {'nbformat': 'import nbformat', "nbgrader's autograde": 'import nbgrader.apps.autogradeapp'}
PACKAGES = ['rfc3987-syntax==1.1.0', 'lark==1.3.1']  # what the lock held before lock_excludes
ROUNDS = 5
TIMED = "import resource, sys\n{block}{statement}\nr = resource.getrusage(resource.RUSAGE_SELF)\nprint(r.ru_utime + r.ru_stime)"


def cpu_seconds(statement:str, with_it:bool, path:str) -> float:
    "CPU seconds of a fresh process that runs `statement` (its interpreter's start-up included)."
    block = '' if with_it else "sys.modules['rfc3987_syntax'] = None  # as if not installed: jsonschema skips it\n"
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join(p for p in (path if with_it else '', os.environ.get('PYTHONPATH', '')) if p)}
    out = subprocess.run([sys.executable, '-c', TIMED.format(block=block, statement=statement)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return float(out.split()[-1])


def measure() -> dict:
    from transfer_mnist.core import describe_device
    from outputs import source_commit
    with tempfile.TemporaryDirectory() as tmp:
        try: import rfc3987_syntax  # noqa: F401
        except ImportError:
            uv = Path(sys.executable).parent/'uv'
            subprocess.run([str(uv), 'pip', 'install', '--quiet', '--target', tmp, '--no-deps', *PACKAGES], check=True)
        rows = {}
        for name, statement in IMPORTS.items():
            runs = {'with': [], 'without': []}
            for _ in range(ROUNDS):
                for side in runs: runs[side].append(round(cpu_seconds(statement, side == 'with', tmp), 2))
            medians = {side: statistics.median(v) for side, v in runs.items()}
            rows[name] = dict(statement=statement, runs=runs, median=medians, ratio=round(medians['without'] / medians['with'], 3))
    return dict(date=str(date.today()), device=describe_device(), commit=source_commit(('transfer_mnist',)), rounds=ROUNDS,
                packages=PACKAGES, imports=rows)


def table(result: dict) -> str:
    d = result['device']
    lines = [f"{result['date']}, {d['name']} ({', '.join(d.get('bf16_instructions') or ['no bfloat16 instructions'])}), "
             f"{d['cores']} cores: CPU seconds of a fresh process, medians of {result['rounds']} rounds",
             '| import | with rfc3987-syntax | without | ratio | saved |', '|---|---:|---:|---:|---:|']
    for name, r in result['imports'].items():
        m = r['median']
        lines.append(f"| `{r['statement']}` | {m['with']:.2f} | {m['without']:.2f} | {r['ratio']:.2f} | {m['with'] - m['without']:.2f} |")
    return '\n'.join(lines)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--table', action='store_true', help='only print the table of jsonschema_import.json')
    if not parser.parse_args().table:
        result_path.write_text(json.dumps(measure(), indent=1) + '\n')
    print(table(json.loads(result_path.read_text())))
