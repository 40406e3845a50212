"""Sphinx configuration of the operator and developer documentation."""
import datetime

project = 'CloudKitty (compatible rating service)'
author = 'The cloudkitty-compatible rating service developers'
copyright = '%d, %s' % (datetime.date.today().year, author)

extensions = [
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
]

root_doc = 'index'
exclude_patterns = ['_build']
pygments_style = 'sphinx'
html_theme = 'alabaster'
html_static_path = []
html_theme_options = {
    'description': 'Rating as a Service, drop-in compatible with CloudKitty 25.0.0',
    'fixed_sidebar': True,
}
