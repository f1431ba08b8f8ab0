"""Every key of the tutor in one place, with ids (for a user keymap) and descriptions.

Only keys that terminals and tmux pass: function keys, ctrl+letter (never
ctrl+s/ctrl+q flow control, ctrl+b tmux's prefix, ctrl+a screen's, or
ctrl+h/i/j/m, which are backspace, tab and enter) and alt+key (sent as Escape
then the key, which tmux and SSH pass unchanged). Screen keys are priority bindings so they work while
the editor has focus. The screens list them in the order the footer shows them.
"""

from __future__ import annotations

from textual.binding import Binding


def _key(
    keys: str, action: str, description: str, id: str, tooltip: str, show: bool = True, key_display: str | None = None
) -> Binding:
    return Binding(keys, action, description, show=show, id=id, tooltip=tooltip, priority=True, key_display=key_display)


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

# Panes: alt+0 the editor, alt+1..5 the panes under it (their tabs show the number). Tab and
# shift+Tab move between the panes and never into the editor, so moving around cannot type.
# Terminals send alt+digit as Escape + digit, which Textual reads as the character macOS's Option
# key types (Escape 1 is "¡"): the editor and the screens turn those characters into these actions
# (CodeEditor.ALT_DIGITS), so they work in tmux and over SSH and never type into the code.
EDITOR = _key(
    "alt+0",
    "focus_editor",
    "Panes",
    "focus-editor",
    "alt+0: the code editor; alt+1-5: the pane whose tab shows that number",
    key_display="alt+0-5",
    show=False,  # the footer has no room at 80 columns; the tabs show their numbers, F1 lists the keys
)
PANE_KEYS = [
    _key(
        f"alt+{n}",
        f"focus_pane('{name}')",
        f"Go to {title}",
        f"focus-{name}",
        f"Show the {title} pane and move the focus there",
        show=False,
    )
    for n, (name, title) in enumerate(
        (
            ("lesson", "Lesson"),
            ("feedback", "Feedback"),
            ("results", "Results"),
            ("output", "Output"),
            ("jaxpr", "Jaxpr"),
        ),
        start=1,
    )
]
SCROLL_LESSON_DOWN = _key(
    "alt+down,alt+pagedown",
    "scroll_lesson(1)",
    "Lesson down",
    "scroll-lesson-down",
    "Scroll the lesson text down a page, wherever the focus is",
    show=False,
)
SCROLL_LESSON_UP = _key(
    "alt+up,alt+pageup",
    "scroll_lesson(-1)",
    "Lesson up",
    "scroll-lesson-up",
    "Scroll the lesson text up a page, wherever the focus is",
    show=False,
)
SELECT_ALL = _key("alt+a", "select_all", "Select all", "select-all", "Select all the code in the editor", show=False)
