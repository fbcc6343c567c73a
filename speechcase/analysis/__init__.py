"""Layer 1: one recording (or saved transcript) in, one :class:`~speechcase.core.types.Analysis` out.

Stages, each a module with one responsibility: :mod:`.audio` (decode) -> :mod:`.vad`, :mod:`.prosody`,
:mod:`.voicing` (measured from the audio) -> :mod:`.transcribe` (Whisper, cached) -> :mod:`.text` (spaCy
sentences and tokens) -> :mod:`.sections` (framework sections) -> :mod:`.signals` (pace, pauses, fillers, hedges,
rambling, structure) -> :mod:`.flags` (every flag rule) -> :mod:`.document` (the analysis-v1 document).
:mod:`.pipeline` runs them in order. Depends only on :mod:`speechcase.core`.
"""
