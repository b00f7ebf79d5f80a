# Sphinx configuration of the transfer_mnist documentation site.
# The pages are the notebooks in nbs/, processed by nbdev and converted by tools/build_docs.py
# into docs/_src/; build the site with `tools/dev docs` (HTML in docs/_build/html).
import inspect

project = 'transfer_mnist'
author = 'transfer_mnist developers'
copyright = '2026, transfer_mnist developers. MNIST: LeCun, Cortes and Burges, CC BY-SA 3.0'

extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx.ext.autosummary']
nb_execution_mode = 'off'  # render the outputs stored in the notebooks: they come from real runs
nb_merge_streams = True
myst_heading_anchors = 3  # show_doc headings (### freeze) get anchors (#freeze), as on an nbdev site
myst_enable_extensions = ['colon_fence']
suppress_warnings = ['mystnb.unknown_mime_type', 'myst.header']  # show_doc headings are H3, as nbdev makes them
exclude_patterns = ['_build']
autodoc_member_order = 'bysource'
autodoc_typehints = 'signature'

html_theme = 'sphinx_book_theme'
html_title = 'transfer_mnist'
html_theme_options = {'use_download_button': True, 'show_toc_level': 2}
html_copy_source = True
html_show_sourcelink = True


def _docments_as_params(app, what, name, obj, options, lines):
    "Show nbdev's docments-style parameter comments (`x, # what x is`) as :param: fields."
    if what not in ('function', 'method', 'class') or not callable(obj): return
    from fastcore.docments import docments
    try: docs = docments(obj, full=False, returns=True)
    except Exception: return
    returned = docs.pop('return', None)
    params = [(k, v) for k, v in docs.items() if v]
    if params or returned: lines.append('')
    for k, v in params: lines.append(f':param {k}: {v}')
    if returned: lines.append(f':returns: {returned}')


def setup(app):
    app.connect('autodoc-process-docstring', _docments_as_params)

html_static_path = ['_static']
html_favicon = '_static/favicon.svg'
html_context = {'default_mode': 'light'}

html_extra_path = ['_extra']  # the source notebooks, written there by tools/build_docs.py
