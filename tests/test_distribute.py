"""The lab's transfer step under tf.distribute.MirroredStrategy on two logical CPU devices, with either engine:
plain Keras in the strategy's scope, and the fast engine's `strategy=`. Each must match its single-device accuracy
within 0.5 points. Logical devices are set before TensorFlow starts, so the
training runs in a fresh process. The two replicas' sums in another order are what is tested, and 2,560 of the
sample's images a task show them (one epoch, 20 steps)."""
import json
import subprocess
import sys


SCRIPT = """
import json
import tensorflow as tf
cpu, = tf.config.list_physical_devices('CPU')
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from transfer_mnist.cnn import build_cnn, copy_cnn
from transfer_mnist.data import load_mnist, transfer_split
from transfer_mnist.freeze import freeze
from transfer_mnist.fast import train_fast
from transfer_mnist.train import train_cnn

task_a, task_b = [((x[:2560], y[:2560]), test) for (x, y), test in transfer_split(load_mnist('sample'))]
base = build_cnn(seed=0)
train_cnn(base, *task_a, epochs=1, seed=0)
single = train_fast(freeze(copy_cnn(base), 'features'), *task_b, epochs=1, seed=0)
strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
try: train_fast(freeze(copy_cnn(base), 'features'), *task_b, epochs=1, seed=0, strategy=strategy)
except ValueError as e: refused = str(e)
with strategy.scope():
    transfer = freeze(copy_cnn(base), 'features')
mirrored = train_fast(transfer, *task_b, epochs=1, seed=0, strategy=strategy)
keras_single = train_cnn(freeze(copy_cnn(base), 'features'), *task_b, epochs=1, seed=0)
with strategy.scope():  # plain Keras: build and train in the scope
    keras_mirrored = train_cnn(freeze(copy_cnn(base), 'features'), *task_b, epochs=1, seed=0)
print(json.dumps(dict(replicas=strategy.num_replicas_in_sync, single=single.test_accuracy,
                      mirrored=mirrored.test_accuracy, refused=refused,
                      frozen=mirrored.frozen_params, keras_single=keras_single.test_accuracy,
                      keras_mirrored=keras_mirrored.test_accuracy, keras_frozen=keras_mirrored.frozen_params,
                      max_weight_difference=max(float(abs(a - b).max()) for a, b in
                                                zip(single.model.get_weights(), mirrored.model.get_weights())))))
"""


def test_mirrored_transfer_matches_one_device():
    run = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    print(result)
    assert result['replicas'] == 2
    assert abs(result['mirrored'] - result['single']) <= 0.005, result
    assert result['frozen'] == 9568
    assert result['max_weight_difference'] > 0  # it really ran on two replicas: sums in another order
    assert 'inside `with strategy.scope():`' in result['refused']
    assert abs(result['keras_mirrored'] - result['keras_single']) <= 0.005, result
    assert result['keras_frozen'] == 9568
