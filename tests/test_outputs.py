"""The outputs tier's command (tools/outputs.py, `tools/dev outputs`), on a small notebook of its own: it reruns a
notebook in a fresh kernel on full MNIST, stores the outputs and a record of what made them, never writes a notebook
that failed, and its staleness check names what changed since. A notebook is the wrong place: this drives a tool
that runs notebooks. The full-MNIST notebooks of nbs/ must each carry such a record, from full MNIST."""
import importlib.util
from pathlib import Path

import nbformat
import pytest
from conftest import named_full_mnist

root = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location('outputs', root/'tools'/'outputs.py')
outputs = importlib.util.module_from_spec(spec); spec.loader.exec_module(outputs)


def notebook(path: Path, *sources) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata['kernelspec'] = dict(name='python3', display_name='python3', language='python')
    nbformat.write(nb, path)
    return path


@pytest.fixture
def full_mnist(monkeypatch):
    "The tool's data check passes: $TRANSFER_MNIST_DATA names full MNIST (CI's copy) or is unset (the shipped one)."
    if not named_full_mnist(): monkeypatch.delenv('TRANSFER_MNIST_DATA', raising=False)


def test_a_rerun_stores_outputs_and_what_made_them(tmp_path, full_mnist, capsys):
    path = notebook(tmp_path/'lesson.ipynb', "from transfer_mnist.data import parse_digits\nprint(parse_digits('0-4'))",
                    '#| eval: false\nraise SystemExit("a cell marked eval: false must not run")')
    assert outputs.rerun([path]) == 0
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].outputs[0]['text'] == '(0, 1, 2, 3, 4)\n' and nb.cells[1].outputs == []
    made = nb.metadata['transfer_mnist']['outputs']
    from transfer_mnist.data import MNIST_MD5
    assert made['data'] == 'full MNIST' and tuple(made['data_md5']) == MNIST_MD5
    assert sorted(made['library']) == ['transfer_mnist/__init__.py', 'transfer_mnist/data.py']  # what the run imported
    assert len(made['commit'].split()[0]) == 40 and made['processor'] and made['seconds'] > 0
    assert outputs.staleness(path) == []

    nb.cells[0].source += '\nprint(2)'  # the notebook's code changes: its outputs are stale
    nbformat.write(nb, path)
    assert outputs.staleness(path)[0].startswith('its own code changed since its outputs were made')
    nb.cells[0].source = nb.cells[0].source.rsplit('\n', 1)[0]
    nb.metadata['transfer_mnist']['outputs']['library']['transfer_mnist/data.py'] = '0' * 64  # as if data.py changed since
    nbformat.write(nb, path)
    assert outputs.staleness(path) == [f"transfer_mnist/data.py changed since its outputs were made "
                                       f"(commit {made['commit'][:12]}, {made['date']})"]
    outputs.report_stale()  # names only the notebooks of nbs/; it never fails
    assert outputs.staleness(notebook(tmp_path/'never-run.ipynb', 'print(1)')) == ['no record of what made its outputs']


def test_a_record_follows_the_code_not_nbdevs_cell_markers(tmp_path, full_mnist, capsys):
    "Splitting an export cell moves only nbdev's `# %%` markers and blank lines: the digest, and the record, stay."
    one = tmp_path/'one.py'; one.write_text('# %% ../nbs/x.ipynb #a1\nA = 1\n\ndef f(): return A\n')
    two = tmp_path/'two.py'; two.write_text('# %% ../nbs/x.ipynb #a1\nA = 1\n\n# %% ../nbs/x.ipynb #b2\ndef f(): return A\n')
    other = tmp_path/'other.py'; other.write_text('# %% ../nbs/x.ipynb #a1\nA = 2\n\ndef f(): return A\n')
    assert outputs.library_digest(one) == outputs.library_digest(two) != outputs.library_digest(other)
    # a record made before digests of code lines (its digests of whole files) is stale: its outputs are made again
    path = notebook(tmp_path/'lesson.ipynb', "from transfer_mnist.data import parse_digits\nprint(parse_digits('0-4'))")
    assert outputs.rerun([path]) == 0
    nb = nbformat.read(path, as_version=4)
    made = nb.metadata['transfer_mnist']['outputs']
    assert made['library_digest'] == outputs.DIGEST and outputs.staleness(path) == []
    made.pop('library_digest'); nbformat.write(nb, path)
    assert outputs.staleness(path)[0].endswith('holds digests of whole files, from before digests of code lines: its outputs must be made again')


def test_a_failing_notebook_is_left_as_it_was(tmp_path, full_mnist, capsys):
    "Nothing of a failed run is kept: not the notebook's new outputs, nor the numbers its lesson stored before the failure."
    from transfer_mnist.experiment import LESSONS_DIR
    stored = LESSONS_DIR/'test-failing-lesson.json'
    path = notebook(tmp_path/'test-failing-lesson.ipynb', 'print("first")',
                    "from transfer_mnist.experiment import full_mnist_numbers\n"
                    "full_mnist_numbers('test-failing-lesson', 'part', dict(accuracy=0.5), full=True)",
                    'raise ValueError("a broken cell")')
    before = path.read_text()
    try: assert outputs.rerun([path]) == 1
    finally: leftover = stored.exists(); stored.unlink(missing_ok=True)
    assert not leftover, f'{stored} was kept after the run failed'
    assert path.read_text() == before and sorted(p.name for p in tmp_path.iterdir()) == ['test-failing-lesson.ipynb']
    out = capsys.readouterr().out
    assert 'FAILED: ' in out and 'a broken cell' in out and '1 notebook(s) failed: test-failing-lesson.ipynb' in out


def test_wrong_arguments_stop_at_once(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop: outputs.main([str(tmp_path/'nowhere.ipynb')])
    assert stop.value.code == 2 and 'not a notebook in nbs/' in capsys.readouterr().err


@pytest.mark.parametrize('path', outputs.full_mnist_notebooks(), ids=lambda p: p.name)
def test_every_full_mnist_notebook_records_its_full_mnist_run(path):
    "Stale outputs are named, not failed (tools/dev test prints them); a full-MNIST notebook with no record fails."
    from transfer_mnist.data import MNIST_MD5
    made = nbformat.read(path, as_version=4).metadata.get('transfer_mnist', {}).get('outputs')
    assert made, f'{path.name} has no record of what made its outputs: run tools/dev outputs nbs/{path.name}'
    assert tuple(made['data_md5']) == MNIST_MD5 and made['library'], made
