"""What compiling the environment to bytecode at install saves each new Python process of the tests.

    .venv/bin/python benchmarks/bytecode.py      # about a minute; writes benchmarks/bytecode.json

Where PYTHONDONTWRITEBYTECODE is set (it is on these machines), Python never caches the bytecode of what it
imports, so every process compiles TensorFlow's and Keras's modules from source again: the test tier starts dozens
(notebook workers, kernels, the command line's subprocesses). `tools/dev setup` therefore installs with uv's
`--compile-bytecode`. This times `import transfer_mnist.fast` (TensorFlow, Keras, numpy and the library) in a new
process both ways, in turn, five rounds: "source" reads bytecode from an empty cache folder, so it compiles
everything as an uncompiled environment does; "bytecode" from a cache folder filled once beforehand. Both run with
PYTHONDONTWRITEBYTECODE=1, so neither writes. It reports the medians and their ratio, with the processor.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from transfer_mnist.core import describe_device

ROUNDS = 5
IMPORT = 'import transfer_mnist.fast'


def seconds(cache: Path, write: bool = False) -> dict:
    "Wall and CPU seconds of one new process that imports the library, its bytecode cache in `cache`."
    env = {**os.environ, 'PYTHONPYCACHEPREFIX': str(cache)}
    if write: env.pop('PYTHONDONTWRITEBYTECODE', None)
    else: env['PYTHONDONTWRITEBYTECODE'] = '1'
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, '-c', IMPORT], check=True, env=env, capture_output=True)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    return dict(wall=wall, cpu=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def main():
    runs = {'source': [], 'bytecode': []}
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as filled:
        seconds(Path(filled), write=True)  # fills the cache once, as `uv pip sync --compile-bytecode` does
        for _ in range(ROUNDS):
            runs['source'].append(seconds(Path(empty)))
            runs['bytecode'].append(seconds(Path(filled)))
    median = {k: {m: statistics.median(r[m] for r in v) for m in ('wall', 'cpu')} for k, v in runs.items()}
    device = describe_device()
    result = dict(date=datetime.now(timezone.utc).isoformat(timespec='seconds'), processor=device['name'],
                  cores=device['cores'], command=f'python -c {IMPORT!r}', rounds=ROUNDS, runs=runs, median_seconds=median,
                  source_over_bytecode={m: median['source'][m] / median['bytecode'][m] for m in ('wall', 'cpu')})
    out = Path(__file__).with_suffix('.json')
    out.write_text(json.dumps(result, indent=1) + '\n')
    print(f"{IMPORT} in a new process on {device['name']} ({device['cores']} cores), medians of {ROUNDS}:")
    for k, v in median.items(): print(f"  {k:<9} {v['wall']:5.2f} s wall, {v['cpu']:5.2f} s CPU")
    print(f"  source / bytecode: {result['source_over_bytecode']['wall']:.2f}x wall; wrote {out.name}")


if __name__ == '__main__':
    main()
