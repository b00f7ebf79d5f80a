"""The test tier's notebooks: nbdev's own `test_nb` on each, on parallel workers as `nbdev_test` runs them, but the
longest first.

`nbdev_test` starts the notebooks in the order of their names, and the lessons, numbered last, take longest: the
last of them ran alone while the other worker had nothing left to do. Here each notebook's seconds from the last
committed fresh-clone run (`benchmarks/suite_times.json`, written by `benchmarks/suite_times.py`) set the order,
longest first, and a notebook not measured there goes first (it may be long). There is one worker more than the
cores, each process with one TensorFlow thread (tools/dev test sets it): pytest's stream runs beside them, and the
last notebooks end closer together. The order and the workers change how long the tier takes, never what it tests.
The options are `nbdev_test`'s.
"""
import json
import math
import os
import sys
from pathlib import Path

from fastcore.parallel import parallel
from fastcore.script import call_parse
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import test_nb

root = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root/'benchmarks'))
from suite_times import same_kind, this_machine  # noqa: E402  (the machine, as suite_times.json names it)
MEASURED = root/'benchmarks'/'suite_times.json'


def measured_seconds(path=MEASURED) -> dict:
    """Each notebook's seconds in the measured `tools/dev test` run of this kind of machine (`same_kind`: two AMD EPYCs
    may differ in their instruction sets), else the first machine's ({} if none)."""
    try: machines = json.loads(Path(path).read_text())['machines']
    except (OSError, ValueError, KeyError): return {}
    here = this_machine() if Path('/proc/cpuinfo').exists() else None
    machine = next((m for m in machines if here and same_kind(m, here)), machines[0] if machines else {})
    return machine.get('runs', {}).get('tools/dev test', {}).get('notebooks', {})


def longest_first(files, seconds) -> list:
    "The notebooks, the longest measured first; those not measured before all, by name."
    return sorted(files, key=lambda f: (-seconds.get(f.name, math.inf), f.name))


@call_parse
def main(path:str=None, # a notebook or folder of them (default: nbs)
         flags:str='', # space-separated test flags to run that are normally skipped (as `nbdev_test --flags`)
         n_workers:int=None, # parallel workers (default: one more than the cores, at most 8: a notebook at times waits on a subprocess)
         file_re:str=None, # only the notebooks whose name matches this regular expression
         timing:bool=False, # print each notebook's seconds, the longest first
         do_print:bool=False, # print the start and end of each notebook
        ):
    "Test the notebooks in parallel, the longest first; exit 1 naming those that failed."
    cfg = get_config()
    files = longest_first([f.absolute() for f in nbglob(path, as_path=True, file_re=file_re)], measured_seconds())
    if not files: sys.exit(f"No notebooks to test in {path or cfg.nbs_path}{f' matching {file_re!r}' if file_re else ''}: "
                           'name a notebook, or a folder of them, with --path.')
    if n_workers is None: n_workers = 0 if len(files) == 1 else min(len(files), 8, os.cpu_count() + 1)
    with working_directory(cfg.nbs_path):
        results = parallel(test_nb, files, skip_flags=cfg.tst_flags.split(), force_flags=flags.split(), n_workers=n_workers,
                           basepath=cfg.config_path, do_print=do_print)
    if timing:
        for f, (_, secs) in sorted(zip(files, results), key=lambda o: -o[1][1]): print(f'{f.name}: {int(secs)} secs')
    failed = [f.name for f, (passed, _) in zip(files, results) if not passed]
    if failed: sys.exit('Notebooks that failed:\n\t' + '\n\t'.join(failed))
    print('Success.')
