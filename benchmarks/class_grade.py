"""A class of the lab's submissions graded twice on this machine: by nbgrader's own autograde, one after another, and by
`transfer-mnist grade` (its local cluster: one worker process a core, each kernel in its sandbox).

    TRANSFER_MNIST_DATA=sample .venv/bin/python benchmarks/class_grade.py [--n 20] [--output FILE]

Every submission is the lab's source notebook (nbs/10_lab.ipynb), solved, so every one must score 6 of 6 both ways.
The two gradings run one after the other, each in a course folder of its own, made the same way. It writes the times,
the scores and the machine as JSON (benchmarks/class_grade.json), one entry a kind of machine (`same_device`): a run
replaces its own machine's entry and keeps the others. nbs/13_instructors.ipynb shows them, with what a class of 300
would take on more machines at each measured rate.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from transfer_mnist.class_grading import grade_class
from transfer_mnist.core import describe_device, same_device
from transfer_mnist.data import DATA_ENV
from transfer_mnist.grading import nbgrader_config, nbgrader_env

root = Path(__file__).resolve().parent.parent
nbgrader = str(Path(sys.executable).parent/'nbgrader')
env = nbgrader_env()


def lab_course(folder: Path, n: int) -> Path:
    "A course of the lab, released, with `n` solved submissions (student01, ...)."
    (folder/'source'/'lab').mkdir(parents=True)
    shutil.copy(root/'nbs'/'10_lab.ipynb', folder/'source'/'lab'/'10_lab.ipynb')
    (folder/'nbgrader_config.py').write_text(nbgrader_config('lab', timeout=600))
    subprocess.run([nbgrader, 'generate_assignment', 'lab'], cwd=folder, env=env, check=True, capture_output=True)
    for i in range(1, n + 1):
        (folder/'submitted'/f'student{i:02d}'/'lab').mkdir(parents=True)
        shutil.copy(folder/'source'/'lab'/'10_lab.ipynb', folder/'submitted'/f'student{i:02d}'/'lab'/'10_lab.ipynb')
    return folder


def scores(course: Path) -> dict:
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course/'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions('lab')}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--n', type=int, default=20)
    parser.add_argument('--output', type=Path, default=Path(__file__).with_name('class_grade.json'))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        serial, parallel = lab_course(Path(tmp)/'serial', args.n), lab_course(Path(tmp)/'parallel', args.n)
        start = time.perf_counter()
        subprocess.run([nbgrader, 'autograde', 'lab'], cwd=serial, env=env, check=True, capture_output=True)
        serial_seconds = time.perf_counter() - start
        print(f'nbgrader autograde, one after another: {serial_seconds:.0f} s', flush=True)
        start = time.perf_counter()
        ledger = grade_class(parallel, 'lab', log=lambda line: None)
        grade_seconds = time.perf_counter() - start
        print(f'transfer-mnist grade, {os.cpu_count()} workers: {grade_seconds:.0f} s', flush=True)
        by_nbgrader, by_grade = scores(serial), scores(parallel)
    assert set(by_nbgrader.values()) == {6.0} and by_grade == by_nbgrader, (by_nbgrader, by_grade)
    result = dict(date=datetime.now(timezone.utc).isoformat(timespec='seconds'), device=describe_device(),
                  data=os.environ.get(DATA_ENV, 'full MNIST') if os.environ.get(DATA_ENV) == 'sample' else 'full MNIST',
                  submissions=args.n, workers=os.cpu_count(), serial_seconds=serial_seconds, grade_seconds=grade_seconds,
                  grade_submission_seconds=sorted(r['seconds'] for r in ledger.values()), scores_equal=True)
    machines = json.loads(args.output.read_text())['machines'] if args.output.exists() else []
    machines = [m for m in machines if not same_device(m['device'], result['device'])] + [result]
    args.output.write_text(json.dumps(dict(machines=machines), indent=2) + '\n')
    print(f'wrote {args.output}: {serial_seconds / grade_seconds:.2f} times as fast')


if __name__ == '__main__':
    main()
