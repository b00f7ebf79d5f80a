# Packaging for transfer_mnist, driven by settings.ini (nbdev 2's layout).
# Adapted from nbdev's template: pkg_resources is gone from current setuptools,
# so versions are parsed with `packaging` instead.
from configparser import ConfigParser
from pathlib import Path

import setuptools
from packaging.version import parse as parse_version

assert parse_version(setuptools.__version__) >= parse_version('36.2')

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

for key in 'version description keywords author author_email'.split():
    assert key in cfg, f'settings.ini is missing the key {key!r}'

licenses = {'apache2': 'Apache-2.0'}  # SPDX expressions
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable',
            '6 - Mature', '7 - Inactive']
py_versions = '3.11 3.12 3.13'.split()

min_python = cfg['min_python']
requirements = cfg.get('requirements', '').split()
dev_requirements = cfg.get('dev_requirements', '').split()
grading_requirements = cfg.get('grading_requirements', '').split()
console_scripts = cfg.get('console_scripts', '').split()

setuptools.setup(
    name=cfg['lib_name'].replace('_', '-'),
    version=cfg['version'],
    description=cfg['description'],
    long_description=Path('README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    license=licenses[cfg['license'].lower()],
    classifiers=[
        'Development Status :: ' + statuses[int(cfg['status'])],
        'Intended Audience :: ' + cfg['audience'].title(),
        'Natural Language :: ' + cfg['language'].title(),
    ] + ['Programming Language :: Python :: ' + v for v in py_versions[py_versions.index(min_python):]],
    url=cfg['git_url'],
    author=cfg['author'],
    author_email=cfg['author_email'],
    keywords=cfg['keywords'],
    # MNIST's four files and their licence note ship inside the package (see transfer_mnist/mnist/),
    # and so do the student notebooks (made from the lessons by tools/make_exercises.py) and the numbers
    # of the lessons' full-MNIST runs (stored by tools/dev outputs, read by a lesson run on the sample):
    # their folders are data-only packages, declared as such so that setuptools installs them without a warning.
    packages=setuptools.find_namespace_packages(include=['transfer_mnist', 'transfer_mnist.mnist', 'transfer_mnist.student',
                                                         'transfer_mnist.lessons']),
    package_data={'transfer_mnist.mnist': ['*.gz', '*.md'], 'transfer_mnist.student': ['*.ipynb'],
                  'transfer_mnist.lessons': ['*.json']},
    include_package_data=True,
    install_requires=requirements,
    extras_require={'dev': dev_requirements + grading_requirements, 'grading': grading_requirements},
    python_requires='>=' + min_python,
    zip_safe=False,
    entry_points={
        'console_scripts': console_scripts,
        'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"],
    },
)
