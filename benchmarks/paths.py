"""The investigation behind `transfer-mnist bench`: every path of the lab timed against an exact count of its
floating-point operations and the machine's own matrix-multiply speed, in each precision, with each path's peak memory.

    .venv/bin/python benchmarks/paths.py [--quick] [--output FILE]

This was `transfer_mnist.bench` until the package's benchmark became the short `transfer-mnist bench` (how long the
lab takes here, per engine and precision). It is kept to rerun, not installed and not tested. Its last full result is
`benchmarks/paths_cpu.json`, and what it showed is in `benchmarks/paths.md`.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from transfer_mnist.core import describe_device
from transfer_mnist.bench import layer_costs, layer_step_flops, step_flops, write_bench
from transfer_mnist.core import import_keras

keras = import_keras()
from transfer_mnist.core import PRECISIONS

def matmul_gflops(precision:str='float32', # 'float32', 'bfloat16' or 'float16'
                  n:int=2048, # side of the square matrices
                  repeats:int=10,
                  warmup_seconds:float=2.0, # products run before the timed ones, for at least this long
                 ) -> float: # median GFLOP/s of `repeats` products, after the warm-up
    "The machine's sustained matrix-multiply throughput in TensorFlow, in `precision`."
    import tensorflow as tf
    a = tf.cast(tf.random.stateless_uniform((n, n), seed=(0, 0)), precision)
    product = tf.function(lambda: tf.matmul(a, a)[0, 0])  # one element back: waits for the product, copies nothing
    # this machine speeds up under sustained load: over the first seconds of products, as over a training's epochs
    start = time.perf_counter()
    while time.perf_counter() - start < warmup_seconds: product().numpy()
    return 2 * n ** 3 / _median_seconds(lambda: product().numpy(), repeats) / 1e9

def _median_seconds(fn, repeats:int) -> float:
    "Median wall-clock seconds of `repeats` calls of `fn`, after one call that warms it up (tracing, first allocations)."
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    return float(np.median(times))

def step_gemms(model:keras.Model, # a model from build_cnn, frozen or not
               batch_size:int=128,
              ) -> list: # one dict per product: layer, product ('forward', 'weights' or 'input'), m, k, n, flops
    "The matrix products of one training step of `model` as its layers are frozen, with their shapes for `batch_size` images."
    from transfer_mnist.cnn import all_layers
    rows, below_trains = [], False  # below_trains: a layer before this one trains, so gradients must reach this one's input
    for layer in all_layers(model):
        if hasattr(layer, 'layers'): continue  # a group: its layers follow
        trains = bool(layer.trainable_weights)
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            if isinstance(layer, keras.layers.Conv2D):
                m = batch_size * int(np.prod(layer.output.shape[1:-1]))
                k = int(np.prod(layer.kernel_size)) * int(layer.input.shape[-1])
            else: m, k = batch_size, int(np.prod(layer.input.shape[1:]))
            n = int(layer.output.shape[-1])
            products = [('forward', m, k, n)] + [('weights', k, m, n)] * trains + [('input', m, n, k)] * below_trains
            rows += [dict(layer=layer.name, product=p, m=a, k=b, n=c, flops=2 * a * b * c) for p, a, b, c in products]
        below_trains = below_trains or trains
    return rows

def time_gemms(gemms:list, # as step_gemms returns
               precision:str='float32', # one of PRECISIONS: the products run in its compute type
               repeats:int=20, # timed products of each shape, after one warm-up
              ) -> list: # each of `gemms` with its median seconds (the call's own cost taken off) and GFLOP/s
    """Time each matrix product of `gemms` alone, as a bare `tf.matmul` of random matrices of its shape. Each timing
    pays a call of a traced function and a copy of one element back; the median of the same call without the product
    (`call_seconds` of each row) is taken off, or a small product would look slower than it is. A product that took no
    measurably longer than the call alone gets None for its seconds and GFLOP/s, not a made-up speed."""
    import tensorflow as tf
    if precision not in PRECISIONS: raise ValueError(f"precision must be one of {list(PRECISIONS)}, received {precision!r}.")
    out = []
    for g in gemms:
        a, b = (tf.cast(tf.random.stateless_uniform(shape, seed=(0, i)), precision)
                for i, shape in enumerate([(g['m'], g['k']), (g['k'], g['n'])]))
        product = tf.function(lambda a=a, b=b: tf.matmul(a, b)[0, 0])  # one element back, as in matmul_gflops
        call = tf.function(lambda a=a: a[0, 0])
        seconds, call_seconds = (_median_seconds(lambda f=f: f().numpy(), repeats) for f in (product, call))
        work = seconds - call_seconds if seconds > call_seconds else None
        out.append({**g, 'seconds': work, 'call_seconds': call_seconds, 'gflops': g['flops'] / work / 1e9 if work else None})
    return out

PATHS = {
    'end_to_end': 'every layer trains (training from scratch)',
    'frozen': 'convolutions frozen; the dense layers train, through the convolutions',
    'cached': 'convolutions frozen; the dense layers train on cached features (extraction not counted per epoch)',
    'extract': "the convolutions' forward pass over the training images (feature extraction)",
    'inference': 'the whole network, forward, over the training images (predict)',
}

def measure_path(path:str, # one of PATHS
                 arch:str, # 'seed' or 'pooled'
                 precision:str, # one of PRECISIONS
                 data, # ((x_train, y_train), (x_test, y_test)) as load_mnist returns
                 epochs:int=3, # timed epochs (or passes), after one warm-up
                 seed:int=0,
                ) -> dict:
    "Time one path of the lab in this process: seconds an epoch (median), images a second, GFLOP/s, accuracy."
    from transfer_mnist.cnn import ARCHITECTURES, build_cnn
    from transfer_mnist.data import preprocess, transfer_split
    from transfer_mnist.freeze import freeze
    from transfer_mnist.fast import extract_features, train_fast
    if path not in PATHS: raise ValueError(f"path must be one of {list(PATHS)}, received {path!r}.")
    if epochs < 1: raise ValueError(f"epochs must be at least 1, received {epochs}.")
    _, (train, test) = transfer_split(data)
    model = build_cnn(10, **ARCHITECTURES[arch], seed=seed, precision=precision)
    if path != 'end_to_end': freeze(model, 'features')
    n = len(train[0])
    row = dict(path=path, arch=arch, precision=precision, images=n, timed_epochs=epochs)
    if path in ('end_to_end', 'frozen', 'cached'):
        flops = step_flops(model, cached=path == 'cached')['training']
        result = train_fast(model, train, test, epochs=1 + epochs, seed=seed, cache_features=path == 'cached')
        seconds, all_seconds = float(np.median(result.epoch_seconds[1:])), result.epoch_seconds
        row.update(test_accuracy=result.test_accuracy, extract_seconds=result.extract_seconds if path == 'cached' else None)
    else:
        if path == 'extract':
            flops = sum(2 * r['multiply_adds'] + r['elementwise'] for r in layer_costs(model.get_layer('features')))
            run = lambda: extract_features(model, train[0])
        else:
            flops, x = step_flops(model)['inference'], preprocess(train[0])
            run = lambda: model.predict(x, batch_size=256, verbose=0)
        all_seconds = []
        for _ in range(1 + epochs):
            start = time.perf_counter(); run(); all_seconds.append(time.perf_counter() - start)
        seconds = float(np.median(all_seconds[1:]))
    row.update(seconds_per_epoch=seconds, epoch_seconds=all_seconds, images_per_second=n / seconds,
               flops_per_image=flops, gflops=flops * n / seconds / 1e9)
    return row

def step_breakdown(arch:str='seed', # 'seed' or 'pooled'
                   precision:str='float32', # one of PRECISIONS
                   batch_size:int=128,
                   repeats:int=20, # timed calls of each part, after one that traces it
                   seed:int=0,
                  ) -> dict: # arch, precision, batch_size, parts (the whole step first, then its parts in order), call_seconds, gemms
    """Where an end-to-end training step's time goes: the whole step (forward, backward and the optimizer's update,
    in one traced function), then each layer's forward and backward pass and the update, each timed alone in a traced
    function of its own, on tensors of the step's shapes; median seconds, with the FLOPs of each. Also the time of one
    call of a traced function that does almost nothing (what each part timed alone pays on top of its work), and the
    step's matrix products, each timed as a bare product of its shape (`step_gemms`, `time_gemms`)."""
    import tensorflow as tf
    from transfer_mnist.cnn import ARCHITECTURES, all_layers, build_cnn
    from transfer_mnist.fast import FusedAdam
    model = build_cnn(10, **ARCHITECTURES[arch], seed=seed, precision=precision)
    def timed(fn): return _median_seconds(fn, repeats)
    rng = np.random.default_rng(seed)
    def noise(shape, dtype): return tf.cast(rng.standard_normal(tuple(shape)).astype(np.float32) * 1e-3, dtype)
    x = tf.constant(rng.random((batch_size,) + tuple(model.input.shape[1:])).astype(np.float32))
    y = tf.constant(rng.integers(0, 10, batch_size).astype(np.int32))
    weights = model.trainable_variables
    optimizer, loss = FusedAdam(), keras.losses.SparseCategoricalCrossentropy()
    optimizer.build(weights)
    @tf.function
    def step():
        with tf.GradientTape() as tape: value = loss(y, model(x, training=True))
        optimizer.apply(tape.gradient(value, weights), weights)
        return value
    flops = {r['name']: r for r in layer_step_flops(model)}
    parts = [dict(part='whole step', seconds=timed(step), flops=step_flops(model)['training'] * batch_size)]
    a = x
    for i, layer in enumerate(l for l in all_layers(model) if not isinstance(l, keras.layers.InputLayer) and l.name in flops):
        out = layer(a, training=True)
        forward = tf.function(lambda a=a, layer=layer: layer(a, training=True))
        def both(a=a, layer=layer, dy=noise(out.shape, out.dtype), first=i == 0):
            with tf.GradientTape() as tape:
                tape.watch(a); out = layer(a, training=True)
            # the first layer's input is the images: no gradient for it, as in a step
            return tape.gradient(out, ([] if first else [a]) + layer.trainable_variables, output_gradients=dy)
        seconds = timed(forward)
        parts.append(dict(part=f'{layer.name} forward', seconds=seconds, flops=flops[layer.name]['forward'] * batch_size))
        if i or layer.trainable_variables:
            parts.append(dict(part=f'{layer.name} backward', seconds=max(0.0, timed(tf.function(both)) - seconds),
                              flops=flops[layer.name]['backward'] * batch_size))
        a = out
    grads = [noise(w.shape, w.dtype) for w in weights]
    parts.append(dict(part='optimizer update', seconds=timed(tf.function(lambda: optimizer.apply(grads, weights))), flops=0))
    for p in parts: p['gflops'] = p['flops'] / p['seconds'] / 1e9 if p['seconds'] else 0.0
    call = timed(tf.function(lambda: x[0, 0, 0, 0]))
    return dict(arch=arch, precision=precision, batch_size=batch_size, parts=parts, call_seconds=call,
                gemms=time_gemms(step_gemms(model, batch_size), precision, repeats))

