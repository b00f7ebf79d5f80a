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
    "An MNIST folder from the sample, with any of its four files replaced by the bytes given."
    folder.mkdir(exist_ok=True)
    contents = [images if images is not None else idx_bytes(X), labels if labels is not None else idx_bytes(Y),
                test_images if test_images is not None else idx_bytes(XT),
                test_labels if test_labels is not None else idx_bytes(YT)]
    for name, data in zip(IDX_NAMES, contents):
        (folder/(name + '.gz' if gz else name)).write_bytes(gzip.compress(data) if gz else data)
    return folder


def corrupt_gzip(data: bytes) -> bytes:
    packed = bytearray(gzip.compress(data))
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
    for case, data in (('gzip file cut in the middle', gzip.compress(idx_bytes(X))[:20000]),
                       ('gzip file with corrupted bytes', corrupt_gzip(idx_bytes(X)))):
        path = tmp_path/'train-images-idx3-ubyte.gz'
        path.write_bytes(data)
        with pytest.raises(ValueError, match='could not be read as a gzip file|is truncated') as e:
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
