"""How long a class waits here: the lab notebook top to bottom in a fresh kernel, the "going further"
notebook, and nbgrader's autograde of one submission of the lab, on full MNIST and on the sample.

    .venv/bin/python benchmarks/class_times.py [--executed DIR]  # about 25 minutes on two cores; writes benchmarks/class_times.json

--autograde-only redoes only the autograde: on the notebooks' machine it replaces their autograde, and on another kind
of processor it keeps theirs and stores its own beside it (`autograde_elsewhere`, one entry a processor). --executed keeps the executed notebooks in DIR/full and DIR/sample (the full-MNIST ones, cleaned with nbdev_clean,
are the notebooks' committed outputs).

The notebooks run as the instructors' page says: `jupyter nbconvert --to notebook --execute` with the
execute timeout that page sets. The autograde runs nbgrader's own commands, with that page's configuration
(`transfer_mnist.grading.nbgrader_config`: the cells after the lab's last check are left out), in a course folder of its own:
`generate_assignment`, then `autograde` of one submission (the lab's solutions, answered as a student
would: the released notebook with each solution cell filled in), then `generate_feedback`.
nbs/13_instructors.ipynb shows the result.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from transfer_mnist.grading import nbgrader_config

root = Path(__file__).resolve().parent.parent
bin_dir = Path(sys.executable).parent
TIMEOUT = 600  # seconds a cell may take: nbgrader's and nbconvert's default is 30, the lab's runs take longer


def timed(command, env, cwd=None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start


def environment(data):
    env = {k: v for k, v in os.environ.items() if k != 'TRANSFER_MNIST_DATA'}
    env['PATH'] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"  # nbgrader runs alembic, from the environment's bin
    if data == 'sample': env['TRANSFER_MNIST_DATA'] = 'sample'
    return env  # full MNIST: the copy shipped with the package


def notebook_seconds(name, data, out) -> float:
    return timed([str(bin_dir/'jupyter'), 'nbconvert', '--to', 'notebook', '--execute', f'--ExecutePreprocessor.timeout={TIMEOUT}',
                  '--output-dir', str(out), str(root/'nbs'/name)], environment(data))


def solved_submission(release: Path, source: Path) -> nbformat.NotebookNode:
    "The released notebook with each solution cell answered by the source's solution (without nbgrader's markers)."
    answers = {c.metadata['nbgrader']['grade_id']: c.source for c in nbformat.read(source, as_version=4).cells
               if c.metadata.get('nbgrader', {}).get('solution')}
    nb = nbformat.read(release, as_version=4)
    for c in nb.cells:
        grade_id = c.metadata.get('nbgrader', {}).get('grade_id')
        if grade_id in answers:
            c.source = '\n'.join(l for l in answers[grade_id].splitlines() if l.strip() not in ('### BEGIN SOLUTION', '### END SOLUTION'))
    return nb


def autograde_seconds(data, course: Path) -> dict:
    env = environment(data)
    nbgrader = str(bin_dir/'nbgrader')
    seconds = timed([nbgrader, 'autograde', 'lab', '--force', '--create'], env, cwd=course)
    feedback = timed([nbgrader, 'generate_feedback', 'lab', '--force'], env, cwd=course)
    graded = nbformat.read(course/'autograded'/'student1'/'lab'/'10_lab.ipynb', as_version=4)
    errors = [c.metadata['nbgrader']['grade_id'] for c in graded.cells if c.cell_type == 'code'
              and c.metadata.get('nbgrader', {}).get('grade') and any(o.output_type == 'error' for o in c.outputs)]
    return dict(autograde_seconds=seconds, feedback_seconds=feedback, failed_checks=errors)


def main(executed=None, notebooks=True):
    out = root/'benchmarks'/'class_times.json'
    from transfer_mnist.core import describe_device
    device = describe_device()
    measured = dict(date=datetime.now(timezone.utc).isoformat(timespec='seconds'), cores=os.cpu_count(),
                    processor=device['name'], bf16_instructions=device.get('bf16_instructions'), timeout=TIMEOUT)
    kept = None if notebooks else json.loads(out.read_text())
    def same_kind(a, b):  # the same processor, and its bfloat16 instructions where both name them (older entries do not)
        flags = a.get('bf16_instructions'), b.get('bf16_instructions')
        return a['processor'] == b['processor'] and (None in flags or flags[0] == flags[1])
    elsewhere = kept is not None and not same_kind(kept['autograde_measured'], measured)
    if notebooks: result = dict(**measured, notebooks={}, autograde={})
    elif elsewhere:  # another kind of machine: its autograde goes beside the notebooks' machine's, one entry a processor
        result = {'measured': measured, 'autograde': {}}
    else: result = {**kept, 'autograde': {}}
    if not elsewhere: result['autograde_measured'] = measured  # when and where the autograde ran (the page reads it)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, data in (('10_lab.ipynb', 'full'), ('10_lab.ipynb', 'sample'), ('12_further.ipynb', 'full')) if notebooks else ():
            result['notebooks'][f'{name} on {data}'] = notebook_seconds(name, data, Path(executed or tmp/'executed')/data)
            print(name, data, f"{result['notebooks'][f'{name} on {data}']:.0f} s", flush=True)
            out.write_text(json.dumps(result, indent=1) + '\n')  # kept as it goes
        course = tmp/'course'
        (course/'source'/'lab').mkdir(parents=True)
        shutil.copy(root/'nbs'/'10_lab.ipynb', course/'source'/'lab')
        (course/'nbgrader_config.py').write_text(nbgrader_config(timeout=TIMEOUT))  # the instructors' page's configuration
        timed([str(bin_dir/'nbgrader'), 'generate_assignment', 'lab', '--force'], environment('full'), cwd=course)
        (course/'submitted'/'student1'/'lab').mkdir(parents=True)
        nbformat.write(solved_submission(course/'release'/'lab'/'10_lab.ipynb', root/'nbs'/'10_lab.ipynb'),
                       course/'submitted'/'student1'/'lab'/'10_lab.ipynb')
        for data in ('full', 'sample'):
            result['autograde'][data] = autograde_seconds(data, course)
            print('autograde', data, result['autograde'][data], flush=True)
    if elsewhere:
        others = [m for m in kept.get('autograde_elsewhere', []) if not same_kind(m['measured'], measured)]
        result = {**kept, 'autograde_elsewhere': others + [result]}
    out.write_text(json.dumps(result, indent=1) + '\n')
    print('wrote benchmarks/class_times.json')


if __name__ == '__main__':
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--executed', metavar='DIR', help='keep the executed notebooks in DIR/full and DIR/sample')
    parser.add_argument('--autograde-only', action='store_true', help="time only the autograde, keeping class_times.json's notebook times")
    args = parser.parse_args()
    main(args.executed, notebooks=not args.autograde_only)
