"""The notebooks as committed: what a reader of the repository or the documentation site sees.

Long runs show live progress while they run (`Progress`), updating one output in place; what is saved
must be that one output, not pages of progress lines. A notebook is the wrong place for this check: it
reads every notebook's saved outputs, its own included.
"""
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent/'nbs').glob('*.ipynb'))
MAX_LINES = 60  # of text a code cell may leave (the longest table or log a lesson shows is shorter)


def text_of(output) -> str:
    if output['output_type'] == 'stream': return ''.join(output['text'])
    return ''.join(output.get('data', {}).get('text/plain', [])) if 'text/html' not in output.get('data', {}) else ''


@pytest.mark.parametrize('path', NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_progress_spam_is_saved(path):
    for i, cell in enumerate(json.loads(path.read_text())['cells']):
        if cell['cell_type'] != 'code': continue
        texts = [text_of(o) for o in cell['outputs']]
        lines = sum(t.count('\n') + 1 for t in texts if t)
        assert lines <= MAX_LINES, f'{path.name}, cell {i}: {lines} lines of output saved'
        texts = [text_of(o) for o in cell['outputs'] if o['output_type'] == 'display_data']  # what Progress shows
        steps = [t for t in texts if ' step ' in t and ': epoch ' in t]
        assert len(steps) <= 1, f"{path.name}, cell {i}: {len(steps)} progress displays saved, not one updated in place"
        progress = [t for t in texts if t.startswith('starting') or (t.split(' s: ', 1)[0].isdigit() and ' s: ' in t)]
        assert len(progress) <= 1, f'{path.name}, cell {i}: {len(progress)} progress outputs saved, not one updated in place'
