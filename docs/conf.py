# Sphinx configuration of the transfer_mnist documentation site.
# The pages are the notebooks in nbs/, processed by nbdev and converted by tools/build_docs.py
# into docs/_src/; build the site with `tools/dev docs` (HTML in docs/_build/html), or the
# instructors' one, with the exercises' solutions, with `tools/dev docs --solutions` (docs/_build/instructors).
import inspect

project = 'transfer_mnist'
author = 'transfer_mnist developers'
copyright = '2026, transfer_mnist developers. MNIST: LeCun, Cortes and Burges, CC BY-SA 3.0'

# sphinx-mathjax-offline: MathJax ships with the site, so math renders offline (a classroom, a train)
extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx.ext.autosummary', 'sphinx-mathjax-offline']
nb_execution_mode = 'off'  # render the outputs stored in the notebooks: they come from real runs
nb_merge_streams = True
# an output's Markdown is parsed as MyST, as the notebooks' own Markdown cells are: tables and $math$ render
# (the default, CommonMark, has no tables: a table of pipes would become one paragraph)
nb_render_markdown_format = 'myst'
myst_heading_anchors = 3  # show_doc headings (### freeze) get anchors (#freeze), as on an nbdev site
myst_enable_extensions = ['colon_fence', 'dollarmath']  # $n = 2$ in the lessons' prose
suppress_warnings = ['mystnb.unknown_mime_type', 'myst.header']  # show_doc headings are H3, as nbdev makes them
exclude_patterns = ['_build', '_extra', '.doctrees']  # _extra: the source notebooks, copied as they are
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
html_css_files = ['transfer_mnist.css']  # figures keep their aspect ratio; code wraps instead of being cut
html_favicon = '_static/favicon.svg'
html_context = {'default_mode': 'light'}

# the source notebooks (or, on the public site, the student ones), written beside the pages by tools/build_docs.py,
# which passes this folder's path with -D
html_extra_path = []
