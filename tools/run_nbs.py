"""Run notebooks top to bottom in a fresh shell and save them with their outputs.

    .venv/bin/python tools/run_nbs.py nbs/03_train.ipynb [...]

Uses execnb, the engine nbdev_test uses, so cells run as under the tests, except that cells flagged
for tests (such as `#| slow`) run too: the saved outputs come from the full run. Cells marked
`#| eval: false` are skipped. Each notebook runs in its own process (a fresh kernel) from nbs/;
set TRANSFER_MNIST_DATA to an absolute path for the full-MNIST cells. Run nbdev_clean afterwards.

execnb appends a display's updates as new outputs, where Jupyter replaces them: run the notebooks that show
live progress (`Progress`: 04, 09, 10, 11, 12, 13) with `jupyter nbconvert --to notebook --execute --inplace`
instead, or they would keep every update.
"""
import subprocess
import sys
from pathlib import Path


def _skip(cell):
    if cell.cell_type != 'code': return True
    directives = [l[2:].replace(' ', '').lower() for l in cell.source.splitlines() if l.startswith('#|')]
    return 'eval:false' in directives


def run_one(path: Path):
    import os
    from execnb.shell import CaptureShell
    os.chdir(path.parent)  # as nbdev_test does: relative paths in a notebook start from its folder
    # figures as plain PNGs at the size they are drawn (a page's width), not execnb's default of twice that
    # ('retina'): the pages look the same, and the notebooks weigh a third
    shell = CaptureShell(mpl_format='png')
    try: shell.execute(path, path, exc_stop=True, preproc=_skip)
    except Exception:
        sys.stderr.write(shell.prettytb(fname=path) + '\n')
        sys.exit(1)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--one':
        run_one(Path(sys.argv[2]).resolve())
    else:
        for nb in sys.argv[1:]:
            print(f'running {nb}', flush=True)
            subprocess.run([sys.executable, __file__, '--one', nb], check=True)
