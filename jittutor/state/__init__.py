"""What the tutor keeps for a student: atomic files and locks, progress, drafts, the export."""
