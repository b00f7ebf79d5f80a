"""End to end: `transfer-mnist bench --quick`, the benchmark's check mode, as CI runs it.

It runs every path of the lab in processes of their own on the shipped sample; the numbers are not
judged here (a timing gate on a noisy machine tells nothing), only that each path ran, was counted
and measured, and that the JSON holds what the docs page shows.
"""
import json

import pytest

from test_cli import run

PATHS = ['end_to_end', 'frozen', 'cached', 'extract', 'inference']


def test_quick_bench_runs_every_path_and_writes_json(tmp_path):
    out = tmp_path/'bench.json'
    r = run('bench', '--quick', '--output', str(out))
    assert r.returncode == 0, r.stderr
    result = json.loads(out.read_text())
    assert result['quick'] and result['data'] == 'the shipped sample' and result['epochs'] == 1
    assert result['device']['kind'] in ('CPU', 'GPU') and result['matmul_gflops']['float32'] > 0
    got = [(row['arch'], row['precision'], row['path']) for row in result['rows']]
    assert got == [(arch, 'float32', path) for arch in ('seed', 'pooled') for path in PATHS]
    for row in result['rows']:
        assert row['seconds_per_epoch'] > 0 and len(row['epoch_seconds']) == 2, row
        assert row['gflops'] > 0 and row['flops_per_image'] > 0, row
        assert 200 < row['peak_memory_mb'] < 8000, row  # a process with TensorFlow, measured by the OS
        assert row['matmul_gflops'] > 0, row  # the matrix product, measured in the path's own process
    seed = {row['path']: row for row in result['rows'] if row['arch'] == 'seed'}
    assert seed['frozen']['flops_per_image'] < 0.5 * seed['end_to_end']['flops_per_image']
    assert seed['cached']['flops_per_image'] < seed['frozen']['flops_per_image']
    assert set(result['ratios']) == {'seed/float32', 'pooled/float32'}
    assert set(result['ratios']['pooled/float32']) == {'frozen_vs_end_to_end', 'cached_vs_end_to_end', 'end_to_end_vs_matmul'}
    assert result['ratios']['seed/float32']['end_to_end_vs_matmul'] == pytest.approx(
        seed['end_to_end']['gflops'] / seed['end_to_end']['matmul_gflops'])
    assert 'run_share' not in result  # quick mode skips the default run
    [step] = result['step_breakdown']  # the seed network's step, opened, in float32
    assert (step['arch'], step['precision'], step['batch_size']) == ('seed', 'float32', 128)
    parts = [p['part'] for p in step['parts']]
    assert parts[0] == 'whole step' and 'conv2 backward' in parts and parts[-1] == 'optimizer update'
    assert sum(p['flops'] for p in step['parts'][1:]) == step['parts'][0]['flops'] == 128 * seed['end_to_end']['flops_per_image']
    assert '| conv2 backward |' in r.stdout
    # the step's matrix products carry its multiply-adds; the ceilings are computed and shown
    assert [(g['layer'], g['product']) for g in step['gemms']][:3] == [('conv1', 'forward'), ('conv1', 'weights'), ('conv2', 'forward')]
    assert all(g['seconds'] is None or g['seconds'] > 0 and g['gflops'] > 0 for g in step['gemms']) and step['call_seconds'] > 0
    assert all(g['gflops'] > 0 for g in step['gemms'] if g['layer'] in ('conv2', 'dense'))  # the products that matter are timed
    assert set(step['ceilings']) == {'step', 'light_parts_free', 'heavy_parts_at_matmul', 'heavy'}
    assert step['matmul_gflops'] > 0  # measured again, right after the breakdown, for its ceilings
    assert abs(step['ceilings']['step'] - step['parts'][0]['gflops'] / step['matmul_gflops']) < 1e-9
    assert '| conv2 | forward | 73,728 x 288 x 32 |' in r.stdout and 'with the light parts free' in r.stdout
    assert '| pooled | float32 | cached |' in r.stdout and f'wrote {out}' in r.stdout


@pytest.mark.parametrize('args, message', [
    (['bench', '--precision', 'float8'], "unknown precision 'float8'"),
    (['bench', '--arch', 'huge'], "unknown architecture 'huge'"),
    (['bench', '--epochs', '0'], 'must be at least 1'),
])
def test_bench_wrong_arguments_stop_at_once(args, message):
    r = run(*args)
    assert r.returncode == 2
    assert message in r.stderr.strip().splitlines()[-1]


def test_bench_refuses_a_folder_as_output(tmp_path):
    r = run('bench', '--quick', '--output', str(tmp_path))
    assert r.returncode == 2
    assert 'is a folder' in r.stderr.strip().splitlines()[-1]


def test_run_share_times_the_default_run_in_the_precision_auto_picks():
    from transfer_mnist.bench import run_share
    from transfer_mnist.cnn import resolve_precision
    s = run_share('sample', repeats=2)  # the default run (three seeds, every approach), on the sample, twice
    assert s['precision'] == resolve_precision('auto')[0] and s['reuse'] is True
    assert 0 <= s['trace_seconds'] < s['training_seconds'] < s['wall_seconds'], s
    assert s['step_seconds'] == pytest.approx(s['training_seconds'] - s['trace_seconds'])
    assert 0 < s['share'] < 1, s
    assert len(s['shares']) == 2 and s['share'] == min(s['shares']), s  # of two runs, the lower share counts
