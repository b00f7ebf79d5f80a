"""Run the library notebooks' fast tests on the newest versions that settings.ini allows, and report at a glance.

    tools/dev newest    # makes .venv-newest with `uv pip install --upgrade -e .[dev]`, then runs this

A course installs from requirements-lock.txt, so an upstream release cannot break a class in the middle of
a term. This check shows such a release before the lock is refreshed: it lists what is newer than the lock
and whether the tests still pass with it. It reports and exits 0 either way (CI must not fail on someone
else's release); the word to look for is the first line's PASSED or FAILED.

It runs the fast tests, on the sample, of the notebooks of the library's core (loading and splitting the data,
the CNN builder, the freeze util, the training loop, saving and loading models) and of every notebook that reads a
name Keras keeps private (`keras_private`): the fast engine's FusedAdam, and the students' check_frozen. A Keras
release that drops such a name fails here, with a message naming it. The rest (the experiment, the command line,
the lessons) runs on the lock only, to keep CI's time down.
"""
import os
import re
import subprocess
import sys
import time
from pathlib import Path


CORE = ('00_data', '00a_core', '00b_fashion', '01_cnn', '02_freeze', '03_train', '03a_fast', '06_exercises', '07_save')  # whose fast tests this runs


def pins(text: str) -> dict:
    "name -> set of versions, from pip's `name==version` lines (a universal lock may pin two, by marker)."
    out = {}
    for name, version in re.findall(r'^([A-Za-z0-9._-]+)==([^\s;]+)', text, re.M):
        out.setdefault(re.sub(r'[-_.]+', '-', name).lower(), set()).add(version)
    return out


def main(venv: Path, lock: Path) -> int:
    locked = pins(lock.read_text())
    frozen = subprocess.run([str(venv/'bin'/'uv'), 'pip', 'freeze'], capture_output=True, text=True,
                            env={**os.environ, 'VIRTUAL_ENV': str(venv)}, check=True).stdout
    newest = pins(frozen)
    changed = [f'{name} {"/".join(sorted(locked[name]))} -> {version}' for name, versions in sorted(newest.items())
               for version in versions if name in locked and version not in locked[name]]
    notebooks = [Path('nbs')/f'{name}.ipynb' for name in CORE]
    start = time.perf_counter()
    run = subprocess.run([str(venv/'bin'/'nbdev_test'), '--path', 'nbs', '--file_re', '^(' + '|'.join(CORE) + r')\.ipynb$'],
                         capture_output=True, text=True, env={**os.environ, 'TRANSFER_MNIST_DATA': 'sample'})
    seconds = time.perf_counter() - start
    verdict = 'PASSED' if run.returncode == 0 else 'FAILED'
    print(f'==== newest versions check: {verdict}: the fast tests of {len(notebooks)} core notebooks ({", ".join(CORE)}), on the sample, '
          f'in {seconds:.0f} s ====')
    print('newer than the lock: ' + (', '.join(changed) if changed else 'nothing (the newest versions are the lock\'s)'))
    if run.returncode:
        print('what failed (the end of nbdev_test\'s output):')
        print('\n'.join((run.stdout + run.stderr).strip().splitlines()[-40:]))
        print('The lock still works: a course keeps installing it. Fix the code for the new release, or bound the '
              'requirement in settings.ini, then run tools/dev lock.')
    print('(this check reports; it never fails the run)')
    return 0


if __name__ == '__main__':
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
