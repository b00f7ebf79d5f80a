"""End to end: `transfer-mnist grade` on a real Dask scheduler and two workers, on loopback.

The class grading's own notebook (nbs/06b_class_grading.ipynb) grades the demo class on the embedded local cluster and
checks each attack there, a rerun and the wrong arguments (nbs/05_cli.ipynb); here the command line grades it through a
scheduler given by its address, as a course on a university's cluster would.
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
from transfer_mnist.class_grading import DEMO_ANSWERS, demo_course

bin_dir = Path(sys.executable).parent
CLASS = ['honest', 'crash']  # one a worker: graded, and failed (the notebook meets every attack and limit on a local cluster)


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


def test_grade_through_a_scheduler(tmp_path, cluster):
    course = demo_course(tmp_path/'course', {s: DEMO_ANSWERS[s] for s in CLASS})
    r = run('grade', str(course), 'ex', '--scheduler', cluster)
    assert r.returncode == 0, r.stderr
    ledger = json.loads((course/'grades'/'ex.json').read_text())
    assert {s: ledger[s]['score'] for s in CLASS} == {'honest': 2.0, 'crash': 0.0}
    assert ledger['crash']['reason'].startswith('its kernel died')
    assert 'graded 1 of 2, failed 1' in r.stdout, r.stdout
    csv = (course/'grades'/'ex.csv').read_text().splitlines()
    assert csv[0] == 'student,status,score,max_score,seconds,reason' and len(csv) == 1 + len(CLASS)

