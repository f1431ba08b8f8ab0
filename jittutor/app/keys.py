"""Every key of the tutor in one place, with ids (for a user keymap) and descriptions.

Only keys that terminals and tmux pass: function keys and ctrl+letter (never
ctrl+s/ctrl+q flow control, ctrl+b tmux's prefix, or ctrl+h/i/j/m, which are
backspace, tab and enter). Screen keys are priority bindings so they work while
the editor has focus. The screens list them in the order the footer shows them.
"""

from __future__ import annotations

from textual.binding import Binding


def _key(keys: str, action: str, description: str, id: str, tooltip: str, show: bool = True) -> Binding:
    return Binding(keys, action, description, show=show, id=id, tooltip=tooltip, priority=True)


HELP = _key("f1", "app.help", "Help", "help", "List every key")
RUN = _key("f5,ctrl+r", "run", "Run", "run", "Run your code eagerly and under jit, and check it")
CANCEL = _key("f6,ctrl+g", "cancel_run", "Cancel", "cancel-run", "Stop the run in progress")
HINT = _key(
    "f3,ctrl+n", "next_hint", "Hint", "next-hint", "Reveal the next hint; after the last one, the solution (lessons)"
)
PICK_LESSON = _key("f2,ctrl+o", "pick_lesson", "Lessons", "pick-lesson", "Jump to any lesson")
NEXT_LESSON = _key("f8", "next_lesson", "Next", "next-lesson", "Open the next lesson")
PREVIOUS_LESSON = _key("f7", "previous_lesson", "Prev", "previous-lesson", "Open the previous lesson", show=False)
DEVICE = _key("f4", "pick_device", "Device", "pick-device", "Choose the device runs go to")
JAXPR = _key(
    "f9", "toggle_jaxpr", "Jaxpr", "toggle-jaxpr", "Show or hide the jaxpr of your function (first case)", show=False
)
PLAYGROUND = _key("f12", "playground", "Playground", "playground", "Try any code on a free page", show=False)
BACK = _key("f12", "back", "Lessons", "playground-back", "Back to the lessons")
LESSON_LIST = _key(
    "ctrl+l", "toggle_lesson_list", "Lesson list", "toggle-lesson-list", "Show or hide the list of lessons", show=False
)
ZOOM = _key(
    "ctrl+t", "toggle_maximize", "Zoom", "toggle-maximize", "Maximize the focused pane, or restore it", show=False
)
