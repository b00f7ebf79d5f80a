"""tools/test_notebooks.py, the test tier's notebook runner: the longest first, and a failure named and not hidden;
and the README's table of the tier's times, as benchmarks/suite_times.json measured them (suite_times.readme_table)."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

root = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root/'tools'))
from test_notebooks import longest_first, measured_seconds  # noqa: E402
sys.path.insert(0, str(root/'benchmarks'))
from suite_times import readme_table, this_machine  # noqa: E402


def test_the_longest_measured_go_first_and_the_unmeasured_before_them():
    files = [Path(n) for n in ('a.ipynb', 'b.ipynb', 'c.ipynb', 'new.ipynb')]
    order = longest_first(files, {'a.ipynb': 5, 'b.ipynb': 90, 'c.ipynb': 30})
    assert [f.name for f in order] == ['new.ipynb', 'b.ipynb', 'c.ipynb', 'a.ipynb']
    assert measured_seconds(root/'no-such-file.json') == {}


def test_the_order_comes_from_this_kind_of_machine(tmp_path):
    "Two machines of one name (an AMD EPYC with AVX-512, another with AVX2 only): the run of this one's instructions."
    here = this_machine()
    run = lambda seconds: {'tools/dev test': {'notebooks': {'a.ipynb': seconds}}}
    machines = [dict(here, instructions='other instructions', runs=run(1)), dict(here, runs=run(2))]
    (tmp_path/'times.json').write_text(json.dumps(dict(machines=machines)))
    assert measured_seconds(tmp_path/'times.json') == {'a.ipynb': 2}
    (tmp_path/'times.json').write_text(json.dumps(dict(machines=machines[:1])))
    assert measured_seconds(tmp_path/'times.json') == {'a.ipynb': 1}  # none of this kind: the first machine's


def test_a_failing_notebook_fails_the_run_by_name(tmp_path):
    for name, source in (('fails', "assert 1 == 2, 'on purpose'"), ('passes', 'x = 1')):
        nbformat.write(new_notebook(cells=[new_code_cell(source)]), tmp_path/f'{name}.ipynb')
    run = subprocess.run([sys.executable, str(root/'tools'/'test_notebooks.py'), '--path', str(tmp_path)],
                         capture_output=True, text=True, cwd=root, timeout=300)
    assert run.returncode == 1 and 'on purpose' in run.stderr, run.stderr[-2000:]
    assert run.stderr.rstrip().endswith('Notebooks that failed:\n\tfails.ipynb'), run.stderr[-500:]
    missing = subprocess.run([sys.executable, str(root/'tools'/'test_notebooks.py'), '--path', str(tmp_path/'nothing')],
                             capture_output=True, text=True, cwd=root, timeout=300)
    assert missing.returncode == 1 and f"No notebooks to test in {tmp_path/'nothing'}" in missing.stderr, missing.stderr


def test_the_readme_quotes_the_measured_suite_times():
    "The README's table of the test tier's times is benchmarks/suite_times.json's, word for word, a column a machine."
    measured = json.loads((root/'benchmarks'/'suite_times.json').read_text())['machines']
    table = readme_table(measured)
    assert table in (root/'README.md').read_text(), table
    assert len(table.splitlines()[0].split(' | ')) == 1 + len(measured)
