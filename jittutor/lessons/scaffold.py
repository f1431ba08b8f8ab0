"""``jittutor new``: a lesson skeleton an instructor edits into a lesson.

The skeleton is a complete, working lesson (a tracer-bool example: a Python
``if`` on a traced value), so it passes ``jittutor validate DIR --contract``
as written and the author changes one working thing at a time. No jax, no
textual here.
"""

from __future__ import annotations

from pathlib import Path

from jittutor.lessons.catalogue import LESSON_SUFFIXES
from jittutor.lessons.model import ID_PATTERN
from jittutor.lessons.source import display_path

_TEMPLATE = """\
# A lesson skeleton made by `jittutor new`. Every field is explained in
# docs/authoring.md. Edit it, then check it with:
#   jittutor validate {dir} --contract
id: {id}
title: {title}
# Lessons are listed by order, then id; the built-in ones use 10, 20, 30, ...
order: {order}
summary: One line on what the student learns.
docs: https://docs.jax.dev/en/latest/control-flow.html
tags: [jit, control-flow]

explanation: |
  # {title}

  Under `jax.jit` the arguments are *tracers*: they know a shape and a dtype,
  not a value. A Python `if` on a traced value must decide True or False
  while tracing, before any value exists, so JAX raises
  `TracerBoolConversionError`.

  Choosing with an array operation keeps the value traced:

  ```python
  jnp.where(x > 0.0, x, 0.0)
  ```

  **Your task**: keep `{entry}` jitted and make it work for every `x`.

entry: {entry}

# What the student starts from. It must fail with `starter_fails_with`.
starter: |
  import jax
  import jax.numpy as jnp


  @jax.jit
  def {entry}(x):
      if x > 0.0:
          return x
      return 0.0 * x

# Your reference answer. It must pass every case.
solution: |
  import jax
  import jax.numpy as jnp


  @jax.jit
  def {entry}(x):
      return jnp.where(x > 0.0, x, 0.0)

# The diagnosis kind the starter fails with (`jittutor explain` names kinds).
starter_fails_with: tracer-bool

# Each case calls {entry}(args) eagerly and under jit; `expect` is optional.
cases:
  - args: "2.0"
    expect: "2.0"
  - args: "-3.0"
    expect: "0.0"

checks:
  require_jit: true

# Revealed one at a time, from a nudge to the answer.
hints:
  - Which line of `{entry}` asks Python for a True or False?
  - Under `jax.jit`, `x > 0.0` is a traced array, so `if` cannot decide it while tracing.
  - "Replace the `if` with `jnp.where(x > 0.0, x, 0.0)`."

hints_by_kind:
  tracer-bool:
    - "`if x > 0.0` needs a Python bool, but under jit `x > 0.0` is traced. Use `jnp.where`."
"""


class ScaffoldError(Exception):
    """The skeleton cannot be written; the message names the id or the file."""


def lesson_skeleton(lesson_id: str, *, directory: str = "DIR", title: str | None = None, order: int = 1000) -> str:
    """The YAML text of a new, working lesson called ``lesson_id``."""
    entry = lesson_id.replace("-", "_")
    if not entry.isidentifier() or entry[0].isdigit():
        entry = "f"
    title = title or lesson_id.replace("-", " ").capitalize()
    return _TEMPLATE.format(id=lesson_id, title=_yaml_plain(title), order=order, entry=entry, dir=directory)


def _yaml_plain(text: str) -> str:
    """``text`` as a YAML scalar: plain when safe, else double-quoted."""
    import json

    if text and all(c.isalnum() or c in " -_.,()" for c in text) and text[0] != "-":
        return text
    return json.dumps(text)


def new_lesson(lesson_id: str, directory: Path, *, title: str | None = None, order: int = 1000) -> Path:
    """Write ``directory/lesson_id.yaml``; never overwrites an existing lesson file."""
    if not ID_PATTERN.match(lesson_id):
        raise ScaffoldError(
            f"{lesson_id!r} is not a lesson id: use lowercase letters, digits and dashes, starting with a letter or digit"
        )
    for suffix in LESSON_SUFFIXES:
        existing = directory / f"{lesson_id}{suffix}"
        if existing.exists():
            raise ScaffoldError(
                f"{display_path(existing)} already exists; not overwriting it (pick another id or delete it)"
            )
    if directory.exists() and not directory.is_dir():
        raise ScaffoldError(f"{display_path(directory)}: not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{lesson_id}.yaml"
    text = lesson_skeleton(lesson_id, directory=display_path(directory), title=title, order=order)
    try:
        # "x": fail rather than overwrite a file that appeared since the check above.
        with open(path, "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{display_path(path)} already exists; not overwriting it") from None
    except OSError as exc:
        raise ScaffoldError(f"{display_path(path)}: cannot write ({exc.strerror or exc})") from None
    return path
