"""Hostile and broken input: every case must fail with a clear error that names the problem, without
allocating what a lying header asks for, and without leaving a file behind. The list of faults tried and
the messages given is printed at the end of the test run (see conftest.py)."""
import gzip
import os
import resource
import struct

import numpy as np
import pytest
from conftest import REJECTED

from transfer_mnist.data import IDX_NAMES, idx_bytes, load_idx_folder, load_mnist, load_npz, parse_digits, preprocess, \
    read_idx, transfer_split

SAMPLE = load_mnist('sample')
(X, Y), (XT, YT) = SAMPLE


def write_folder(folder, images=None, labels=None, test_images=None, test_labels=None, gz=True):
    "An MNIST folder from the sample, with any of its four files replaced by the bytes given (gzip's fastest level: a gzip all the same)."
    folder.mkdir(exist_ok=True)
    contents = [images if images is not None else idx_bytes(X), labels if labels is not None else idx_bytes(Y),
                test_images if test_images is not None else idx_bytes(XT),
                test_labels if test_labels is not None else idx_bytes(YT)]
    for name, data in zip(IDX_NAMES, contents):
        (folder/(name + '.gz' if gz else name)).write_bytes(gzip.compress(data, compresslevel=1) if gz else data)
    return folder


def corrupt_gzip(data: bytes) -> bytes:
    packed = bytearray(gzip.compress(data, compresslevel=1))
    for i in range(len(packed) // 2, len(packed) // 2 + 16): packed[i] ^= 0xFF
    return bytes(packed)


FILE_CASES = {  # what is broken, the message, and the file it must name
    'IDX images file cut short': (dict(images=idx_bytes(X)[:5000]), 'is truncated', 'train-images'),
    'IDX images file with extra bytes': (dict(images=idx_bytes(X) + b'\0' * 10), 'holds more bytes than its header declares',
                                         'train-images'),
    'labels file where the images file should be': (dict(images=idx_bytes(Y)), 'Expected IDX magic', 'train-images'),
    'header declaring 1 GB of images in a tiny file': (
        dict(images=struct.pack('>IIII', 0x803, 1000, 1000, 1000) + b'\0' * 100), 'is truncated', 'train-images'),
    'header declaring 17 GB of images': (
        dict(images=struct.pack('>IIII', 0x803, 70_000, 256_000, 1000) + b'\0' * 100), 'more than the', 'train-images'),
    'labels outside 0-9': (dict(labels=idx_bytes(np.where(Y == 3, 12, Y).astype(np.uint8))),
                           f'labels must be digits 0-9; the first that is not is 12, at index {int(np.flatnonzero(Y == 3)[0]):,}',
                           'train-labels'),
    'fewer labels than images': (dict(labels=idx_bytes(Y[:-7])), 'the image and label files must come from the same release',
                                 'train-labels'),
    'training images of another size than the test images': (dict(images=idx_bytes(X[:, :20, :])), 'come from different datasets',
                                                              'train-images'),
}


@pytest.mark.parametrize('case', FILE_CASES)
def test_broken_mnist_files(tmp_path, case):
    replace, message, culprit = FILE_CASES[case]
    folder = write_folder(tmp_path/'mnist', **replace)
    before = sorted(os.listdir(folder))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError) as e:
        load_idx_folder(folder)
    named = str(folder/next(n for n in IDX_NAMES if n.startswith(culprit))) + '.gz'
    assert message in str(e.value) and named in str(e.value), str(e.value)  # names the problem and the file
    REJECTED.append((case, str(e.value)))
    assert sorted(os.listdir(folder)) == before  # nothing written beside the data
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
    assert grown_kib < 200 * 1024, f'{case}: peak memory grew by {grown_kib / 1024:.0f} MiB'


def test_corrupted_and_cut_gzip(tmp_path):
    for case, data in (('gzip file cut in the middle', gzip.compress(idx_bytes(X), compresslevel=1)[:20000]),
                       ('gzip file with corrupted bytes', corrupt_gzip(idx_bytes(X)))):
        path = tmp_path/'train-images-idx3-ubyte.gz'
        path.write_bytes(data)
        with pytest.raises(ValueError, match='could not be read as a gzip file|is truncated|holds more bytes than its header declares') as e:
            read_idx(path, 'images')
        REJECTED.append((case, str(e.value)))


def test_hostile_npz_files(tmp_path):
    objects = tmp_path/'objects.npz'
    np.savez(objects, x_train=np.array([{'code': 'evil'}], dtype=object), y_train=Y, x_test=XT, y_test=YT)
    (tmp_path/'text.npz').write_text('not an archive')
    np.savez(tmp_path/'partial.npz', x_train=X)
    for case, path, message in (('.npz holding Python objects (pickle)', objects, 'pickle can run code: refused'),
                                ('a text file named .npz', tmp_path/'text.npz', 'is not a .npz file'),
                                ('.npz without the test arrays', tmp_path/'partial.npz', 'lacks the arrays')):
        with pytest.raises(ValueError) as e:
            load_npz(path)
        assert message in str(e.value), str(e.value)
        REJECTED.append((case, str(e.value)))


