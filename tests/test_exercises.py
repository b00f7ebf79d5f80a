"""The exercises as a student gets them: from a built wheel, run top to bottom, and in a real JupyterLab.

- The wheel ships the student notebooks, and `transfer-mnist exercises DIR` works from it alone.
- A generated student notebook, run as it is, stops at the first exercise with NotImplementedError.
- In JupyterLab (started on a free loopback port with a token, read in headless Chromium), the first
  exercise filled with the solution passes its check, and filled wrongly shows the failure message.
  Screenshots go to tests/_output/.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import free_port, needs_chromium

root = Path(__file__).resolve().parent.parent
artifacts = root/'tests'/'_output'
bin_dir = Path(sys.executable).parent
LAB = '10_lab.ipynb'
STUDENT_NOTEBOOKS = [LAB, '11a_far.ipynb']  # every lesson with an exercise

SOLUTION = """in_a, in_a_test = y_train < 5, y_test < 5
task_a = ((x_train[in_a], y_train[in_a]), (x_test[in_a_test], y_test[in_a_test]))
task_b = ((x_train[~in_a], y_train[~in_a]), (x_test[~in_a_test], y_test[~in_a_test]))"""
WRONG = SOLUTION.replace('< 5', '<= 5')  # the classic off-by-one: 5 lands in task A


def exercises(folder: Path, *more) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir/'transfer-mnist'), 'exercises', str(folder), *more],
                          capture_output=True, text=True, timeout=120)


def test_the_wheel_ships_the_student_notebooks(tmp_path):
    "Build the wheel, install it alone into a folder, and write the exercises from there (not from the clone)."
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps', '--no-build-isolation',
                    '--wheel-dir', str(tmp_path/'dist'), str(root)], check=True, timeout=300)
    wheel, = (tmp_path/'dist').glob('transfer_mnist-*.whl')
    names = zipfile.ZipFile(wheel).namelist()
    assert wheel.stat().st_size < 12_500_000, wheel.stat().st_size  # MNIST's 11.4 MB and the package
    shipped = [f'transfer_mnist/student/{nb}' for nb in STUDENT_NOTEBOOKS] + [  # and what they read: MNIST, the studies
        'transfer_mnist/mnist/train-images-idx3-ubyte.gz', 'transfer_mnist/mnist/README.md', 'transfer_mnist/lessons/study_far.json']
    assert set(shipped) <= set(names), sorted(set(shipped) - set(names))
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--target', str(tmp_path/'site'),
                    str(wheel)], check=True, timeout=300)
    code = ("import sys, transfer_mnist; from transfer_mnist.cli import main; print(transfer_mnist.__file__); "
            "sys.exit(main(['exercises', sys.argv[1]]))")
    run = subprocess.run([sys.executable, '-c', code, str(tmp_path/'lab')], capture_output=True, text=True,
                         cwd=tmp_path, env={**os.environ, 'PYTHONPATH': str(tmp_path/'site')}, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(str(tmp_path/'site')), run.stdout  # the installed copy, not the clone
    student = nbformat.read(tmp_path/'lab'/LAB, as_version=4)
    assert sum('raise NotImplementedError()' in c.source for c in student.cells) >= 6
    assert 'BEGIN SOLUTION' not in json.dumps(student)


@pytest.fixture(scope='session')
def written(tmp_path_factory) -> Path:
    "The student notebooks as `transfer-mnist exercises DIR` writes them, once: each test below works on a copy."
    folder = tmp_path_factory.mktemp('exercises')/'lab'
    r = exercises(folder)
    assert r.returncode == 0, r.stderr
    return folder


@pytest.mark.parametrize('notebook', STUDENT_NOTEBOOKS)
def test_a_student_notebook_stops_at_the_first_exercise(tmp_path, notebook, monkeypatch, written):
    "Run where a student writes it, away from the clone: everything before the first exercise runs, from the package alone."
    monkeypatch.setenv('TRANSFER_MNIST_DATA', 'sample')  # the test tier's data (the kernel inherits it)
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    shutil.copytree(written, tmp_path, dirs_exist_ok=True)
    nb = nbformat.read(tmp_path/notebook, as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if c.metadata.get('nbgrader', {}).get('solution'))
    client = NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': str(tmp_path)}})
    with pytest.raises(CellExecutionError) as stop:
        client.execute()
    assert stop.value.ename == 'NotImplementedError', stop.value
    failed = [i for i, c in enumerate(nb.cells) if any(o.get('output_type') == 'error' for o in c.get('outputs', []))]
    assert failed == [first], (failed, first)
    ran = [i for i, c in enumerate(nb.cells) if c.cell_type == 'code' and c.get('execution_count')]
    assert ran and max(ran) == first, ran  # every code cell before it ran, none after


@pytest.fixture
def jupyter_lab(tmp_path, written):
    "JupyterLab serving the exercises written by the command, on a free loopback port with a token."
    lab_dir = tmp_path/'lab'
    shutil.copytree(written, lab_dir)
    settings = tmp_path/'settings'
    # every cell rendered (no windowing), so the test can reach them; no news or update checks
    (settings/'@jupyterlab'/'notebook-extension').mkdir(parents=True)
    (settings/'@jupyterlab'/'notebook-extension'/'tracker.jupyterlab-settings').write_text('{"windowingMode": "none"}')
    (settings/'@jupyterlab'/'apputils-extension').mkdir(parents=True)
    (settings/'@jupyterlab'/'apputils-extension'/'notification.jupyterlab-settings').write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    # nbgrader (a dev tool here) enables its server extensions; a student has none of them
    (tmp_path/'config').mkdir()
    (tmp_path/'config'/'jupyter_server_config.json').write_text(json.dumps({'ServerApp': {'jpserver_extensions': {
        f'nbgrader.server_extensions.{name}': False
        for name in ('formgrader', 'assignment_list', 'course_list', 'validate_assignment')}}}))
    port, token = free_port(), os.urandom(16).hex()
    env = {**os.environ, 'JUPYTERLAB_SETTINGS_DIR': str(settings), 'JUPYTERLAB_WORKSPACES_DIR': str(tmp_path/'workspaces'),
           'JUPYTER_CONFIG_DIR': str(tmp_path/'config'), 'JUPYTER_RUNTIME_DIR': str(tmp_path/'runtime')}
    log = open(tmp_path/'jupyter.log', 'w')
    proc = subprocess.Popen([str(bin_dir/'jupyter'), 'lab', '--no-browser', '--ServerApp.ip=127.0.0.1',
                             f'--ServerApp.port={port}', '--ServerApp.port_retries=0',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={lab_dir}',
                             '--ServerApp.allow_root=True'],  # CI runs as root
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2); break
            except OSError:
                assert proc.poll() is None, (tmp_path/'jupyter.log').read_text()
                time.sleep(0.5)
        else: raise AssertionError('JupyterLab did not start:\n' + (tmp_path/'jupyter.log').read_text())
        yield url, token, tmp_path/'jupyter.log'
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started, in its own session
            try: proc.wait(timeout=30)
            except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@needs_chromium
def test_the_first_exercise_in_jupyterlab(jupyter_lab, browser):
    from playwright.sync_api import expect
    url, token, log_file = jupyter_lab
    page = browser.new_page(viewport={'width': 1400, 'height': 1000})
    page.goto(f'{url}/lab/tree/{LAB}?token={token}')
    cells = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')
    page.wait_for_selector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
    # idle is also what the indicator says before the session has a kernel: wait until the toolbar names one
    kernel_name = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName')
    expect(kernel_name).not_to_have_text(re.compile(r'^\s*(No Kernel|Kernel)?\s*$'), timeout=120_000)
    student = nbformat.read(root/'transfer_mnist'/'student'/LAB, as_version=4)
    first = next(i for i, c in enumerate(student.cells) if c.metadata.get('nbgrader', {}).get('solution'))
    expect(cells).to_have_count(len(student.cells), timeout=60_000)
    artifacts.mkdir(exist_ok=True)

    def log_tail():
        return ''.join(log_file.read_text().splitlines(True)[-40:])

    def answer_dialog():
        """A cell run before JupyterLab has its kernel list asks which kernel to start: pick the default, as a
        student would. Any other dialog (a kernel that died, a file changed on disk) fails the test with its text."""
        dialog = page.locator('.jp-Dialog')
        if not dialog.count(): return
        text = dialog.first.inner_text()
        if 'Select Kernel' not in text:
            raise AssertionError(f'JupyterLab showed a dialog: {text!r}\nits log:\n{log_tail()}')
        dialog.first.locator('.jp-mod-accept').click()
        expect(dialog).to_have_count(0, timeout=30_000)

    def run(i, code=None, timeout=120):
        """Click into code cell i (typing `code` over it if given) and press Shift+Enter, as a student would; wait
        until it has run. A Shift+Enter pressed while the page is still connecting to the kernel can be dropped:
        if the cell has not started after 15 s, press it again."""
        prompt, editor = cells.nth(i).locator('.jp-InputPrompt'), cells.nth(i).locator('.cm-content')
        answer_dialog()
        before = prompt.inner_text()
        if code is not None:
            editor.click()
            page.keyboard.press('Control+a')
            page.keyboard.insert_text(code)
        start = pressed = time.monotonic()
        editor.click(); page.keyboard.press('Shift+Enter')
        while time.monotonic() - start < timeout:
            answer_dialog()
            now = prompt.inner_text().strip()
            if re.fullmatch(r'\[\d+\]:', now) and now != before.strip(): return cells.nth(i).locator('.jp-OutputArea-output')
            if now != '[*]:' and time.monotonic() - pressed > 15:
                editor.click(); page.keyboard.press('Shift+Enter'); pressed = time.monotonic()
            time.sleep(0.25)
        raise AssertionError(f'cell {i} did not run within {timeout} s (its prompt: {prompt.inner_text()!r})')

    try:
        for i in range(first):  # the cells above the first exercise: imports, then the data
            if student.cells[i].cell_type == 'code': run(i)
        run(first, SOLUTION)
        check = run(first + 1)
        expect(check.first).to_contain_text('Split: well done, all 4 checks passed.', timeout=60_000)
        page.screenshot(path=str(artifacts/'jupyterlab_solved.png'), full_page=False)

        run(first, WRONG)
        check = run(first + 1)
        expect(check.first).to_contain_text('Split: 4 of 4 checks failed.', timeout=60_000)
        text = check.first.inner_text()
        assert 'task_a training holds images of [5]' in text and 'check where your condition draws the line' in text, text
        assert 'Traceback' not in text, text  # the feedback alone, not a Python traceback
        check.first.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts/'jupyterlab_wrong.png'), full_page=False)
    except Exception:
        page.screenshot(path=str(artifacts/'jupyterlab_failed.png'), full_page=False)  # what the browser showed
        raise
