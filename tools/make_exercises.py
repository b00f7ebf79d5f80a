"""Make the student notebooks shipped in transfer_mnist/student/ from the lessons in nbs/.

A lesson is any notebook in nbs/ with an exercise (a cell marked as an nbgrader solution cell);
its student version (see transfer_mnist.handouts.student_notebook) is written under the same name.
Student notebooks whose lesson is gone or has no exercise any more are removed.
`tools/dev sync` runs this; `tools/dev check` (CI) runs it too and fails when it changed a file.
"""
from pathlib import Path

import nbformat

from transfer_mnist.core import atomic_write
from transfer_mnist.handouts import STUDENT_DIR, has_exercises, student_notebook

root = Path(__file__).resolve().parent.parent


def main():
    STUDENT_DIR.mkdir(exist_ok=True)
    made = set()
    for path in sorted((root / 'nbs').glob('*.ipynb')):
        nb = nbformat.read(path, as_version=4)
        if not has_exercises(nb): continue
        text = nbformat.writes(student_notebook(nb)) + '\n'
        target = STUDENT_DIR / path.name
        made.add(target.name)
        if not target.exists() or target.read_text(encoding='utf-8') != text:
            with atomic_write(target, 'w') as f: f.write(text)
            print(f'wrote {target.relative_to(root)}')
    for stale in STUDENT_DIR.glob('*.ipynb'):
        if stale.name not in made:
            stale.unlink(); print(f'removed {stale.relative_to(root)}')


if __name__ == '__main__':
    main()
