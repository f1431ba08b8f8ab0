"""jittutor: a terminal tutor for the subtleties of ``jax.jit``.

Importing this package is cheap on purpose: it never imports jax or textual.
"""

__version__ = "0.1.0"
