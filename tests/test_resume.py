"""Resume after a real kill, with the fast engine's checkpoint: a training process gets SIGKILL in the middle of an
epoch; the same command run again resumes from its last checkpoint and ends with exactly the weights of an
uninterrupted run. (Plain Keras's BackupAndRestore resumes too, not bit for bit: see the training notebook.)
It trains on conftest.small_mnist's digits 0-4 (1,280 images: ten steps an epoch, enough to kill one mid-epoch)."""
import signal
import subprocess
import sys

import numpy as np

SCRIPT = """
import sys
import numpy as np
from transfer_mnist.cnn import ARCHITECTURES, build_cnn
from transfer_mnist.data import load_mnist, transfer_split
from transfer_mnist.fast import train_fast
import keras  # the one the library imported
resume_dir, out, data = sys.argv[1:4]

class Say(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None): self.epoch = epoch
    def on_train_batch_end(self, batch, logs=None): print(f'epoch {self.epoch + 1} batch {batch + 1}', flush=True)

task_a, _ = transfer_split(load_mnist(data))
result = train_fast(build_cnn(**ARCHITECTURES['pooled'], seed=0), *task_a, epochs=3, seed=0, resume_dir=resume_dir,
                    callbacks=[Say()])
np.savez(out, *result.model.get_weights())
print(f'finished after {result.epochs} epochs', flush=True)
"""


def run(resume_dir, out, data, kill_at=None):
    "Run the script; with kill_at='epoch 2 batch 7', SIGKILL it when it prints that line."
    proc = subprocess.Popen([sys.executable, '-c', SCRIPT, str(resume_dir), str(out), str(data)], stdout=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line.strip())
        if kill_at and line.strip() == kill_at:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=300)
    return proc.returncode, lines


def weights(path):
    with np.load(path) as f: return [f[k] for k in sorted(f.files, key=lambda k: int(k.split('_')[1]))]


def test_a_killed_run_resumes_to_the_same_weights(tmp_path, small_mnist):
    code, lines = run(tmp_path/'no-kill', tmp_path/'uninterrupted.npz', small_mnist)
    assert code == 0 and lines[-1] == 'finished after 3 epochs', lines[-3:]

    code, lines = run(tmp_path/'checkpoint', tmp_path/'killed.npz', small_mnist, kill_at='epoch 2 batch 7')
    assert code == -signal.SIGKILL and not (tmp_path/'killed.npz').exists()
    assert (tmp_path/'checkpoint'/'state.json').exists()

    code, lines = run(tmp_path/'checkpoint', tmp_path/'resumed.npz', small_mnist)
    assert code == 0, lines[-3:]
    assert lines[0] == 'epoch 2 batch 1' and lines[-1] == 'finished after 2 epochs', (lines[0], lines[-1])
    for a, b in zip(weights(tmp_path/'uninterrupted.npz'), weights(tmp_path/'resumed.npz'), strict=True):
        assert np.array_equal(a, b)
    assert not (tmp_path/'checkpoint').exists()  # finished: the checkpoint is gone
