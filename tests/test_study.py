"""End to end: `transfer-mnist study --quick` on a small cut of MNIST (conftest.small_mnist), then a real Ctrl-C and a resume.

The study saves its progress after every training; this test checks that a study stopped by a real SIGINT
keeps what finished, that the same command resumes it without training anything twice, and that the resumed
study is whole: every training, the files, the table. (That a resumed study gives exactly the numbers of an
uninterrupted one, each training depending only on its seed and the saved base networks, is checked in the
study notebook, in-process: one quick study fewer here. So is the refusal of a folder that holds a study with
other settings; the command line turns that refusal into one line and exit 2 as it does for the sizes, which
05_cli checks: one more process fewer here.)
"""
import json
import signal
import subprocess

from conftest import SMALL_PER_DIGIT
from test_cli import SMALL_LABEL, COMMAND, run

FILES = ['baseA-seed0.keras', 'baseB-seed0.keras', 'data_efficiency.png', 'study.json', 'study.md', 'transferability.png']
JOBS = 2 + 3 * 4 + 2 * 3  # the bases; AnB, AnB+, BnB, BnB+ at 3 cuts; scratch, frozen, fine-tuned at 2 subset sizes


def test_quick_study_interrupted_then_resumed(tmp_path, small_mnist):
    stopped = tmp_path/'stopped'
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # see test_cli.test_ctrl_c_keeps_what_finished
    try:
        proc = subprocess.Popen([str(COMMAND), 'study', '--quick', '--data', str(small_mnist), '--output', str(stopped)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally: signal.signal(signal.SIGINT, previous)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith('[5/'): break
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert 'run the same command again to resume' in rest
    saved = json.loads((stopped/'study.json').read_text())
    assert saved['interrupted'] is True and 5 <= len(saved['runs']) < JOBS
    assert len(saved['runs']) + len(saved['not_run']) == JOBS
    assert not list(stopped.glob('*.tmp')) and not list(stopped.glob('.*'))

    again = run('study', '--quick', '--data', str(small_mnist), '--output', str(stopped))
    assert again.returncode == 0, again.stderr
    assert f"resuming the study in {stopped}: {len(saved['runs'])} trainings already done" in again.stdout
    trained = [l for l in again.stdout.splitlines() if l.startswith('[')]
    assert len(trained) == JOBS - len(saved['runs'])  # nothing finished trains twice
    assert sorted(p.name for p in stopped.iterdir()) == FILES
    study = json.loads((stopped/'study.json').read_text())
    assert study['data'] == SMALL_LABEL and study['interrupted'] is False and study['not_run'] == []
    assert len(study['runs']) == JOBS and study['settings']['sizes'] == [10, 100, 5 * SMALL_PER_DIGIT[0]]
    accuracies = lambda s: {(r['variant'], r['n'], r['size'], r['seed']): r['test_accuracy'] for r in s['runs']}
    now = accuracies(study)
    assert all(now[key] == accuracy for key, accuracy in accuracies(saved).items())  # what finished before is kept as it was
    assert set(study['transferability']) == {'baseB', 'AnB', 'AnB+', 'BnB', 'BnB+'}
    assert set(study['efficiency']) == {'scratch', 'frozen', 'finetuned'}
    assert str(tmp_path) not in (stopped/'study.json').read_text()  # no path of this machine in a publishable result
    assert f'[{JOBS}/{JOBS}]' in again.stdout and '| n | copied layers | AnB | AnB+ | BnB | BnB+ |' in again.stdout
