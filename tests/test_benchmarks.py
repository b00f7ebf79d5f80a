"""Every script in benchmarks/ still fits the library it measures.

A benchmark runs only when someone reruns it, so a name it uses can move or go without anything noticing: the script
then fails with an AttributeError, or, worse, its assignment to a name that is gone succeeds and a row of its table
silently measures nothing. Each script is imported here (not run: each runs only as __main__), and every name it takes
from transfer_mnist must exist: `from transfer_mnist.m import n`, and every attribute it reads or replaces on such a
module or class (`fast.ShuffledBatches.dataset = ...`), at module level or inside its functions.
"""
import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

root = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((root/'benchmarks').glob('*.py'))


def library_imports(tree: ast.AST) -> dict:
    "The names a script binds to transfer_mnist's modules and objects, anywhere in it: {local name: 'module.name'}."
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or '').split('.')[0] == 'transfer_mnist':
            for alias in node.names: bound[alias.asname or alias.name] = f'{node.module}.{alias.name}'
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split('.')[0] == 'transfer_mnist': bound[alias.asname or alias.name.split('.')[0]] = alias.name
    return bound


def resolve(dotted: str):
    "The object `dotted` names ('transfer_mnist.fast.train_fast'), imported; AttributeError naming the missing part."
    parts = dotted.split('.')
    for i in range(len(parts), 0, -1):  # the longest importable prefix, then attributes
        try: obj = importlib.import_module('.'.join(parts[:i])); break
        except ModuleNotFoundError: continue
    for j, name in enumerate(parts[i:], i):
        if not hasattr(obj, name): raise AttributeError(f"{'.'.join(parts[:j])} has no {name!r}")
        obj = getattr(obj, name)
    return obj


def attribute_chains(tree: ast.AST, roots) -> list:
    "Every `root.a.b` a script reads or assigns, for the given root names, as (line, 'root.a.b'); the longest only."
    chains = {}
    for node in ast.walk(tree):
        names, inner = [], node
        while isinstance(inner, ast.Attribute): names.insert(0, inner.attr); inner = inner.value
        if names and isinstance(inner, ast.Name) and inner.id in roots:
            dotted = '.'.join([inner.id, *names])
            if not any(c.startswith(dotted + '.') for c in chains): chains[dotted] = node.lineno
            for shorter in [c for c in chains if dotted.startswith(c + '.')]: del chains[shorter]
    return sorted((line, c) for c, line in chains.items())


@pytest.mark.parametrize('script', SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_a_benchmark_uses_only_names_the_library_has(script):
    spec = importlib.util.spec_from_file_location(f'benchmark_{script.stem}', script)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))  # its imports, constants and definitions
    tree = ast.parse(script.read_text())
    bound = library_imports(tree)
    missing = []
    for dotted in bound.values():
        try: resolve(dotted)
        except AttributeError as e: missing.append(f'import of {dotted}: {e}')
    for line, chain in attribute_chains(tree, bound):
        local, _, rest = chain.partition('.')
        try: resolve(f'{bound[local]}.{rest}')
        except AttributeError as e: missing.append(f'line {line}, {chain}: {e}')
    assert not missing, f'{script.relative_to(root)} uses names the library no longer has:\n' + '\n'.join(missing)


def test_the_check_sees_a_name_that_moved():
    "The check itself: a script that patches a name its module no longer has (the bug fit_end_stall.py had) fails it."
    tree = ast.parse('from transfer_mnist import train\ndef f(d): train.ShuffledBatches.dataset = d\n')
    bound = library_imports(tree)
    assert attribute_chains(tree, bound) == [(2, 'train.ShuffledBatches.dataset')]
    with pytest.raises(AttributeError, match="transfer_mnist.train has no 'ShuffledBatches'"):
        resolve('transfer_mnist.train.ShuffledBatches.dataset')
    assert resolve('transfer_mnist.fast.ShuffledBatches.dataset')
