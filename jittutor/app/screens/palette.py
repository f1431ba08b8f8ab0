"""Textual's command palette, with an ASCII prompt instead of the magnifying-glass emoji."""

from __future__ import annotations

from textual.command import CommandPalette, SearchIcon


class PlainCommandPalette(CommandPalette):
    """The same palette; the chrome stays emoji-free (some terminals draw emoji two cells wide, or not at all)."""

    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = ">"