def step_ceilings(breakdown:dict, # as step_breakdown returns
                  matmul_gflops:float, # the matrix product's GFLOP/s in the breakdown's precision
                  heavy:float=0.05, # a part is heavy when it holds at least this share of the step's FLOPs
                 ) -> dict: # step, light_parts_free, heavy_parts_at_matmul (shares of the matrix product), heavy (the heavy parts' names)
    "Two ceilings on the step's share of the matrix product's speed, from the parts of `breakdown`."
    whole, parts = breakdown['parts'][0], breakdown['parts'][1:]
    heavy_parts = [p for p in parts if p['flops'] >= heavy * whole['flops']]
    light_parts = [p for p in parts if p['flops'] < heavy * whole['flops']]
    call = breakdown.get('call_seconds', 0.0)
    def share(seconds): return whole['flops'] / seconds / 1e9 / matmul_gflops if seconds > 0 else None
    def work(parts): return sum(max(0.0, p['seconds'] - (0.0 if p['part'].endswith(' backward') else call)) for p in parts)
    heavy_flops = sum(p['flops'] for p in heavy_parts)
    return dict(step=share(whole['seconds']), light_parts_free=share(work(heavy_parts)),
                heavy_parts_at_matmul=share(heavy_flops / matmul_gflops / 1e9 + work(light_parts)),
                heavy=[p['part'] for p in heavy_parts])

