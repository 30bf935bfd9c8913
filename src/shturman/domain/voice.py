"""Voice notes: what a transcription yields, and why a note could not be heard or spoken.

VoiceError (a ShturmanError)
├── VoiceTooLargeError     the note's file is over the byte limit
├── VoiceTooLongError      the note is over the duration limit
├── UndecodableAudioError  the bytes are not audio that FFmpeg can decode
├── NoSpeechError          the note decoded, but no speech was heard in it
├── SpeechTextError        the text to speak is empty or over the length limit
└── SpeechEngineError      no engine, model weights missing, or an engine failed or timed out

Each error's ``str()`` is one line, Russian first then English ("… / …"), so an interface can
show it as is; the fields carry the numbers for an interface that words it itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shturman.domain.errors import ShturmanError
from shturman.domain.texts import pick, say

SpeechLang = Literal["ru", "en"]
SPEECH_LANGS: tuple[SpeechLang, ...] = ("ru", "en")


@dataclass(frozen=True, slots=True)
class Transcript:
    """A voice note heard: the text, its language (restricted to ru/en) and what it cost."""

    text: str
    language: SpeechLang
    language_probability: float
    audio_seconds: float
    seconds_taken: float


class VoiceError(ShturmanError):
    """A voice note that cannot be transcribed, or a reply that cannot be spoken. ``key`` and
    ``values`` name its sentence in the catalogue (:meth:`text` in one language)."""

    key = ""

    def __init__(self, **values: object) -> None:
        self.values = values
        super().__init__(f"{say(self.key, 'ru', **values)} / {say(self.key, 'en', **values)}")

    def text(self, lang: str = "ru") -> str:
        return say(self.key, lang, **self.values)


class VoiceTooLargeError(VoiceError):
    key = "voice.too_large"

    def __init__(self, size_bytes: int, limit_bytes: int) -> None:
        self.size_bytes = size_bytes
        self.limit_bytes = limit_bytes
        super().__init__(size=_megabytes(size_bytes), limit=_megabytes(limit_bytes))


class VoiceTooLongError(VoiceError):
    """``seconds`` is the note's duration; ``at_least`` says decoding stopped at the limit, so
    the real duration is longer (a container that did not state its duration)."""

    key = "voice.too_long"

    def __init__(self, seconds: float, limit_seconds: float, *, at_least: bool = False) -> None:
        self.seconds = seconds
        self.limit_seconds = limit_seconds
        self.at_least = at_least
        sign = ">" if at_least else ""
        super().__init__(n=f"{sign}{seconds:.0f}", limit=f"{limit_seconds:.0f}")


class UndecodableAudioError(VoiceError):
    key = "voice.undecodable"

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail=detail)


class NoSpeechError(VoiceError):
    key = "voice.no_speech"

    def __init__(self, audio_seconds: float) -> None:
        self.audio_seconds = audio_seconds
        super().__init__(seconds=f"{audio_seconds:.0f}")


class SpeechTextError(VoiceError):
    """``length`` is the text's length in characters; 0 means empty."""

    def __init__(self, length: int, limit: int) -> None:
        self.length = length
        self.limit = limit
        self.key = "voice.text_too_long" if length else "voice.empty_text"
        super().__init__(length=length, limit=limit)


class SpeechEngineError(VoiceError):
    """``engine`` names what failed: "whisper", "rhvoice", "espeak-ng" or "tts"; the detail
    comes from the engine's own message, worded by the caller in both languages."""

    def __init__(self, engine: str, detail_ru: str, detail_en: str) -> None:
        self.engine = engine
        self.detail = detail_en
        self._pair = (f"{engine}: {detail_ru}", f"{engine}: {detail_en}")
        self.values = {}
        ShturmanError.__init__(self, " / ".join(self._pair))

    def text(self, lang: str = "ru") -> str:
        return pick(self._pair, lang)


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f}".removesuffix(".0")
