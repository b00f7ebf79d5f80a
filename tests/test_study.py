"""End to end: `transfer-mnist study --quick --far` on small cuts of MNIST and of Fashion-MNIST (conftest.small_mnist,
small_fashion), killed (SIGKILL), resumed and stopped by a real Ctrl-C, then resumed to the end.

The study saves its progress after every training; this test checks that a study killed, or stopped by a real SIGINT,
keeps what finished, that the same command resumes it without training anything twice, and that the resumed
study is whole: every training, the files, the table. (That a resumed study gives exactly the numbers of an
uninterrupted one, each training depending only on its seed and the saved base networks, is checked in the
study notebook, in-process: one quick study fewer here. So is the refusal of a folder that holds a study with
other settings; the command line turns that refusal into one line and exit 2 as it does for the sizes, which
05_cli checks: one more process fewer here.) It is the far task's study: B from Fashion-MNIST, A from MNIST, the
command's every data path; the study notebook checks the near one in-process, and that the two differ only in B.
"""
import json
import signal
import subprocess

from conftest import SMALL_PER_DIGIT
from test_cli import SMALL_LABEL, COMMAND, run

FILES = ['baseA-seed0.keras', 'baseB-seed0.keras', 'data_efficiency.png', 'study.json', 'study.md', 'transferability.png']
JOBS = 2 + 3 * 4 + 2 * 4  # the bases; AnB, AnB+, BnB, BnB+ at 3 cuts; 4 data-efficiency approaches at 2 subset sizes
FAR = "the data in a folder named 'small-fashion' (Fashion-MNIST's format, not its files)"


def test_quick_far_study_interrupted_then_resumed(tmp_path, small_mnist, small_fashion):
    stopped = tmp_path/'stopped'
    far_study = ['study', '--quick', '--data', str(small_mnist), '--far', '--far-data', str(small_fashion)]
    # first a kill that the study cannot see coming (SIGKILL, as a crash or a lost machine): what finished is on disk
    proc = subprocess.Popen([str(COMMAND), *far_study, '--output', str(stopped)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    for line in proc.stdout:
        if line.startswith('[3/'): break
    proc.kill(); proc.communicate(timeout=60)
    killed = json.loads((stopped/'study.json').read_text())
    assert 3 <= len(killed['runs']) < JOBS and len(killed['runs']) + len(killed['not_run']) == JOBS and killed['interrupted']
    # (a kill in the middle of a save would leave its hidden temporary file beside a whole study.json: nothing half-written)
    leftover = set(stopped.glob('.*'))
    # then, resumed, a Ctrl-C
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # see test_cli.test_ctrl_c_keeps_what_finished
    try:
        proc = subprocess.Popen([str(COMMAND), *far_study, '--output', str(stopped)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally: signal.signal(signal.SIGINT, previous)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith('[6/'): break
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert 'run the same command again to resume' in rest
    saved = json.loads((stopped/'study.json').read_text())
    assert f"resuming the study in {stopped}: {len(killed['runs'])} trainings already done" in ''.join(lines)
    assert saved['interrupted'] is True and 6 <= len(saved['runs']) < JOBS
    assert len(saved['runs']) + len(saved['not_run']) == JOBS
    assert not list(stopped.glob('*.tmp')) and set(stopped.glob('.*')) == leftover  # a Ctrl-C leaves no temporary file

    again = run(*far_study, '--output', str(stopped))
    assert again.returncode == 0, again.stderr
    assert f"resuming the study in {stopped}: {len(saved['runs'])} trainings already done" in again.stdout
    trained = [l for l in again.stdout.splitlines() if l.startswith('[')]
    assert len(trained) == JOBS - len(saved['runs'])  # nothing finished trains twice
    assert sorted(p.name for p in stopped.iterdir() if not p.name.startswith('.')) == FILES
    study = json.loads((stopped/'study.json').read_text())
    assert study['data'] == SMALL_LABEL and study['interrupted'] is False and study['not_run'] == []
    assert study['settings']['far'] == FAR and f'; the far task: {FAR}\n' in again.stdout
    assert len(study['runs']) == JOBS and study['settings']['sizes'] == [10, 100, 5 * SMALL_PER_DIGIT[0]]
    accuracies = lambda s: {(r['variant'], r['n'], r['size'], r['seed']): r['test_accuracy'] for r in s['runs']}
    now = accuracies(study)
    assert all(now[key] == accuracy for key, accuracy in accuracies(saved).items())  # what finished before is kept as it was
    assert set(study['transferability']) == {'baseB', 'AnB', 'AnB+', 'BnB', 'BnB+'}
    assert set(study['efficiency']) == {'scratch', 'early', 'frozen', 'finetuned'}
    assert str(tmp_path) not in (stopped/'study.json').read_text()  # no path of this machine in a publishable result
    assert f'[{JOBS}/{JOBS}]' in again.stdout and '| n | copied layers | AnB | AnB+ | BnB | BnB+ |' in again.stdout
