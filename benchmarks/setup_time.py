"""How long a newcomer's environment takes to install from requirements-lock.txt: pip against uv, side by side.

    python3 benchmarks/setup_time.py      # about 4 minutes; writes benchmarks/setup_time.json

Each run makes a new virtual environment and installs the whole lock into it with empty download caches
(as on a fresh machine), first with pip, then with uv, three times each in turn; it reports the medians.
`tools/dev setup` uses uv because of this measurement.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

root = Path(__file__).resolve().parent.parent
lock = root/'requirements-lock.txt'
UV = re.search(r'^uv==\S+', lock.read_text(), re.M).group()


def install(tool: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        venv, cache = Path(tmp)/'venv', Path(tmp)/'cache'
        subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
        env = {**os.environ, 'PIP_NO_CACHE_DIR': '1', 'UV_CACHE_DIR': str(cache), 'VIRTUAL_ENV': str(venv)}
        if tool == 'uv': subprocess.run([str(venv/'bin'/'python'), '-m', 'pip', 'install', '-q', UV], check=True, env=env)
        command = ([str(venv/'bin'/'uv'), 'pip', 'sync', '-q', str(lock)] if tool == 'uv' else
                   [str(venv/'bin'/'python'), '-m', 'pip', 'install', '-q', '-r', str(lock)])
        start = time.perf_counter()  # the install itself; uv's own install (a few seconds) is not counted
        subprocess.run(command, check=True, env=env, capture_output=True)
        return time.perf_counter() - start


def main():
    seconds = {'pip': [], 'uv': []}
    for _ in range(3):
        for tool in seconds:
            seconds[tool].append(install(tool))
            print(tool, f'{seconds[tool][-1]:.0f} s', flush=True)
    medians = {tool: statistics.median(s) for tool, s in seconds.items()}
    result = dict(date=datetime.now(timezone.utc).isoformat(timespec='seconds'), cores=os.cpu_count(), seconds=seconds,
                  median_seconds=medians, pip_over_uv=medians['pip'] / medians['uv'])
    (root/'benchmarks'/'setup_time.json').write_text(json.dumps(result, indent=1) + '\n')
    print(f"median: pip {medians['pip']:.0f} s, uv {medians['uv']:.0f} s: uv {result['pip_over_uv']:.1f}x faster")


if __name__ == '__main__':
    main()
