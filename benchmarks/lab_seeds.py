"""Could the lab's run on the sample be shorter? Its two largest cells, seed by seed and epoch by epoch.

    .venv/bin/python benchmarks/lab_seeds.py            # writes lab_seeds.json (about 3 minutes on the 2-core AVX2 AMD EPYC)
    .venv/bin/python benchmarks/lab_seeds.py --table    # only print what lab_seeds.json holds

In the test tier, the lab (`nbs/10_lab.ipynb`) runs on the sample, and two of its cells hold most of its CPU seconds:
- the comparison over three seeds (`run_experiment`, frozen and scratch, fast engine, float32), whose sample check is
  the frozen transfer within a point of scratch, in under 0.9 of its time;
- the linear probe (`linear_probe`, 10 epochs by default) on three descriptions of 5,000 images of 5-9, whose check is
  the order: the 0-4 network's features above raw pixels and above an untrained network's features.

This runs each seed's comparison alone, as a one-seed cell would, and the three seeds' mean, as the lab checks it;
and the probe at its 10 epochs and at 3, on the third seed's base network. Each with its CPU seconds (this process's,
one TensorFlow thread, as in the tier).
"""
import argparse
import json
import os
import resource
import sys
from datetime import date
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent/'tools')]

result_path = Path(__file__).with_name('lab_seeds.json')
SEEDS, PROBE_EPOCHS = (0, 1, 2), (10, 3)


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def compare(data, seed) -> tuple: # (the numbers of one seed's comparison, its base network)
    from transfer_mnist.experiment import run_experiment
    start = cpu()
    exp = run_experiment(data, arch='seed', epochs=1, batch_size=128, seeds=[seed], approaches=['frozen', 'scratch'],
                         precision='float32', engine='fast', log=lambda line: None)
    s = exp.summary()
    return dict(seed=seed, cpu=round(cpu() - start, 1), frozen=s['frozen']['test_accuracy_mean'],
                scratch=s['scratch']['test_accuracy_mean'], frozen_minus_scratch=s['frozen']['test_accuracy_mean'] - s['scratch']['test_accuracy_mean'],
                frozen_vs_scratch_time=s['frozen']['seconds_vs_scratch_median']), exp.details['bases'][seed]


def probes(base, task_b, epochs) -> dict:
    "The lab's probe cell, on `base`: each description's test accuracy, the order's check, and its CPU seconds."
    from transfer_mnist.cnn import build_cnn
    from transfer_mnist.data import preprocess
    from transfer_mnist.probe import linear_probe
    (x, y), (x_test, y_test) = task_b
    start = cpu()
    nets = {"an untrained network's features": build_cnn(seed=1).get_layer('features'), "the 0-4 network's features": base.get_layer('features')}
    def describe(images):
        return {'raw pixels': images.reshape(len(images), -1).astype('float32') / 255,
                **{name: net.predict(preprocess(images), verbose=0) for name, net in nets.items()}}
    train, test = describe(x), describe(x_test)
    described = cpu() - start
    out = {}
    for n in epochs:
        start = cpu()
        accuracy = {name: linear_probe(train[name], y, test[name], y_test, epochs=n) for name in train}
        learned = accuracy["the 0-4 network's features"]
        out[n] = dict(accuracy=accuracy, order_holds=learned > max(a for k, a in accuracy.items() if k != "the 0-4 network's features"),
                      cpu=round(cpu() - start, 1))
    return dict(describe_cpu=round(described, 1), epochs=out)


def measure() -> dict:
    from transfer_mnist.core import describe_device
    from transfer_mnist.data import load_mnist, transfer_split
    from outputs import source_commit
    data = load_mnist('sample')
    seeds, base = [], None
    for seed in SEEDS:
        row, base = compare(data, seed)
        seeds.append(row)
    mean = lambda key: sum(r[key] for r in seeds) / len(seeds)
    return dict(date=str(date.today()), device=describe_device(), commit=source_commit(('transfer_mnist',)),
                data='the sample (1,000 training and 500 test images a digit)', seeds=seeds,
                three_seeds=dict(frozen_minus_scratch=mean('frozen_minus_scratch'), cpu=round(sum(r['cpu'] for r in seeds), 1)),
                probe=dict(base_seed=SEEDS[-1], **probes(base, transfer_split(data)[1], PROBE_EPOCHS)))


def table(result: dict) -> str:
    d = result['device']
    lines = [f"{result['date']}, {d['name']} ({', '.join(d.get('bf16_instructions') or ['no bfloat16 instructions'])}), "
             f"{d['cores']} cores, commit {result['commit'][:7]}, {result['data']}",
             '| seed | frozen | scratch | frozen - scratch | within a point | frozen / scratch time | CPU s |', '|---|---:|---:|---:|---|---:|---:|']
    for r in result['seeds']:
        lines.append(f"| {r['seed']} | {r['frozen']:.2%} | {r['scratch']:.2%} | {100 * r['frozen_minus_scratch']:+.2f} | "
                     f"{'yes' if abs(r['frozen_minus_scratch']) < 0.01 else 'no'} | {r['frozen_vs_scratch_time']:.2f} | {r['cpu']} |")
    t = result['three_seeds']
    lines.append(f"| mean of the three | | | {100 * t['frozen_minus_scratch']:+.2f} | {'yes' if abs(t['frozen_minus_scratch']) < 0.01 else 'no'} | | {t['cpu']} |")
    p = result['probe']
    lines += ['', f"linear probe on seed {p['base_seed']}'s base (describing the images: {p['describe_cpu']} CPU s):",
              '| epochs | ' + ' | '.join(next(iter(p['epochs'].values()))['accuracy']) + ' | order holds | CPU s |', '|---:|---:|---:|---:|---|---:|']
    for n, e in p['epochs'].items():
        lines.append(f"| {n} | " + ' | '.join(f'{a:.2%}' for a in e['accuracy'].values()) + f" | {'yes' if e['order_holds'] else 'no'} | {e['cpu']} |")
    return '\n'.join(lines)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--table', action='store_true', help='only print the table of lab_seeds.json')
    args = parser.parse_args()
    if not args.table:
        for name in ('TF_NUM_INTRAOP_THREADS', 'TF_NUM_INTEROP_THREADS'): os.environ.setdefault(name, '1')  # the tier's, before TensorFlow
        result_path.write_text(json.dumps(measure(), indent=1) + '\n')
    print(table(json.loads(result_path.read_text())))
