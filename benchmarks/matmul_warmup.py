"""How the matrix product's speed changes under sustained load, in fresh processes, on this machine.

    .venv/bin/python benchmarks/matmul_warmup.py [PROCESSES]

In each of PROCESSES fresh Python processes (default 3), times 2048 x 2048 float32 products with TensorFlow three
times: the median of 10 right after a single product (what `matmul_gflops` timed before its warm-up), then after one
more second of products, then after two more; prints GFLOP/s for each. benchmarks/paths.md
quotes a run of it, as the reason `matmul_gflops` (in paths.py) warms up for two seconds.
"""
import subprocess
import sys

CHILD = r'''
import time
import numpy as np
import tensorflow as tf
n = 2048
a = tf.random.stateless_uniform((n, n), seed=(0, 0))
product = tf.function(lambda: tf.matmul(a, a)[0, 0])
def run_for(seconds):
    start = time.perf_counter()
    while time.perf_counter() - start < seconds: product().numpy()
def gflops(repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter(); product().numpy(); times.append(time.perf_counter() - start)
    return 2 * n ** 3 / float(np.median(times)) / 1e9
product().numpy()
cold = gflops(10)
run_for(1.0); one = gflops(20)
run_for(2.0); three = gflops(20)
print(f"after one product {cold:.0f}; after one second more {one:.0f}; after two more {three:.0f} GFLOP/s")
'''

if __name__ == '__main__':
    for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
        out = subprocess.run([sys.executable, '-c', CHILD], capture_output=True, text=True, check=True,
                             env={**__import__('os').environ, 'TF_CPP_MIN_LOG_LEVEL': '3'})
        print(f'process {i + 1}: {out.stdout.strip()}')
