"""How results are put into words: cells, text tables and the ``--json`` documents.

One spelling of every number, used by the CLI and the app alike. No jax, no textual.
"""
