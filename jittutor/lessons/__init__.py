"""Lessons: the model, YAML source with line numbers, validation, the catalogue, scaffolds.

No jax and no textual here: the front process reads lessons.
"""
