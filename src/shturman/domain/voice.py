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


def _bilingual(ru: str, en: str) -> str:
    return f"{ru} / {en}"


class VoiceError(ShturmanError):
    """A voice note that cannot be transcribed, or a reply that cannot be spoken."""


class VoiceTooLargeError(VoiceError):
    def __init__(self, size_bytes: int, limit_bytes: int) -> None:
        self.size_bytes = size_bytes
        self.limit_bytes = limit_bytes
        size, limit = _megabytes(size_bytes), _megabytes(limit_bytes)
        super().__init__(_bilingual(
            f"голосовое сообщение слишком большое ({size} МБ, максимум {limit} МБ)",
            f"voice note too large ({size} MB, at most {limit} MB)"))


class VoiceTooLongError(VoiceError):
    """``seconds`` is the note's duration; ``at_least`` says decoding stopped at the limit, so
    the real duration is longer (a container that did not state its duration)."""

    def __init__(self, seconds: float, limit_seconds: float, *, at_least: bool = False) -> None:
        self.seconds = seconds
        self.limit_seconds = limit_seconds
        self.at_least = at_least
        sign = ">" if at_least else ""
        n, limit = f"{sign}{seconds:.0f}", f"{limit_seconds:.0f}"
        super().__init__(_bilingual(
            f"голосовое сообщение слишком длинное ({n} с, максимум {limit} с)",
            f"voice note too long ({n} s, at most {limit} s)"))


class UndecodableAudioError(VoiceError):
    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(_bilingual(
            f"не удалось прочитать звук голосового сообщения ({detail})",
            f"could not decode the voice note's audio ({detail})"))


class NoSpeechError(VoiceError):
    def __init__(self, audio_seconds: float) -> None:
        self.audio_seconds = audio_seconds
        super().__init__(_bilingual(
            f"в голосовом сообщении не слышно речи ({audio_seconds:.0f} с)",
            f"no speech heard in the voice note ({audio_seconds:.0f} s)"))


class SpeechTextError(VoiceError):
    """``length`` is the text's length in characters; 0 means empty."""

    def __init__(self, length: int, limit: int) -> None:
        self.length = length
        self.limit = limit
        if length == 0:
            message = _bilingual("нечего озвучивать: пустой текст", "nothing to speak: empty text")
        else:
            message = _bilingual(
                f"текст слишком длинный для озвучивания ({length} символов, максимум {limit})",
                f"text too long to speak ({length} characters, at most {limit})")
        super().__init__(message)


class SpeechEngineError(VoiceError):
    """``engine`` names what failed: "whisper", "rhvoice", "espeak-ng" or "tts"."""

    def __init__(self, engine: str, detail_ru: str, detail_en: str) -> None:
        self.engine = engine
        self.detail = detail_en
        super().__init__(_bilingual(f"{engine}: {detail_ru}", f"{engine}: {detail_en}"))


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f}".removesuffix(".0")