def _quiet_env(): return {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3'}  # child processes: no TensorFlow notices

def _in_child(spec:dict) -> dict:
    "Run `measure_path` in a new Python process (building its network checks the precision); return its row, with the path's peak resident memory and the matrix product measured right after it."
    with tempfile.TemporaryFile('w+') as err:
        proc = subprocess.Popen([sys.executable, __file__, '--child', json.dumps(spec)], stdout=subprocess.PIPE, stderr=err, text=True, env=_quiet_env())
        out = proc.stdout.read(); proc.stdout.close()
        if proc.wait():
            err.seek(0)
            raise RuntimeError(f"benchmark of {spec['path']} ({spec['arch']}, {spec['precision']}) failed with exit "
                               f"code {proc.returncode}:\n{err.read()[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])

def _child(spec):
    import resource
    from transfer_mnist.data import load_mnist
    data = load_mnist('sample' if spec['data'] == 'sample' else None if spec['data'] == 'auto' else spec['data'])
    row = measure_path(spec['path'], spec['arch'], spec['precision'], data, epochs=spec['epochs'])
    # the process's peak resident memory so far: the path's alone (Linux reports KiB)
    row['peak_memory_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # then the machine's matrix product, in this process, right after the path: the path's own reference, as the
    # machine's speed drifts over the minutes of a run. Timed before the path, its buffers stayed with the process and
    # added up to 150 MB to some paths' peak memory
    row['matmul_gflops'] = matmul_gflops(spec['precision'], **spec.get('reference', {}))
    return row

def run_share(data:str='auto', # the --data of `transfer-mnist run`
              precision:str=None, # its --precision (default: none given, so 'auto')
              reuse:bool=True, # False: with --no-reuse (every training traces its own graph)
              repeats:int=1, # runs, one after another; the result is the one with the median share
             ) -> dict:
    """Wall time of the default `transfer-mnist run`, start-up included, against the seconds its report spent in training
    steps; with `repeats` > 1, the run with the median share (the lower of the two middle ones for an even number), and
    every run's share in `shares`, in the order they ran."""
    if repeats < 1: raise ValueError(f"repeats must be at least 1, received {repeats}.")
    runs = [_time_run(data, precision, reuse) for _ in range(repeats)]
    return dict(_median_run(runs), shares=[r['share'] for r in runs])

def _median_run(runs):
    "The run with the median share (the lower middle one for an even number of runs)."
    return sorted(runs, key=lambda r: r['share'])[(len(runs) - 1) // 2]

def _time_run(data, precision, reuse):
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, '-c', 'import sys; from transfer_mnist.cli import main; sys.exit(main())',
                               'run', '--data', data, '--output', folder] + (['--precision', precision] if precision else [])
                              + ([] if reuse else ['--no-reuse']),
                              capture_output=True, text=True,
                              env=_quiet_env())
        wall = time.perf_counter() - start
        if proc.returncode: raise RuntimeError(f'transfer-mnist run failed (exit code {proc.returncode}):\n{proc.stderr[-3000:]}')
        report = json.loads((Path(folder)/'report.json').read_text())
    frozen = {r['seed']: r for r in report['runs'] if r['approach'] == 'frozen'}
    def own(key):  # the fine-tuned row counts its frozen first stage too, which the frozen row already counts
        return float(sum(r[key] - (frozen[r['seed']][key] if r['approach'] == 'finetuned' and r['seed'] in frozen else 0.0)
                         for r in report['runs']))
    training, trace = own('train_seconds'), own('trace_seconds')
    # tracing the steps' graphs is part of the report's training seconds, but not a training step
    return dict(precision=report['settings']['precision'], reuse=report['settings']['reuse'], wall_seconds=wall, training_seconds=training, trace_seconds=trace,
                step_seconds=training - trace, share=(training - trace) / wall)

def _ratios(rows, matmul):
    out = {}
    for arch in sorted({r['arch'] for r in rows}):
        for precision in sorted({r['precision'] for r in rows}):
            got = {r['path']: r for r in rows if r['arch'] == arch and r['precision'] == precision}
            if 'end_to_end' not in got: continue
            e2e = got['end_to_end']['seconds_per_epoch']
            key = f'{arch}/{precision}'
            out[key] = {f'{p}_vs_end_to_end': got[p]['seconds_per_epoch'] / e2e for p in ('frozen', 'cached') if p in got}
            # against the matrix product measured in the path's own process (results from before it had one: the run's)
            reference = got['end_to_end'].get('matmul_gflops') or matmul.get(precision)
            if reference: out[key]['end_to_end_vs_matmul'] = got['end_to_end']['gflops'] / reference
        e2e = {r['precision']: r for r in rows if r['arch'] == arch and r['path'] == 'end_to_end'}
        for low in ('bfloat16', 'float16'):
            if low in e2e and 'float32' in e2e:
                out[f'{arch}/{low}']['speedup_vs_float32'] = e2e['float32']['seconds_per_epoch'] / e2e[low]['seconds_per_epoch']
                out[f'{arch}/{low}']['accuracy_change_vs_float32'] = e2e[low]['test_accuracy'] - e2e['float32']['test_accuracy']
    return out

def run_bench(data:str='auto', # 'auto', 'sample' or a path, as for `transfer-mnist run`
              quick:bool=False, # a check that it works: the sample, one timed epoch, float32, no run share
              precisions:list=None, # default: float32 and the device's low precision (bfloat16 on CPUs with it)
              archs=('seed', 'pooled'),
              paths=tuple(PATHS),
              epochs:int=None, # timed epochs after the warm-up (default 3; 1 when quick)
              share:bool=None, # measure the default run's share of training (default: unless quick)
              share_repeats:int=3, # times the default run is timed (its median counts); its variants are timed once
              data_label:str=None, # how the result names the data (default: `data`); keep paths of your machine out
              log=print, # called with each line of progress
             ) -> dict:
    "Run the benchmark: every path, architecture and precision in its own process; return everything as a dict."
    device = describe_device()
    if quick and data == 'auto': data = 'sample'
    precisions = list(precisions or (['float32'] if quick else ['float32'] + ([device['low_precision']] if device['low_precision'] else [])))
    unknown = [p for p in precisions if p not in PRECISIONS]
    if unknown: raise ValueError(f"Unknown precision {unknown[0]!r}: choose from {list(PRECISIONS)}.")
    epochs = epochs or (1 if quick else 3)
    share = (not quick) if share is None else share
    log(f"device: {device['kind']} {device['name']}; precisions {precisions}; data {data}")
    reference = dict(n=1024, warmup_seconds=0.2) if quick else dict(n=2048, warmup_seconds=2.0)  # every matmul_gflops here
    matmul = {}
    for p in precisions:
        matmul[p] = matmul_gflops(p, **reference)
        log(f'matrix product, {p}: {matmul[p]:.0f} GFLOP/s')
    rows = []
    for precision in precisions:
        for arch in archs:
            for path in paths:
                row = _in_child(dict(path=path, arch=arch, precision=precision, data=data, epochs=epochs, reference=reference))
                rows.append(row)
                log(f"{arch:<6} {precision:<8} {path:<10} {row['seconds_per_epoch']:7.2f} s an epoch, "
                    f"{row['images_per_second']:9,.0f} images/s, {row['gflops']:6.1f} GFLOP/s "
                    f"({row['gflops'] / row['matmul_gflops']:.2f} of the matrix product, {row['matmul_gflops']:.0f} GFLOP/s), "
                    f"peak memory {row['peak_memory_mb']:,.0f} MB")
    result = dict(date=datetime.now(timezone.utc).isoformat(timespec='seconds'), device=device, data=data_label or data, quick=quick,
                  epochs=epochs, matmul_gflops=matmul, rows=rows, ratios=_ratios(rows, matmul), step_breakdown=[])
    for precision in precisions:  # the first network's end-to-end step, opened
        b = step_breakdown(archs[0], precision, repeats=3 if quick else 20)
        # the matrix product again, right after the breakdown: the machine's speed drifts over the minutes of the paths
        b['matmul_gflops'] = matmul_gflops(precision, **reference)
        b['ceilings'] = step_ceilings(b, b['matmul_gflops'])
        result['step_breakdown'].append(b)
        log(f"{archs[0]} {precision} step: " + ', '.join(f"{p['part']} {p['seconds'] * 1e3:.2f} ms" for p in b['parts']))
        log(f"{archs[0]} {precision} step, share of the matrix product ({b['matmul_gflops']:.0f} GFLOP/s right after it): "
            + _ceilings_line(b['ceilings']))
    if share:
        log(f"timing the default transfer-mnist run{f' {share_repeats} times' if share_repeats > 1 else ''} ...")
        result['run_share'] = [run_share(data, repeats=share_repeats)]
        log('timing it again with --no-reuse ...')  # what tracing once per kind of network saves
        result['run_share'].append(run_share(data, reuse=False))
        if result['run_share'][0]['precision'] != 'float32' and 'float32' in precisions:  # and in float32, to compare
            log('timing it again with --precision float32 ...')
            result['run_share'].append(run_share(data, 'float32'))
        for s in result['run_share']:
            log(f"default run, {s['precision']}{'' if s['reuse'] else ', --no-reuse'}: {s['step_seconds']:.0f} s in training steps "
                f"in {s['wall_seconds']:.0f} s ({s['share']:.0%}{_median_of(s)})")
    return result

def bench_markdown(result:dict) -> str:
    "A benchmark result as Markdown: the device, the paths, the ratios, the step's parts and the default run's share."
    d = result['device']
    lines = [f"Run {result['date']} on {d['kind']} {d['name']} ({d['cores']} cores), TensorFlow {d['tensorflow']}, "
             f"data: {result['data']}, {result['epochs']} timed epoch(s) after a warm-up.", '',
             '| precision | matrix product GFLOP/s |', '|---|---:|']
    lines += [f'| {p} | {g:.0f} |' for p, g in result['matmul_gflops'].items()]
    lines += ['', '| network | precision | path | s an epoch | images/s | MFLOP an image | GFLOP/s | of the matrix product (its GFLOP/s) | peak memory MB | test accuracy |',
              '|---|---|---|---:|---:|---:|---:|---:|---:|---:|']
    for r in result['rows']:
        acc = f"{r['test_accuracy']:.2%}" if r.get('test_accuracy') is not None else ''
        fast = r.get('matmul_gflops') or result['matmul_gflops'].get(r['precision'])  # its own process's, or the run's
        lines.append(f"| {r['arch']} | {r['precision']} | {r['path']} | {r['seconds_per_epoch']:.2f} | {r['images_per_second']:,.0f} | "
                     f"{r['flops_per_image'] / 1e6:.2f} | {r['gflops']:.1f} | {r['gflops'] / fast:.2f} ({fast:.0f}) | "
                     f"{r['peak_memory_mb']:,.0f} | {acc} |")
    lines += ['', '| network/precision | ratio | value |', '|---|---|---:|']
    for key, ratios in result['ratios'].items():
        lines += [f'| {key} | {name} (points) | {100 * value:+.2f} |' if 'accuracy' in name else f'| {key} | {name} | {value:.2f} |'
                  for name, value in ratios.items()]
    for b in result.get('step_breakdown', []):
        whole, fast = b['parts'][0]['seconds'], b.get('matmul_gflops', result['matmul_gflops'].get(b['precision']))
        again = f" (the matrix product, measured again right after: {b['matmul_gflops']:.0f} GFLOP/s)" if 'matmul_gflops' in b else ''
        lines += ['', f"One end-to-end step of the {b['arch']} network, {b['precision']}, {b['batch_size']} images; each part timed alone{again}:",
                  '', '| part | ms | share of the step | GFLOP/s | of the matrix product |', '|---|---:|---:|---:|---:|']
        lines += [f"| {p['part']} | {p['seconds'] * 1e3:.2f} | {p['seconds'] / whole:.0%} | {p['gflops']:.0f} | "
                  f"{p['gflops'] / fast if fast else float('nan'):.2f} |" for p in b['parts']]
        if 'call_seconds' in b: lines += ['', f"One call of a traced function that does almost nothing: {b['call_seconds'] * 1e3:.2f} ms."]
        if b.get('gemms'):
            lines += ['', "The step's matrix products, each timed alone as a bare product of its shape:", '',
                      '| layer | product | m x k x n | ms | GFLOP/s | of the matrix product |', '|---|---|---|---:|---:|---:|']
            lines += [f"| {g['layer']} | {g['product']} | {g['m']:,} x {g['k']:,} x {g['n']:,} | " +
                      (f"{g['seconds'] * 1e3:.2f} | {g['gflops']:.0f} | {g['gflops'] / fast if fast else float('nan'):.2f} |"
                       if g['seconds'] else 'n/a | n/a | n/a |') for g in b['gemms']]
        if b.get('ceilings'): lines += ['', f"Share of the matrix product (heavy parts: {', '.join(b['ceilings']['heavy'])}): {_ceilings_line(b['ceilings'])}."]
    for i, s in enumerate(result.get('run_share', [])):
        what = (f"Default `transfer-mnist run` ({s['precision']})" if i == 0 else 'The same with `--no-reuse`'
                if not s['reuse'] else f"The same with `--precision {s['precision']}`")
        lines += ['', f"{what}: {s['step_seconds']:.0f} s in training steps out of "
                      f"{s['wall_seconds']:.0f} s of wall time ({s['share']:.0%}{_median_of(s)}); the training seconds of its report "
                      f"({s['training_seconds']:.0f} s) also count {s['trace_seconds']:.0f} s of tracing the steps' graphs."]
    return '\n'.join(lines)

def _median_of(s):
    "For a run share timed more than once: which runs its median is of."
    shares = s.get('shares', [])
    return f"; the median of {len(shares)} runs: {', '.join(f'{v:.0%}' for v in shares)}" if len(shares) > 1 else ''

def _ceilings_line(c):
    def show(v): return 'n/a' if v is None else f'{v:.2f}'
    return (f"the step {show(c['step'])}; with the light parts free {show(c['light_parts_free'])}; "
            f"with the heavy parts at the matrix product's speed {show(c['heavy_parts_at_matmul'])}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='the sample, one timed epoch, float32, no run share')
    parser.add_argument('--data', default='auto')
    parser.add_argument('--output', type=Path, default=Path(__file__).with_name('paths_cpu.json'))
    args = parser.parse_args()
    result = run_bench(args.data, quick=args.quick)
    print('\n' + bench_markdown(result))
    print(f'wrote {write_bench(result, args.output)}')


if __name__ == '__main__':
    if sys.argv[1:2] == ['--child']: print(json.dumps(_child(json.loads(sys.argv[2]))))
    else: main()
