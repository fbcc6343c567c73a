"""The terminal side of the coach review: the interactive session and audio playback of flagged moments."""
