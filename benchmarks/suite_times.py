"""How long the README's test command and CI's script take on a fresh clone, set-up included, as a new contributor
and CI meet them.

    .venv/bin/python benchmarks/suite_times.py          # tools/dev test, then .ci/run; writes benchmarks/suite_times.json
    .venv/bin/python benchmarks/suite_times.py --test   # tools/dev test only (this machine's last .ci/run is kept)
    .venv/bin/python benchmarks/suite_times.py --ci     # .ci/run only (this machine's last tools/dev test is kept)
    .venv/bin/python benchmarks/suite_times.py --table  # only print the README's table of what suite_times.json holds

Each runs in its own fresh clone of this repository's HEAD, in a temporary folder beside a link to ../shared (as CI
has it), with empty uv and pip caches (so the set-up downloads and installs everything, as on a new machine). The
times are wall-clock seconds, with the phases each command prints and the command's CPU seconds (user and system, of
every process it waited for: on two cores the tier is bound by CPU), the machine's busy CPU seconds over the same time
(from /proc/stat: they include processes outside that chain of waits), and the processor they ran on: these machines
differ more than 2x in training speed. suite_times.json keeps one entry for each kind of machine (the processor and
the instruction sets that set its training speed): a run replaces its own machine's entry and keeps the others.
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

from transfer_mnist.core import BF16_INSTRUCTIONS, cpu_flags

root = Path(__file__).resolve().parent.parent
result_path = Path(__file__).with_name('suite_times.json')


def this_machine() -> dict:
    "The processor as /proc/cpuinfo names it, and the instruction sets that set its training speed."
    name = next(l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name'))
    flags = cpu_flags()
    vector = 'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'
    bf16 = [f for f in BF16_INSTRUCTIONS if f in flags]
    return dict(processor=name, instructions=f"{vector}, {' and '.join(bf16) if bf16 else 'no bfloat16'}", cores=os.cpu_count())


def same_kind(a:dict, b:dict) -> bool:
    "Whether two machines (entries of suite_times.json, or this_machine()) are one kind: processor, instruction sets, cores."
    return all(a[k] == b[k] for k in ('processor', 'instructions', 'cores'))


def _duration(seconds:int) -> str: return f'{seconds // 60} min {seconds % 60} s'


def readme_table(machines:list) -> str:
    "The README's table of the tier's times: a column for each machine of suite_times.json."
    test, ci = [[m['runs'][r] for m in machines] for r in ('tools/dev test', '.ci/run')]
    phases = [('set-up', 'set-up'), ('installing Chromium', 'chromium'), ('installing bubblewrap', 'bubblewrap'),
              ('installing Fashion-MNIST', 'fashion-mnist'), ('check', 'check'), ('test', 'test'), ('newest versions', 'newest')]
    rows = [['on a fresh clone', *(f"{m['date']}, {m['processor']} ({m['instructions']}), {m['cores']} cores" for m in machines)],
            ['---', *['---:'] * len(machines)],
            ['`tools/dev test`, set-up included', *(_duration(t['seconds']) for t in test)],
            ['of which the notebooks, on the sample, beside pytest', *(_duration(t['phases']['notebooks']) for t in test)],
            ['of which pytest, beside the notebooks', *(_duration(t['phases']['pytest']) for t in test)],
            ['its CPU seconds (user and system, of the processes it waited for)', *(f"{t['cpu_seconds']:,} s" if 'cpu_seconds' in t else 'not measured' for t in test)],
            ["the machine's busy CPU seconds meanwhile (/proc/stat)", *(f"{t['machine_busy_cpu_seconds']:,} s" if 'machine_busy_cpu_seconds' in t else 'not measured' for t in test)],
            ['`.ci/run`', *(_duration(c['seconds']) for c in ci)],
            ["`.ci/run`'s phases", *(', '.join(f"{name} {c['phases'][key]} s" for name, key in phases if key in c['phases']) for c in ci)],
            ['the commit measured', *(f"`{t['commit'][:7]}`" + (f" (`.ci/run`: `{c['commit'][:7]}`)" if c['commit'] != t['commit'] else '')
                                      for t, c in zip(test, ci))]]
    return '\n'.join(f"| {' | '.join(r)} |" for r in rows)


def fresh_clone(workdir: Path) -> Path:
    (workdir/'shared').symlink_to((root.parent/'shared').resolve())
    subprocess.run(['git', 'clone', '--quiet', str(root), str(workdir/'main')], check=True)
    return workdir/'main'


def wait_with_usage(proc: subprocess.Popen) -> tuple:
    "Wait for `proc`: its exit code and CPU seconds (user and system), the subprocesses it waited for included."
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime


def busy_cpu_seconds() -> float:
    "The CPU seconds this machine's cores have spent running its own work since it started (/proc/stat's cpu line)."
    user, nice, system, idle, iowait, irq, softirq = map(int, Path('/proc/stat').read_text().split('\n')[0].split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf('SC_CLK_TCK')  # not idle, I/O wait, nor a VM's stolen time


def timed(command: list, cwd: Path, env: dict) -> dict:
    """Run `command` in `cwd`, its output teed to the terminal; its wall time, CPU time, exit code and the phases it printed.
    Its CPU time is counted twice: the usage `wait4` reports (of the processes reaped along the chain of waits), and the
    machine's busy CPU seconds over the run, which also hold any process outside that chain (and anything else the
    machine ran meanwhile: time it on a machine that runs nothing else)."""
    start, lines, busy = time.perf_counter(), [], busy_cpu_seconds()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        sys.stdout.write(line); lines.append(line)
    code, cpu = wait_with_usage(proc)
    busy = busy_cpu_seconds() - busy
    phases = {m[1]: int(m[2]) for l in lines if (m := re.match(r'==== (?:CI phase )?([\w -]+?)(?: \(on the sample\))?: (\d+) s ====', l))}
    notebooks = {m[1]: int(m[2]) for l in lines if (m := re.fullmatch(r'(\S+\.ipynb): (\d+) secs', l.strip()))}
    return dict(command=' '.join(command), exit_code=code, seconds=round(time.perf_counter() - start), cpu_seconds=round(cpu),
                machine_busy_cpu_seconds=round(busy),
                phases=phases,
                passed=next((l.strip() for l in reversed(lines) if re.search(r'\d+ passed', l)), None),
                notebooks=notebooks)  # each notebook's seconds: tools/test_notebooks.py starts the longest first


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    only = parser.add_mutually_exclusive_group()
    only.add_argument('--test', action='store_true', help="time tools/dev test only, keeping this machine's last .ci/run")
    only.add_argument('--ci', action='store_true', help="time .ci/run only, keeping this machine's last tools/dev test")
    only.add_argument('--table', action='store_true', help="only print the README's table of suite_times.json")
    args = parser.parse_args()
    machines = json.loads(result_path.read_text())['machines'] if result_path.exists() else []
    if args.table: return print(readme_table(machines))
    here = this_machine()
    same = lambda m: same_kind(m, here)
    kept = next((m for m in machines if same(m)), None)
    commands = {'tools/dev test': ['tools/dev', 'test'], '.ci/run': ['.ci/run']}
    skipped = '.ci/run' if args.test else 'tools/dev test' if args.ci else None  # kept as this machine's entry has it
    out = dict(date=date.today().isoformat(), **here, caches='empty',
               runs={skipped: kept['runs'][skipped]} if skipped and kept and skipped in kept['runs'] else {})
    for name, command in [(n, c) for n, c in commands.items() if n != skipped]:
        with tempfile.TemporaryDirectory() as tmp:
            clone = fresh_clone(Path(tmp))
            # the commit this clone holds: each command clones anew, and HEAD may move while the first runs
            commit = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=clone, capture_output=True, text=True, check=True).stdout.strip()
            env = {k: v for k, v in os.environ.items() if k not in ('TRANSFER_MNIST_DATA', 'VIRTUAL_ENV')}
            env.update(UV_CACHE_DIR=f'{tmp}/uv-cache', PIP_CACHE_DIR=f'{tmp}/pip-cache', **({'CI': 'true'} if name == '.ci/run' else {}))
            out['runs'][name] = dict(timed(command, clone, env), commit=commit)
        print(f"==== {name}: {out['runs'][name]['seconds']} s on {out['processor']} ({out['instructions']}) ====", flush=True)
    machines = [out if same(m) else m for m in machines] + ([] if kept else [out])
    result_path.write_text(json.dumps(dict(machines=machines), indent=1) + '\n')
    print(json.dumps(out, indent=1))
    print(readme_table(machines))


if __name__ == '__main__':
    main()
