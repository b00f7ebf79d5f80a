"""End-to-end tests of the installed `transfer-mnist` command, in fresh processes.

The notebooks test the library and call `main()` in-process; these run the console script as a
user would, including on a machine with no network and no local MNIST. "No network" is made
real and local: any download would go through a proxy address on loopback where nothing listens.
"""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import named_full_mnist

COMMAND = Path(sys.executable).parent/'transfer-mnist'
SMALL_LABEL = "the data in a file named 'small-mnist.npz' (MNIST's format, not its files)"  # as a report names it


def run(*args, env_update=None, drop=(), cwd=None):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_update or {})
    return subprocess.run([str(COMMAND), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=900)


@pytest.fixture
def offline(tmp_path):
    "Environment of a machine with no network, an empty keras cache and no TRANSFER_MNIST_DATA."
    proxy = 'http://127.0.0.1:9'
    return dict(env_update=dict(KERAS_HOME=str(tmp_path/'keras'), https_proxy=proxy, HTTPS_PROXY=proxy,
                                http_proxy=proxy, HTTP_PROXY=proxy),
                drop=('TRANSFER_MNIST_DATA', 'no_proxy', 'NO_PROXY'))


def test_a_data_variable_that_names_nothing_fails_with_one_line(tmp_path, offline):
    missing = tmp_path/'no-mnist-here'
    r = run('run', env_update={**offline['env_update'], 'TRANSFER_MNIST_DATA': str(missing)}, drop=offline['drop'])
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith(f"transfer-mnist: error: MNIST source not found: '{missing}' (named by $TRANSFER_MNIST_DATA)"), lines
    assert 'Traceback' not in r.stderr and 'data:' not in r.stdout  # nothing ran


def test_the_far_task_offline_without_fashion_mnist_fails_with_one_line(tmp_path, offline):
    "A student offline, Fashion-MNIST neither downloaded nor named: one line on how to get it, and nothing trained."
    r = run('study', '--quick', '--far', '--output', str(tmp_path/'far'), env_update=offline['env_update'],
            drop=(*offline['drop'], 'TRANSFER_MNIST_FASHION'))
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith('transfer-mnist: error: Fashion-MNIST is not here, and Keras could not download it (')
    assert len(r.stderr.strip().splitlines()) == 1 and 'apt-get install dataset-fashion-mnist' in r.stderr
    assert 'data:' not in r.stdout and not (tmp_path/'far').exists()  # nothing ran


def test_wrong_arguments_exit_2_with_one_line():
    "The console script's exit code and its one line (the command line notebook checks every such argument, in-process)."
    r = run('run', '--digits-a', '0-5')
    assert r.returncode == 2
    assert 'overlap in [5]' in r.stderr.strip().splitlines()[-1]
    assert 'Traceback' not in r.stderr


def test_full_mnist_offline_run_reaches_the_seed_accuracy(tmp_path, offline):
    """The lab on full MNIST, end to end, with no network: one seed of the frozen transfer and of training from scratch,
    and their real accuracies (three seeds of every approach are the lessons' runs, in the outputs tier: tools/dev
    outputs). Full MNIST from $TRANSFER_MNIST_DATA where it names a folder (CI names ../shared/data/mnist), else the
    copy shipped with the package, as a student without a network gets it."""
    named = named_full_mnist()
    env = dict(env_update={**offline['env_update'], **({'TRANSFER_MNIST_DATA': named} if named else {})},
               drop=tuple(d for d in offline['drop'] if not (named and d == 'TRANSFER_MNIST_DATA')))
    r = run('run', '--seeds', '0', '--approaches', 'frozen,scratch', '--output', str(tmp_path), **env)
    assert r.returncode == 0, r.stderr
    source = f'full MNIST from {named} ($TRANSFER_MNIST_DATA)' if named else 'full MNIST (the copy shipped with transfer_mnist)'
    assert f'data: {source}' in r.stdout.splitlines()
    assert 'warning' not in r.stderr, r.stderr
    report = json.loads((tmp_path/'report.json').read_text())
    assert report['data'] == 'full MNIST'  # not the folder it came from: a report may be published
    if named: assert named not in (tmp_path/'report.json').read_text()
    assert [(r['approach'], r['n_train']) for r in report['runs']] == [('base', 30596), ('frozen', 29404), ('scratch', 29404)]
    s = report['summary']
    assert list(s) == ['base', 'frozen', 'scratch'] and s['frozen']['seeds'] == 1
    assert s['frozen']['trainable_params'] == 2_360_714 and s['scratch']['trainable_params'] == 2_370_282
    # one seed of the lab's 99.14% and 98.21%: within the spread the lessons' three seeds show
    assert s['base']['test_accuracy_mean'] >= 0.985, s['base']
    assert s['frozen']['test_accuracy_mean'] >= 0.975 and s['scratch']['test_accuracy_mean'] >= 0.975, s
    assert all(a['samples_per_second_median'] > 0 for a in s.values())
    assert (tmp_path/'report.md').read_text().startswith('# transfer_mnist report\n\nData: full MNIST\n')
    print(r.stdout)


def test_importing_the_library_prints_no_tensorflow_startup_notices():
    r = subprocess.run([sys.executable, '-c', 'import transfer_mnist.train'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert 'I0000' not in r.stderr and 'absl::InitializeLog' not in r.stderr, r.stderr


def test_ctrl_c_keeps_what_finished(tmp_path, small_mnist):
    "A real SIGINT to a running `transfer-mnist run`: exit 130, a whole report of what finished, no temporary files."
    out = tmp_path/'out'
    # A shell starts background jobs with SIGINT ignored, and a child inherits that (so does Python, which then
    # installs no KeyboardInterrupt handler): give the child the disposition of a terminal's foreground job.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen([str(COMMAND), 'run', '--data', str(small_mnist), '--seeds', '0,1,2', '--approaches', 'frozen,scratch',
                                 '--output', str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally: signal.signal(signal.SIGINT, previous)
    lines = []
    for line in proc.stdout:  # wait until the second seed's training has started
        lines.append(line)
        if line.startswith('seed 1:'): break
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=300)
    stdout = ''.join(lines) + rest
    assert proc.returncode == 130, err
    assert 'interrupted:' in stdout and 'Not run (interrupted)' in stdout
    report = json.loads((out/'report.json').read_text())
    assert report['interrupted'] is True
    assert [(r['approach'], r['seed']) for r in report['runs']][:3] == [('base', 0), ('frozen', 0), ('scratch', 0)]
    assert {'approach': 'scratch', 'seed': 2} in report['not_run']
    assert not list(out.glob('*.tmp'))
    assert 'Not run (interrupted)' in (out/'report.md').read_text()
