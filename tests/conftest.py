"""What the browser tests share: the system's Chromium, driven by Playwright."""
import os
import shutil
import socket
from pathlib import Path

import pytest

# Debian's chromium (Playwright's own browser download does not work offline); CHROMIUM overrides it
CHROMIUM = Path(os.environ.get('CHROMIUM') or shutil.which('chromium') or shutil.which('chromium-browser') or 'chromium')
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync']

# skipped on a machine without Chromium, except in CI (.ci/run installs it), where it must run
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get('CI'),
                                    reason="needs Debian's chromium (apt-get install chromium)")


def named_full_mnist():
    "The folder $TRANSFER_MNIST_DATA names for full MNIST (CI names ../shared/data/mnist); None if unset or 'sample'."
    named = os.environ.get('TRANSFER_MNIST_DATA')
    return named if named and named != 'sample' else None


SMALL_PER_DIGIT = (256, 100)  # training and test images a digit: 1,280 training images a task, ten steps of 128


@pytest.fixture(scope='session')
def small_mnist(tmp_path_factory) -> Path:
    """A .npz of a smaller stratified cut of MNIST, for the tests that run the command line several times: the same code
    as on the sample, in a fraction of its time (each task's training is ten steps an epoch)."""
    import numpy as np
    from transfer_mnist.data import cut_sample, load_idx_folder, mnist_path
    (x_train, y_train), (x_test, y_test) = cut_sample(load_idx_folder(mnist_path()), *SMALL_PER_DIGIT)
    path = tmp_path_factory.mktemp('data')/'small-mnist.npz'
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture(scope='session')
def small_fashion(tmp_path_factory) -> Path:
    """A folder of a cut of Fashion-MNIST (as small as small_mnist), its four IDX files: the far task's data for the
    command line's study. Fashion-MNIST itself is where $TRANSFER_MNIST_FASHION names it (tools/dev test: Debian's)."""
    from transfer_mnist.data import IDX_NAMES, cut_sample, idx_bytes
    from transfer_mnist.fashion import load_fashion
    folder = tmp_path_factory.mktemp('data')/'small-fashion'
    folder.mkdir()
    (x_train, y_train), (x_test, y_test) = cut_sample(load_fashion(), *SMALL_PER_DIGIT)
    for name, a in zip(IDX_NAMES, (x_train, y_train, x_test, y_test)): (folder/name).write_bytes(idx_bytes(a))
    return folder


def free_port() -> int:
    "A free TCP port on the loopback interface."
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='session')
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


# Faults tried and inputs rejected by the reliability tests (tests/test_hostile.py), printed at the end. A test appends
# to REJECTED; its report carries them to the process that prints the summary (pytest-xdist's workers run the tests).
REJECTED = []
SHOWN = []


@pytest.fixture(autouse=True)
def _report_rejected(request):
    before = len(REJECTED)
    yield
    request.node.user_properties.extend(('rejected', tuple(item)) for item in REJECTED[before:])


def pytest_runtest_logreport(report):
    if report.when == 'teardown': SHOWN.extend(value for name, value in report.user_properties if name == 'rejected')


def pytest_terminal_summary(terminalreporter):
    if not SHOWN: return
    terminalreporter.section(f'faults tried and inputs rejected ({len(SHOWN)})')
    for what, message in SHOWN:
        terminalreporter.write_line(f'{what}\n    -> {message}')
