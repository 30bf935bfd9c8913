"""Voice notes in and out: a note's bytes → Transcript; a reply's text → OGG/Opus bytes.

The Whisper model loads on first use (or on ``warm_up``), once per service, and is reused; a
thread lock makes two notes arriving together load it once. Compose one VoiceService per
process. The sync work (decoding, Whisper, the TTS subprocess) runs in ``asyncio.to_thread``.

Limits, each refused with a VoiceError whose text is Russian then English: the note's size
(``max_bytes``, checked before anything is decoded), its duration (``max_seconds``, from the
container's stated duration or while decoding: nothing past the limit is decoded), bytes that
are no audio, a note with no speech in it, and the length of a text to speak.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from shturman.domain.voice import (
    SPEECH_LANGS,
    NoSpeechError,
    SpeechEngineError,
    SpeechLang,
    SpeechTextError,
    Transcript,
    UndecodableAudioError,
    VoiceTooLargeError,
)
from shturman.speech import Speaker, SpeechRecognizer, TtsEngine, decode_pcm


@dataclass(frozen=True, slots=True)
class VoiceLimits:
    max_seconds: float = 120.0
    max_bytes: int = 20 * 1024 * 1024      # what a Telegram bot may download (getFile)
    max_text_chars: int = 4096             # one Telegram message
    tts_timeout: float = 30.0


class VoiceService:
    """``model_cache``: where the Whisper base weights are joined on first use (about 145 MB),
    e.g. ``SHTURMAN_HOME/models``. ``tts_engine`` forces RHVoice or espeak-ng (None: RHVoice
    where it has a voice, else espeak-ng)."""

    def __init__(self, model_cache: Path, *, limits: VoiceLimits | None = None,
                 tts_engine: TtsEngine | None = None, compute_type: str = "int8",
                 cpu_threads: int | None = None) -> None:
        self.model_cache = model_cache
        self.limits = limits or VoiceLimits()
        self._tts_engine = tts_engine
        self._compute_type = compute_type
        self._cpu_threads = cpu_threads
        self._model_lock = threading.Lock()
        self._speaker_lock = threading.Lock()
        self._recognizer: SpeechRecognizer | None = None
        self._speaker: Speaker | None = None

    async def warm_up(self) -> None:
        """Load the model now (e.g. when the bot starts) rather than on the first note."""
        await asyncio.to_thread(self._loaded_recognizer)

    async def transcribe(self, data: bytes, *, language: SpeechLang | None = None) -> Transcript:
        """Text of a voice note (OGG/Opus from Telegram, or any audio FFmpeg decodes).

        ``language`` forces ru/en; None detects it (kept to ru/en). ``seconds_taken`` is the
        wall time from the bytes to the text, the model's load included on first use.
        """
        if len(data) > self.limits.max_bytes:
            raise VoiceTooLargeError(len(data), self.limits.max_bytes)
        if not data:
            raise UndecodableAudioError("empty file")
        return await asyncio.to_thread(self._transcribe, data, language)

    async def synthesize(self, text: str, lang: str) -> bytes:
        """``text`` spoken in ``lang`` ('ru' or 'en') as OGG/Opus 48 kHz mono (sendVoice)."""
        text = text.strip()
        if not text or len(text) > self.limits.max_text_chars:
            raise SpeechTextError(len(text), self.limits.max_text_chars)
        return await asyncio.to_thread(self._synthesize, text, _speech_lang(lang))

    def _transcribe(self, data: bytes, language: SpeechLang | None) -> Transcript:
        start = time.perf_counter()
        pcm = decode_pcm(data, max_seconds=self.limits.max_seconds)
        transcript = self._loaded_recognizer().transcribe(pcm, language=language)
        if not transcript.text:
            raise NoSpeechError(pcm.seconds)
        return dataclasses.replace(transcript, seconds_taken=time.perf_counter() - start)

    def _synthesize(self, text: str, lang: SpeechLang) -> bytes:
        return self._loaded_speaker().speak(text, lang)

    def _loaded_recognizer(self) -> SpeechRecognizer:
        with self._model_lock:
            if self._recognizer is None:
                self._recognizer = SpeechRecognizer.load(
                    self.model_cache, compute_type=self._compute_type,
                    cpu_threads=self._cpu_threads)
            return self._recognizer

    def _loaded_speaker(self) -> Speaker:
        with self._speaker_lock:
            if self._speaker is None:
                self._speaker = Speaker(engine=self._tts_engine,
                                        timeout=self.limits.tts_timeout)
            return self._speaker


def _speech_lang(value: str) -> SpeechLang:
    for lang in SPEECH_LANGS:
        if value == lang:
            return lang
    raise SpeechEngineError("tts", f"нет голоса для языка «{value}» (есть: ru, en)",
                            f"no voice for language '{value}' (there are: ru, en)")
