"""Sphinx configuration of the release notes (built by reno from notes/*.yaml)."""
project = 'CloudKitty (compatible rating service) release notes'
author = 'The cloudkitty-compatible rating service developers'
copyright = author

extensions = ['reno.sphinxext']

root_doc = 'index'
exclude_patterns = ['_build']
html_theme = 'alabaster'
html_static_path = []
