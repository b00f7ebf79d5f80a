"""The documentation site, built from the notebooks and read in a real browser (headless Chromium).

It fails when a notebook has no page, a page has a broken internal link or image, a figure of a
notebook is missing from its page, the browser console shows an error, search for "freeze" finds
nothing, or an exported function or class has no API entry. A screenshot of the lab's page is saved
in tests/_output/ for a person to look at.
"""
import importlib
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, needs_chromium

root = Path(__file__).resolve().parent.parent
site = root/'docs'/'_build'/'html'
artifacts = root/'tests'/'_output'
pytestmark = needs_chromium


def page_name(nb: Path) -> str:
    "The page nbdev names a notebook: its file name without the number prefix."
    return 'index' if nb.stem == 'index' else re.sub(r'^\d+_', '', nb.stem)


def png_outputs(nb: Path) -> int:
    cells = json.loads(nb.read_text())['cells']
    return sum('image/png' in o.get('data', {}) for c in cells for o in c.get('outputs', []))


def serve(folder: Path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-m', 'http.server', str(port), '--bind', '127.0.0.1', '--directory', str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try: urllib.request.urlopen(f'http://127.0.0.1:{port}/', timeout=1); break
        except OSError: time.sleep(0.1)
    return proc, f'http://127.0.0.1:{port}'


@pytest.fixture(scope='module')
def built():
    start = time.perf_counter()
    subprocess.run([sys.executable, str(root/'tools'/'build_docs.py')], check=True, cwd=root)
    print(f'site built in {time.perf_counter() - start:.0f} s')
    return site


def check_site(folder: Path, browser) -> list:
    "Read every notebook's page as a reader would; return the problems found."
    problems = []
    proc, base = serve(folder)
    try:
        page = browser.new_page()
        errors, fetched = [], {}
        page.on('console', lambda m: errors.append(f'{page.url}: {m.text}') if m.type == 'error' else None)
        page.on('pageerror', lambda e: errors.append(f'{page.url}: {e}'))
        for nb in sorted((root/'nbs').glob('*.ipynb')):
            url = f'{base}/{page_name(nb)}.html'
            response = page.goto(url)
            if response is None or response.status != 200:
                problems.append(f'{nb.name}: no page at {page_name(nb)}.html'); continue
            page.wait_for_load_state('networkidle')
            if page.locator(f'p.source-notebook a[href="notebooks/{nb.name}"]').count() != 1:
                problems.append(f'{nb.name}: its page has no link to its source notebook')
            images = page.eval_on_selector_all('article img', 'els => els.map(e => [e.getAttribute("src"), e.complete && e.naturalWidth > 0])')
            problems += [f'{nb.name}: image {src} does not load' for src, ok in images if not ok]
            figures = sum(1 for src, ok in images if ok and '_images/' in (src or ''))
            if figures < png_outputs(nb):
                problems.append(f'{nb.name}: {png_outputs(nb)} figures in the notebook, {figures} on its page')
            links = page.eval_on_selector_all('a[href]', 'els => els.map(e => e.href)')
            for link in sorted({l for l in links if l.startswith(base)}):
                target, _, anchor = link.partition('#')
                if target not in fetched:
                    try: fetched[target] = urllib.request.urlopen(target, timeout=5).read().decode(errors='replace')
                    except OSError as e: fetched[target] = e
                html = fetched[target]
                if isinstance(html, OSError): problems.append(f'{nb.name}: broken link {link} ({html})'); continue
                if anchor and f'id="{anchor}"' not in html: problems.append(f'{nb.name}: link {link}: no such anchor')
        problems += [f'console error: {e}' for e in errors]
        page.goto(f'{base}/search.html?q=freeze')
        page.wait_for_selector('ul.search li', timeout=60_000)
        if page.locator('ul.search li').count() == 0: problems.append('search for "freeze" found no page')
        page.goto(f'{base}/api.html')
        ids = set(page.eval_on_selector_all('[id]', 'els => els.map(e => e.id)'))
        syms = importlib.import_module('transfer_mnist._modidx').d['syms']
        for module, names in syms.items():
            for sym in names:
                if sym.count('.') == module.count('.') + 1 and sym not in ids: problems.append(f'no API entry for {sym}')
        page.close()
    finally:
        proc.terminate(); proc.wait()
    return problems


def test_site_reads_well_in_a_browser(built, browser):
    problems = check_site(built, browser)
    assert not problems, '\n'.join(problems)
    artifacts.mkdir(exist_ok=True)
    proc, base = serve(built)
    try:
        page = browser.new_page(viewport={'width': 1300, 'height': 1000})
        page.goto(f'{base}/lab.html'); page.wait_for_load_state('networkidle')
        page.screenshot(path=str(artifacts/'lab.png'), full_page=True)
        print(f'screenshot of the lab page: {artifacts/"lab.png"}')
    finally:
        proc.terminate(); proc.wait()


def test_the_check_notices_a_missing_figure(built, browser, tmp_path):
    "Proof that the check looks: the same site with one figure of the lab deleted must fail it."
    broken = tmp_path/'site'
    shutil.copytree(built, broken)
    lab = (broken/'lab.html').read_text()
    first_figure = re.search(r'src="(_images/[^"]+\.png)"', lab)[1]
    (broken/first_figure).unlink()
    problems = check_site(broken, browser)
    assert any('lab' in p and ('does not load' in p or 'figures in the notebook' in p) for p in problems), problems
