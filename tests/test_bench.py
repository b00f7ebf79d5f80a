"""End to end: `transfer-mnist bench --quick`, the benchmark's check mode, as CI runs it.

It times the lab's experiment on a small cut of MNIST (conftest.small_mnist), one seed, float32, with the
fast engine. The benchmark notebook runs `time_lab` itself, in-process; the command line notebook checks the
command's wrong arguments, in-process. The times are not judged here (a timing gate on a noisy machine tells
nothing), only that each run ran, was timed and reported, and that the JSON holds what the table shows and no
path of this machine.
"""
import json

import pytest

from test_cli import SMALL_LABEL, run


def test_quick_bench_times_the_lab_and_writes_json(tmp_path, small_mnist):
    out = tmp_path/'bench.json'
    r = run('bench', '--quick', '--engine', 'fast', '--data', str(small_mnist), '--output', str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    result = json.loads(text)
    assert result['data'] == SMALL_LABEL and result['settings']['seeds'] == [0] and result['settings']['epochs'] == 1
    assert str(tmp_path) not in text and str(small_mnist.parent) not in text and result['device']['kind'] in ('CPU', 'GPU')
    assert [(row['engine'], row['precision']) for row in result['rows']] == [('fast', 'float32')]
    for row in result['rows']:
        assert sorted(row['approaches']) == ['base', 'finetuned', 'frozen', 'reference', 'scratch'], row
        training = sum(a['train_seconds_median'] for a in row['approaches'].values())
        assert 0 < training < row['wall_seconds'], row  # the process's wall time holds every training and more
        assert all(0.1 < a['test_accuracy_mean'] <= 1 for a in row['approaches'].values()), row
        # the ratio the table prints, from the same trainings (one seed: the ratio of their times); not a speed bound,
        # which a loaded machine breaks (the tier runs notebooks beside it): speed is the benchmarks' job
        seconds = {a: row['approaches'][a]['train_seconds_median'] for a in ('frozen', 'scratch')}
        assert row['frozen_vs_scratch'] == pytest.approx(seconds['frozen'] / seconds['scratch'], rel=1e-6), row
        assert f"| {row['engine']} | float32 |" in r.stdout
    assert 0.40 < result['frozen_work_vs_scratch'] < 0.46
    assert '| frozen / scratch |' in r.stdout and 'Mean test accuracy' in r.stdout and f'wrote {out}' in r.stdout
