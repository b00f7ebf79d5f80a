"""The outputs tier: rerun notebooks on full MNIST, store their outputs and a record of what made them.

    tools/dev outputs [NOTEBOOK ...]   # rerun these (default: every full-MNIST notebook) and store their outputs
    tools/dev outputs --stale          # name the notebooks whose stored outputs are out of date

Rerun any notebook you change with it: it is how every notebook's stored outputs are made.

The test tier (`tools/dev test`) runs every notebook on the sample, in minutes. The outputs a reader sees
come from full MNIST: a lesson (a notebook that exports no module) and any notebook with a `#| slow` cell
are *full-MNIST notebooks*, and this command makes their outputs. It runs each top to bottom in a fresh
Jupyter kernel (nbclient, which updates a live display in place as JupyterLab does), from nbs/, on full
MNIST: `$TRANSFER_MNIST_DATA` if it names MNIST's own files, else the copy shipped with the package. Every
cell runs, `#| slow` and `#| notest` ones included, except those marked `#| eval: false`, so the notebook's own full-MNIST
assertions are checked on this run. A lesson that quotes numbers stores them for the test tier
(`transfer_mnist.experiment.full_mnist_numbers`). Only a notebook whose every cell ran is written, then
cleaned (nbdev_clean); a failing one is left as it was, and the command exits 1.

The notebook's metadata records what made its outputs, under `transfer_mnist.outputs`: the data (its four
MD5 checksums), the library's commit, a SHA-256 of the code of each library file the run imported (without
nbdev's cell markers and blank lines: splitting an export cell changes no output) and of the notebook's own code, the processor, the time it took. `--stale` compares those with the files of today and
names, in a banner, every notebook whose code or library code changed since, and every full-MNIST notebook
without a record (it never fails the run: whoever changed that code reruns the notebooks it names with this
command before calling the change done).
"""
import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat

root = Path(__file__).resolve().parent.parent
nbs = root/'nbs'
KEY = 'transfer_mnist'  # the notebook metadata key (settings.ini's allowed_metadata_keys keeps it through nbdev_clean)
# the kernel, after the last cell: which files of the library the run imported
IMPORTED = ("import json as _j, sys as _s; print(_j.dumps(sorted({m.__file__ for n, m in list(_s.modules.items()) "
            "if n.split('.')[0] == 'transfer_mnist' and getattr(m, '__file__', None)})))")


def directives(cell) -> list:
    return [l[2:].replace(' ', '').lower() for l in cell.source.splitlines() if l.startswith('#|')]


def is_full_mnist_notebook(path: Path) -> bool:
    "A lesson (no `#| default_exp`; not the index) or a notebook with a `#| slow` cell: its outputs come from full MNIST."
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == 'code']
    exports = any(d.startswith('default_exp') for c in code for d in directives(c))
    return (path.stem != 'index' and not exports) or any('slow' in directives(c) for c in code)


def full_mnist_notebooks() -> list:
    return [p for p in sorted(nbs.glob('*.ipynb')) if is_full_mnist_notebook(p)]


def sha256(data: bytes) -> str: return hashlib.sha256(data).hexdigest()


def library_digest(path: Path) -> str:
    """A SHA-256 of a library file's code: its lines without nbdev's cell markers (`# %% ...`) and blank lines. Splitting
    an export cell in two, or joining two, moves only those; the code, and so the outputs it makes, stay the same."""
    lines = [l for l in path.read_text().splitlines() if l.strip() and not l.startswith('# %%')]
    return sha256('\n'.join(lines).encode())


DIGEST = 'code lines'  # how a record's library digests are made: a record without it predates them, and is stale


def code_hash(nb) -> str:
    "A SHA-256 of the notebook's code cells, in order: what its outputs depend on within the notebook."
    return sha256(json.dumps([c.source for c in nb.cells if c.cell_type == 'code']).encode())


