"""The tutoring core both fronts call: checking a lesson, grading, the hint ladder, predictions.

The CLI and the app are thin fronts over this package; a rule about teaching
(which code is checked, which error leads, which hint is next, when the
solution unlocks) lives here once. No jax, no textual.
"""
