"""Sentence embeddings: all-MiniLM-L6-v2 run with CTranslate2, without PyTorch.

The int8 model ships inside the package, in ``speechcase/data/all-MiniLM-L6-v2-ct2``
(24 MB; provenance and conversion commands in ``models/README.md``), so that any
install, editable or not, can analyse offline. Another sentence-transformers
model with mean pooling, converted the same way, works by passing its folder.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from speechcase.core.errors import ModelUnavailable

#: Environment variable naming another embedding model folder (``analyze --embedding-model``).
EMBEDDING_ENV = "SPEECHCASE_EMBEDDING_MODEL"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "all-MiniLM-L6-v2-ct2"
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
#: sentence-transformers' ``max_seq_length`` for all-MiniLM-L6-v2; a folder's own
#: ``sentence_bert_config.json`` overrides it. Longer texts are truncated, as there.
MAX_TOKENS = 256


class SentenceEncoder:
    """Turns sentences into unit-length vectors whose dot product is cosine similarity.

    Construction only checks that the model files exist (so a missing model is
    reported before any long work starts); the model loads at the first
    :meth:`encode` and is shared by all encoders with the same settings.

    One thread by default: the encoder and Whisper are both CTranslate2, whose OpenMP (libgomp) gives each calling
    thread its own team of workers. A second team alive in the process makes libgomp count more threads than
    cores, and its workers then sleep between parallel regions instead of spinning: measured on a 5-minute talk,
    Whisper in the same process took 7.2 s instead of 5.0 s after one two-thread encoder call, and 5.0 s after
    a one-thread call. A sentence batch is small work; one thread costs the analysis little (docs/performance.md).
    """

    def __init__(self, model_dir: str | Path | None = None, compute_type: str = "int8", threads: int = 1):
        self.model_dir = Path(model_dir).expanduser().resolve() if model_dir else DEFAULT_MODEL_DIR
        self.compute_type = compute_type
        self.threads = threads
        missing = [name for name in REQUIRED_FILES if not (self.model_dir / name).is_file()]
        if missing:
            remedy = ("reinstall speechcase, which ships it" if self.model_dir == DEFAULT_MODEL_DIR else
                      "convert the model as described in speechcase's models/README.md")
            raise ModelUnavailable(f"Sentence-embedding model folder {self.model_dir} is missing "
                                   f"{', '.join(missing)}; {remedy}.")

    @property
    def identity(self) -> str:
        """What names this model in cache and analysis keys: the bundled model by its name (the same wherever
        speechcase is installed, so a store analysed from one install is recognised from another), another
        model by its folder."""
        return f"bundled:{DEFAULT_MODEL_DIR.name}" if self.model_dir == DEFAULT_MODEL_DIR else str(self.model_dir)

    def encode(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        """Embed ``texts``: float32 array [len(texts), dim], mean-pooled over real tokens, L2-normalised.

        Texts are batched in order of token count, so short sentences are not
        padded to the length of a long one; the result keeps the input order.
        """
        if not texts:
            return self.encode([""])[:0]  # the right width without hard-coding 384
        encoder, tokenizer = _load(str(self.model_dir), self.compute_type, self.threads)
        ids = [e.ids for e in tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        pooled: list = [None] * len(ids)
        for first in range(0, len(order), batch_size):
            rows = order[first:first + batch_size]
            batch = [ids[i] for i in rows]
            # CTranslate2 pads the batch itself and masks attention by length; only
            # the real positions of each row enter its mean (padding rows hold junk).
            hidden = np.array(encoder.forward_batch(batch).last_hidden_state, dtype=np.float32)
            for row, (i, tokens) in enumerate(zip(rows, batch)):
                pooled[i] = hidden[row, :len(tokens)].mean(axis=0)
        vectors = np.stack(pooled)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@functools.lru_cache(maxsize=2)
def _load(model_dir: str, compute_type: str = "int8", threads: int = 0):
    """Load (once per process) the CTranslate2 encoder and its tokenizer.

    The tokenizer.json shipped with all-MiniLM-L6-v2 pads every text to 128 and
    truncates at 128: padding is turned off (mean pooling must see real tokens
    only) and truncation set to the model's own max_seq_length.
    """
    import ctranslate2
    from tokenizers import Tokenizer

    folder = Path(model_dir)
    max_tokens = MAX_TOKENS
    if (folder / "sentence_bert_config.json").is_file():
        max_tokens = json.loads((folder / "sentence_bert_config.json").read_text()).get("max_seq_length", MAX_TOKENS)
    try:
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        encoder = ctranslate2.Encoder(model_dir, device="cpu", compute_type=compute_type, intra_threads=threads)
    except Exception as exc:
        raise ModelUnavailable(f"Could not load the sentence-embedding model in {model_dir} "
                               f"({type(exc).__name__}: {exc}).") from exc
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    return encoder, tokenizer
