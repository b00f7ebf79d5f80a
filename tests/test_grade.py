"""End to end: `transfer-mnist grade` on a real Dask scheduler and two workers, on loopback.

The class grading's own notebook (nbs/06b_class_grading.ipynb) grades the demo class on the embedded local cluster and
checks each attack there, and nbgrader's own scores beside it; 05_cli checks the wrong arguments. Here the command line
grades the same class, every attack in it, through a scheduler given by its address, as a course on a university's
cluster would, then grades it again: nothing is graded twice.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_cli import run

pytest.importorskip('distributed')
import nbformat
from transfer_mnist.class_grading import DEMO_ANSWERS, DEMO_LIMITS, HAND_IN, demo_course, hand_in

bin_dir = Path(sys.executable).parent
LIMITS = [f'--{name.replace("_", "-")}={getattr(DEMO_LIMITS, name):g}' for name in ('seconds', 'memory_gb', 'disk_mb')]  # as 06b's


@pytest.fixture
def cluster(tmp_path):
    "A `dask scheduler` and two `dask worker` processes on 127.0.0.1; yields the scheduler's address."
    address_file = tmp_path/'scheduler.json'
    env = {**os.environ, 'DASK_DISTRIBUTED__WORKER__DAEMON': 'False'}
    procs = [subprocess.Popen([str(bin_dir/'dask'), 'scheduler', '--host', '127.0.0.1', '--port', '0', '--no-dashboard',
                               '--scheduler-file', str(address_file)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(300):
            if address_file.exists() and address_file.read_text().strip(): break
            time.sleep(0.1)
        address = json.loads(address_file.read_text())['address']
        procs += [subprocess.Popen([str(bin_dir/'dask'), 'worker', address, '--host', '127.0.0.1', '--nworkers', '1',
                                    '--nthreads', '1', '--memory-limit', '0', '--no-dashboard'],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        yield address
    finally:
        for p in reversed(procs): p.terminate()
        for p in procs: p.wait(timeout=30)


def test_a_hostile_class_through_a_scheduler(tmp_path, cluster):
    course = demo_course(tmp_path/'course')
    hand_in('demo.answer', course/'submitted'/'faker'/'ex'/HAND_IN, answer=42)  # the faker brings a hand-in made beforehand
    r = run('grade', str(course), 'ex', '--scheduler', cluster, *LIMITS)
    assert r.returncode == 0, r.stderr
    ledger = json.loads((course/'grades'/'ex.json').read_text())
    # the honest answers score what nbgrader gives them (06b); the attacks score nothing, nor change anyone's score
    # (each score beside its reason, so that a failure says why)
    scored = {s: (ledger[s]['score'], ledger[s]['reason'].split(':')[0]) for s in DEMO_ANSWERS}
    assert scored == {'honest': (2.0, ''), 'snoop': (2.0, ''), 'wrong': (0.0, ''), 'forger': (0.0, ''), 'hang': (0.0, 'time limit'),
                      'hog': (0.0, 'memory limit'), 'filler': (0.0, 'disk limit'), 'faker': (0.0, 'judged outside the kernel, scored 0'),
                      'crash': (0.0, 'its kernel died (it crashed, or exited)')}, {s: (ledger[s]['score'], ledger[s]['reason']) for s in DEMO_ANSWERS}
    snooped = nbformat.read(course/'autograded'/'snoop'/'ex'/'ex.ipynb', as_version=4).cells[0].outputs[0].text
    assert snooped.strip() == '[]', snooped  # no other student's work
    assert sorted(p.name for p in (course/'autograded').iterdir()) == ['faker', 'forger', 'honest', 'snoop', 'wrong']
    assert 'graded 5 of 9, failed 4' in r.stdout, r.stdout
    csv = (course/'grades'/'ex.csv').read_text().splitlines()
    assert csv[0] == 'student,status,score,max_score,seconds,reason' and len(csv) == 1 + len(DEMO_ANSWERS)
    # a rerun, as after a lost worker: only what is missing (here nothing), and the ledger as it was
    again = run('grade', str(course), 'ex', '--scheduler', cluster, *LIMITS)
    assert again.returncode == 0, again.stderr
    assert '9 submissions of ex: 0 to grade, 9 graded before' in again.stdout, again.stdout
    assert json.loads((course/'grades'/'ex.json').read_text()) == ledger