API_CASES = {
    'images with NaN pixels (float)': (lambda: preprocess(np.full((2, 28, 28), np.nan)), 'expects uint8 images'),
    'pixels out of range (float 0-255)': (lambda: preprocess(X.astype(np.float32)), 'expects uint8 images'),
    'images without a height axis': (lambda: preprocess(X[:, 0, :]), 'expects images shaped'),
    'labels of another length': (lambda: preprocess(X[:10], Y[:9]), 'images but labels shaped'),
    'digit sets that overlap': (lambda: transfer_split(SAMPLE, '0-5', '5-9'), 'overlap in [5]'),
    'an empty digit set': (lambda: parse_digits([]), 'is empty'),
    'digits outside 0-9': (lambda: parse_digits('7-11'), 'must be digits 0-9'),
    'digits that are not numbers': (lambda: parse_digits('a-c'), 'cannot read'),
}


@pytest.mark.parametrize('case', API_CASES)
def test_wrong_arguments_to_the_api(case):
    call, message = API_CASES[case]
    with pytest.raises(ValueError) as e:
        call()
    assert message in str(e.value), str(e.value)
    REJECTED.append((case, str(e.value)))


def test_wrong_arguments_to_training(tmp_path):
    from transfer_mnist.cnn import build_cnn
    from transfer_mnist.save import load_cnn, save_cnn
    from transfer_mnist.train import train_cnn
    task_a, task_b = transfer_split(SAMPLE)
    cases = [('training images as floats', lambda: train_cnn(build_cnn(), (X.astype(np.float32), Y), task_b[1]),
              'expects uint8 images'),
             ('labels beyond the outputs', lambda: train_cnn(build_cnn(5), *task_b), 'labels go up to 9 but the model has 5'),
             ('zero epochs', lambda: train_cnn(build_cnn(), *task_a, epochs=0), 'epochs must be at least 1'),
             ('a model file that is not one', lambda: load_cnn(tmp_path/'x.keras'), 'Model file not found'),
             ('saving a model without the .keras ending', lambda: save_cnn(build_cnn(), tmp_path/'m.h5'),
              'ending in .keras')]
    (tmp_path/'y.keras').write_bytes(b'PK\x03\x04' + os.urandom(200))
    cases.append(('a damaged .keras file', lambda: load_cnn(tmp_path/'y.keras'), 'is not a .keras file'))
    for case, call, message in cases:
        with pytest.raises((ValueError, FileNotFoundError)) as e:
            call()
        assert message in str(e.value), str(e.value)
        REJECTED.append((case, str(e.value)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ['y.keras']  # nothing left behind


@pytest.fixture(scope='module')
def model_file(tmp_path_factory):
    "A model of ours, compiled with FusedAdam as the fast engine leaves it, saved by save_cnn."
    from transfer_mnist.cnn import build_cnn
    from transfer_mnist.fast import FusedAdam
    from transfer_mnist.save import save_cnn
    net = build_cnn(seed=0)
    net.compile(optimizer=FusedAdam(), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return save_cnn(net, tmp_path_factory.mktemp('model')/'ours.keras')


def rewrite(source, target, config=None, extra=None, sizes=None):
    "A copy of the model file `source` with its config.json's text edited by `config`, more members, or padded members."
    import zipfile
    with zipfile.ZipFile(source) as z: members = {n: z.read(n) for n in z.namelist()}
    if config: members['config.json'] = config(members['config.json'].decode()).encode()
    members.update(extra or {})
    with zipfile.ZipFile(target, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items(): z.writestr(name, data + b' ' * (sizes or {}).get(name, 0))
    return target


FLATTEN = '"module": "keras.layers", "class_name": "Flatten", "config": {'
MODEL_CASES = {  # how the file was crafted, and what the refusal must say
    'a Lambda layer in place of Flatten': (
        dict(config=lambda c: c.replace(FLATTEN, '"module": "keras.layers", "class_name": "Lambda", "config": {"function": '
                                                 '{"module": "builtins", "class_name": "function", "config": "print", '
                                                 '"registered_name": "function"}, ')),
        'holds Python code (a Lambda layer or a function, keras.layers.Lambda at config.config.layers[1].config.layers[3])'),
    'a function named by module and name, as an activation': (
        dict(config=lambda c: c.replace('"activation": "relu"', '"activation": {"module": "os", "class_name": "function", '
                                                                '"config": "system", "registered_name": "function"}', 1)),
        'holds Python code (a Lambda layer or a function, os.function at'),
    'a class from a module outside keras': (
        dict(config=lambda c: c.replace(FLATTEN, '"module": "subprocess", "class_name": "Popen", "config": {')),
        'names subprocess.Popen (registered as None) at config.config.layers[1].config.layers[3]'),
    "a keras layer that build_cnn never makes (TFSMLayer loads a SavedModel's graph)": (
        dict(config=lambda c: c.replace(FLATTEN, '"module": "keras.layers", "class_name": "TFSMLayer", "config": {')),
        'names keras.layers.TFSMLayer (registered as None)'),
    'a keras class registered under a custom name': (
        dict(config=lambda c: c.replace('"data_format": "channels_last"}, "registered_name": null',  # Flatten's, the first
                                        '"data_format": "channels_last"}, "registered_name": "evil>Payload"', 1)),
        "names keras.layers.Flatten (registered as 'evil>Payload')"),
    'a member outside the archive (path traversal)': (
        dict(extra={'../../outside.txt': b'written where it should not be'}), "its member '../../outside.txt' points outside the archive"),
    'a member that is not part of a model': (dict(extra={'assets/run.sh': b'rm -rf ~'}), "its member 'assets/run.sh' is not part of a model"),
    'a config.json of 2 MB': (dict(sizes={'config.json': 2 << 20}), 'its member config.json declares 2,'),
    'a config.json that is not JSON': (dict(config=lambda c: c[:-40]), 'its config.json is not JSON'),
    'a config.json nested 100,000 deep': (dict(config=lambda c: '[' * 100_000 + ']' * 100_000), 'its config.json is not JSON'),
}


@pytest.mark.parametrize('case', MODEL_CASES)
def test_hostile_model_files(tmp_path, model_file, case):
    "Each crafted file is refused before Keras reads it, quickly, in bounded memory, naming the file; nothing is left behind."
    import time
    from transfer_mnist.save import ModelFileError, load_cnn
    crafted, message = MODEL_CASES[case]
    path = rewrite(model_file, tmp_path/'crafted.keras', **crafted)
    peak, start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.monotonic()
    with pytest.raises(ModelFileError) as e:
        load_cnn(path)
    assert time.monotonic() - start < 10 and resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 200_000  # KiB
    assert str(path) in str(e.value) and message in str(e.value), str(e.value)
    assert sorted(p.name for p in tmp_path.rglob('*')) == ['crafted.keras']  # nothing extracted, nothing left behind
    REJECTED.append((f'model file: {case}', str(e.value)))


def test_every_network_of_ours_still_loads(tmp_path):
    "The allow-list lets through what build_cnn makes: each architecture, each precision, compiled or not."
    import keras
    from transfer_mnist.core import PRECISIONS
    from transfer_mnist.cnn import ARCHITECTURES, build_cnn
    from transfer_mnist.fast import FusedAdam
    from transfer_mnist.freeze import freeze, trainable_summary
    from transfer_mnist.save import load_cnn, save_cnn
    for arch in ARCHITECTURES:
        for precision in PRECISIONS:
            net = freeze(build_cnn(**ARCHITECTURES[arch], seed=0, precision=precision), 'features')
            optimizer = FusedAdam() if precision != 'float16' else keras.optimizers.LossScaleOptimizer(FusedAdam())
            net.compile(optimizer=optimizer, loss='sparse_categorical_crossentropy', metrics=['accuracy'])
            loaded = load_cnn(save_cnn(net, tmp_path/f'{arch}-{precision}.keras'))
            assert [w.shape for w in loaded.weights] == [w.shape for w in net.weights], (arch, precision)
            assert trainable_summary(loaded) == trainable_summary(net), (arch, precision)  # still frozen
    plain = build_cnn(seed=1)  # never compiled
    load_cnn(save_cnn(plain, tmp_path/'plain.keras'))


def test_only_mnists_own_files_are_called_full_mnist(tmp_path, monkeypatch):
    "A folder of other data in MNIST's IDX format loads, but the log and the report name it by its folder."
    from transfer_mnist.cli import choose_data
    from transfer_mnist.data import is_mnist
    folder = write_folder(tmp_path/'other')  # the sample, written as IDX files: MNIST's format, not its files
    data, described = choose_data(str(folder))
    assert not is_mnist(data) and 'full MNIST' not in described, described
    assert described.startswith(f'the data in {folder}') and 'checksums differ' in described, described
    # MNIST's own files are full MNIST, named by $TRANSFER_MNIST_DATA (CI's ../shared copy) or shipped in the package
    from transfer_mnist.data import mnist_path
    from conftest import named_full_mnist
    monkeypatch.setenv('TRANSFER_MNIST_DATA', named_full_mnist() or str(mnist_path()))
    data, described = choose_data('auto')
    assert is_mnist(data) and described.startswith('full MNIST from'), described
    monkeypatch.delenv('TRANSFER_MNIST_DATA')
    data, described = choose_data('auto')
    assert is_mnist(data) and described == 'full MNIST (the copy shipped with transfer_mnist)', described
