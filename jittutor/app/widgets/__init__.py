"""Widgets of the jittutor app, one per module."""