def git(*args) -> str:
    return subprocess.run(['git', *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def full_mnist_source() -> list:
    "The MD5s of the data the notebooks will load (`load_mnist()`): MNIST's own, or the command stops."
    from transfer_mnist.data import DATA_ENV, MNIST_MD5, is_mnist, load_mnist
    if not is_mnist(load_mnist()):
        sys.exit(f"tools/dev outputs: ${DATA_ENV}={os.environ.get(DATA_ENV)!r} is not full MNIST (its checksums are not MNIST's): "
                 f"the stored outputs must come from full MNIST. Unset it (the package ships MNIST) or name a folder of "
                 f"MNIST's four files.")
    return list(MNIST_MD5)  # is_mnist compared each file's MD5 with these


def execute(path: Path, record_env: str):
    """Run the notebook at `path` in a fresh kernel, from its folder; return (the notebook with its new outputs, the
    library files the run imported, seconds), or raise nbclient's CellExecutionError at the first failing cell."""
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == 'code': cell.outputs, cell.execution_count = [], None
    client = NotebookClient(nb, timeout=None, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    os.environ[record_env] = path.stem  # full_mnist_numbers stores the lesson's numbers on this run only
    start = time.perf_counter()
    try:
        with client.setup_kernel():
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == 'code' and 'eval:false' not in directives(cell): client.execute_cell(cell, i)
            probe = nbformat.v4.new_code_cell(IMPORTED)
            nb.cells.append(probe)  # nbclient writes a cell back into the notebook: in it for the while
            try: client.execute_cell(probe, len(nb.cells) - 1)
            finally: nb.cells.pop()
    finally: os.environ.pop(record_env, None)
    seconds = time.perf_counter() - start
    files = json.loads(''.join(o.get('text', '') for o in probe.outputs if o.output_type == 'stream'))
    return nb, [Path(f).resolve() for f in files], seconds


# nbdev's index of names, imported by show_doc: it changes whenever a name is added anywhere, and no output depends on it
NOT_CODE = {'transfer_mnist/_modidx.py'}


def source_commit(code=('transfer_mnist', 'nbs')) -> str:
    """The commit the runs' code comes from, marked if the folders of `code` (the library and the notebooks) differ from it.
    Taken before the first run: each stored run changes its notebook (and its stored numbers), which are not the code the
    next run executes."""
    changed = git('status', '--porcelain', '--', *code)
    return git('rev-parse', 'HEAD') + (' with uncommitted changes' if changed else '')


def record(nb, library: list, md5s: list, seconds: float, processor: str, commit: str) -> dict:
    "What made these outputs, for the notebook's metadata."
    library = sorted(f for p in library if p.is_relative_to(root) and (f := str(p.relative_to(root))) not in NOT_CODE)
    return dict(data='full MNIST', data_md5=md5s, commit=commit,
                library={f: library_digest(root/f) for f in library}, library_digest=DIGEST, notebook_code=code_hash(nb),
                processor=processor, cores=os.cpu_count(), seconds=round(seconds, 1),
                date=datetime.date.today().isoformat())


def shown(path: Path) -> str: return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def rerun(paths: list) -> int:
    from transfer_mnist.core import describe_device
    from transfer_mnist.experiment import LESSONS_DIR, RECORD_ENV
    from nbclient.exceptions import CellExecutionError
    md5s, processor, commit = full_mnist_source(), describe_device()['name'], source_commit()
    failed = []
    for path in paths:
        print(f'running {shown(path)} on full MNIST ...', flush=True)
        numbers = LESSONS_DIR/f'{path.stem}.json'  # the numbers the lesson stores as it runs (full_mnist_numbers)
        kept = numbers.read_bytes() if numbers.exists() else None
        try: nb, library, seconds = execute(path, RECORD_ENV)
        except CellExecutionError as e:
            # the notebook stays as it was, and so do its stored numbers: a failed run changes nothing
            if kept is None: numbers.unlink(missing_ok=True)
            else: numbers.write_bytes(kept)
            print(f'FAILED: {shown(path)} (its stored outputs are unchanged):\n{e}', flush=True)
            failed.append(path); continue
        nb.metadata[KEY] = dict(outputs=record(nb, library, md5s, seconds, processor, commit))
        tmp = path.with_name(f'.{path.name}.tmp')
        nbformat.write(nb, tmp); tmp.replace(path)
        subprocess.run([str(Path(sys.executable).parent/'nbdev_clean'), '--fname', str(path)], cwd=root, check=True)
        print(f'stored {shown(path)}: {seconds:.0f} s on {processor}', flush=True)
    if failed: print(f"{len(failed)} notebook(s) failed: {', '.join(p.name for p in failed)}")
    return 1 if failed else 0


def staleness(path: Path) -> list:
    "Why the stored outputs of the notebook at `path` are out of date: [] when they are not."
    nb = nbformat.read(path, as_version=4)
    made = nb.metadata.get(KEY, {}).get('outputs')
    if not made: return ['no record of what made its outputs']
    if made.get('library_digest') != DIGEST:
        return [f"its record (commit {made['commit'][:12]}, {made['date']}) holds digests of whole files, from before "
                'digests of code lines: its outputs must be made again']
    why = []
    if made['notebook_code'] != code_hash(nb): why.append('its own code changed')
    for f, digest in made['library'].items():
        if f in NOT_CODE: continue
        if not (root/f).exists(): why.append(f'{f} is gone')
        elif library_digest(root/f) != digest: why.append(f'{f} changed')
    return [w + f" since its outputs were made (commit {made['commit'][:12]}, {made['date']})" for w in why]


def has_record(path: Path) -> bool: return bool(nbformat.read(path, as_version=4).metadata.get(KEY, {}).get('outputs'))


def report_stale() -> int:
    checked = [p for p in sorted(nbs.glob('*.ipynb')) if is_full_mnist_notebook(p) or has_record(p)]
    stale = {p: why for p in checked if (why := staleness(p))}
    if not stale:
        print(f'stored outputs: all {len(checked)} notebooks with a record (the full-MNIST ones among them) are up to date with their code')
        return 0
    bar = '=' * 100
    print(f'{bar}\nSTALE OUTPUTS: {len(stale)} notebook(s) show outputs older than the code they run:')
    for p, why in stale.items():
        for w in why: print(f'  {shown(p)}: {w}')
    print(f"Rerun them on full MNIST and commit what changed:\n  tools/dev outputs {' '.join(shown(p) for p in stale)}\n{bar}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='tools/dev outputs', description=__doc__.split('\n\n')[0])
    parser.add_argument('notebooks', nargs='*', type=Path, help='notebooks to rerun (default: every full-MNIST notebook)')
    parser.add_argument('--stale', action='store_true', help='only name the notebooks whose stored outputs are out of date')
    args = parser.parse_args(argv)
    if args.stale: return report_stale()
    paths = [p.resolve() for p in args.notebooks] or full_mnist_notebooks()
    for p in paths:
        if not p.is_file() or p.suffix != '.ipynb' or p.parent != nbs:
            parser.error(f'{p}: not a notebook in nbs/ (give paths like nbs/10_lab.ipynb)')
    return rerun(paths)


if __name__ == '__main__':
    sys.exit(main())
