"""The CTranslate2 int8 sentence encoder against the original PyTorch model.

The reference vectors in data/minilm_reference.json were computed once with
sentence-transformers/all-MiniLM-L6-v2 in float32 PyTorch (mean pooling over the
attention mask, L2 normalisation); see models/README.md.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from speechcase.analysis.embeddings import SentenceEncoder
from speechcase.core.errors import ModelUnavailable

REFERENCE = json.loads((Path(__file__).resolve().parent / "data" / "minilm_reference.json").read_text())
# Indices into REFERENCE["sentences"]: two about the data, two about deployment.
DATA, DEPLOYMENT = (1, 2), (3, 4)


@pytest.fixture(scope="module")
def embeddings() -> np.ndarray:
    return SentenceEncoder().encode(REFERENCE["sentences"])


def test_shape_and_unit_norm(embeddings):
    assert embeddings.shape == (6, 384)
    assert embeddings.dtype == np.float32
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-4)


def test_matches_the_original_model(embeddings):
    reference = np.array(REFERENCE["embeddings"], dtype=np.float32)
    cosines = (embeddings * reference).sum(axis=1) / np.linalg.norm(reference, axis=1)
    assert cosines.min() >= 0.98, cosines


def test_sentences_about_the_same_section_are_closer(embeddings):
    similarity = embeddings @ embeddings.T
    across = max(similarity[i, j] for i in DATA for j in DEPLOYMENT)
    assert similarity[DATA[0], DATA[1]] > across
    assert similarity[DEPLOYMENT[0], DEPLOYMENT[1]] > across


def test_batching_and_order_do_not_change_results(embeddings):
    sentences = REFERENCE["sentences"]
    one_by_one = SentenceEncoder().encode(sentences[::-1], batch_size=1)[::-1]
    assert np.allclose(one_by_one, embeddings, atol=1e-5)
    assert SentenceEncoder().encode([]).shape == (0, 384)


def test_missing_model_folder_is_a_user_error(tmp_path):
    with pytest.raises(ModelUnavailable, match="model.bin"):
        SentenceEncoder(tmp_path / "nowhere")


def test_the_bundled_model_ships_inside_the_package_and_is_named_the_same_from_any_install(tmp_path):
    """A wheel (``pip install .``, not only an editable install) holds the model: it lives in the package and
    pyproject's package data covers every file of it. Keys name it, not the folder it was installed in; a copy
    elsewhere is another model, named by its folder."""
    import fnmatch
    import shutil
    import tomllib

    import speechcase
    from speechcase.analysis.embeddings import DEFAULT_MODEL_DIR

    package = Path(speechcase.__file__).resolve().parent
    data = package / "data"
    assert DEFAULT_MODEL_DIR.is_relative_to(data) and DEFAULT_MODEL_DIR.is_dir()
    pyproject = tomllib.loads((package.parent / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["speechcase.data"]
    files = [f.relative_to(data).as_posix() for f in DEFAULT_MODEL_DIR.iterdir()]
    assert "model.bin" in {Path(f).name for f in files}
    assert [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)] == []
    assert SentenceEncoder().identity == "bundled:all-MiniLM-L6-v2-ct2"
    copy = shutil.copytree(DEFAULT_MODEL_DIR, tmp_path / "mine")
    assert SentenceEncoder(copy).identity == str(copy.resolve())


def test_a_missing_bundled_model_says_to_reinstall(tmp_path, monkeypatch):
    from speechcase.analysis import embeddings

    monkeypatch.setattr(embeddings, "DEFAULT_MODEL_DIR", tmp_path / "gone")
    with pytest.raises(ModelUnavailable, match="reinstall speechcase"):
        SentenceEncoder()


class CountingEncoder(SentenceEncoder):
    """The real encoder, counting the texts it is asked to embed."""

    texts = 0

    def encode(self, texts, *args, **kwargs):
        CountingEncoder.texts += len(texts)
        return super().encode(texts, *args, **kwargs)


def test_a_warm_process_embeds_a_frameworks_prototypes_once(tmp_path):
    """A framework's prototypes are the same for every talk: the second talk in a process (a web or batch worker,
    no cache) embeds only its own sentences."""
    from speechcase.analysis.frameworks import load_framework
    from speechcase.analysis.plaintext import transcript_from_text
    from speechcase.analysis.sections.cues import prototype_similarity, sentence_vectors
    from speechcase.analysis.text import build_sentences

    framework = load_framework("deep-dive")
    encoder = CountingEncoder()
    prototypes = sum(len([t for t in (s.purpose, *s.examples) if t]) for s in framework.sections)
    counts, scores = [], []
    for text in ("We trained a ranking model on click logs. It served ads.", "The data came from the hospital."):
        sentences = build_sentences(transcript_from_text(text).words)
        CountingEncoder.texts = 0
        scores.append(prototype_similarity(sentence_vectors([s.text for s in sentences], encoder, None), framework,
                                           encoder, None))
        counts.append(CountingEncoder.texts)
    assert counts[1] == 1  # the second talk's one sentence, nothing else
    assert counts[0] in (2, 2 + prototypes)  # another test in this process may have embedded them already
    assert scores[1].shape == (1, len(framework.sections))
