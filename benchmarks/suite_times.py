"""How long the README's test command and CI's script take on a fresh clone, set-up included, as a new contributor
and CI meet them.

    .venv/bin/python benchmarks/suite_times.py          # tools/dev test, then .ci/run; writes benchmarks/suite_times.json
    .venv/bin/python benchmarks/suite_times.py --test   # tools/dev test only (.ci/run's last run is kept)

Each runs in its own fresh clone of this repository's HEAD, in a temporary folder beside a link to ../shared (as CI
has it), with empty uv and pip caches (so the set-up downloads and installs everything, as on a new machine). The
times are wall-clock seconds, with the phases each command prints, and the processor they ran on: these machines
differ more than 2x in training speed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

root = Path(__file__).resolve().parent.parent
result_path = Path(__file__).with_name('suite_times.json')


def fresh_clone(workdir: Path) -> Path:
    (workdir/'shared').symlink_to((root.parent/'shared').resolve())
    subprocess.run(['git', 'clone', '--quiet', str(root), str(workdir/'main')], check=True)
    return workdir/'main'


def timed(command: list, cwd: Path, env: dict) -> dict:
    "Run `command` in `cwd`, its output teed to the terminal; its wall time, exit code and the phases it printed."
    start, lines = time.perf_counter(), []
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        sys.stdout.write(line); lines.append(line)
    code = proc.wait()
    phases = {m[1]: int(m[2]) for l in lines if (m := re.match(r'==== (?:CI phase )?([\w -]+?)(?: \(on the sample\))?: (\d+) s ====', l))}
    notebooks = {m[1]: int(m[2]) for l in lines if (m := re.fullmatch(r'(\S+\.ipynb): (\d+) secs', l.strip()))}
    return dict(command=' '.join(command), exit_code=code, seconds=round(time.perf_counter() - start), phases=phases,
                passed=next((l.strip() for l in reversed(lines) if re.search(r'\d+ passed', l)), None),
                notebooks=notebooks)  # each notebook's seconds: tools/test_notebooks.py starts the longest first


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--test', action='store_true', help='time tools/dev test only, not .ci/run')
    args = parser.parse_args()
    from transfer_mnist.core import describe_device
    out = dict(date=date.today().isoformat(), processor=describe_device()['name'], cores=os.cpu_count(), caches='empty', runs={})
    if args.test and result_path.exists():  # the other command's run is kept, with the commit it measured
        kept = json.loads(result_path.read_text())
        if (kept['processor'], kept['cores']) == (out['processor'], out['cores']): out['runs'] = kept['runs']
    commit = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    for name, command in [('tools/dev test', ['tools/dev', 'test'])] + ([] if args.test else [('.ci/run', ['.ci/run'])]):
        with tempfile.TemporaryDirectory() as tmp:
            clone = fresh_clone(Path(tmp))
            env = {k: v for k, v in os.environ.items() if k not in ('TRANSFER_MNIST_DATA', 'VIRTUAL_ENV')}
            env.update(UV_CACHE_DIR=f'{tmp}/uv-cache', PIP_CACHE_DIR=f'{tmp}/pip-cache', **({'CI': 'true'} if name == '.ci/run' else {}))
            out['runs'][name] = dict(timed(command, clone, env), commit=commit)
        print(f"==== {name}: {out['runs'][name]['seconds']} s on {out['processor']} ====", flush=True)
    result_path.write_text(json.dumps(out, indent=1) + '\n')
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
