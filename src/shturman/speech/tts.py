"""Text-to-speech: RHVoice (Debian non-free ``rhvoice``, ``rhvoice-russian``,
``rhvoice-english``) when its binary and a voice for the language exist, else espeak-ng.

Engines run as subprocesses with a timeout; the text goes in on stdin, never on a command line.
``RHVoice-test -p PROFILE -o FILE`` reads text on stdin and writes a WAV file (without ``-o``
it would try to play the sound). A Russian profile is "Russian voice+English voice", so Latin
words (nginx, docker) are read by the English voice. ``espeak-ng -v LANG --stdout`` writes WAV
to stdout. The WAV is then encoded to OGG/Opus (``audio.encode_voice``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import assert_never

from shturman.domain.voice import SpeechEngineError, SpeechLang

RHVOICE_BINARY = "RHVoice-test"
ESPEAK_BINARY = "espeak-ng"
RHVOICE_VOICES_DIR = Path("/usr/share/RHVoice/voices")
# Preferred voices first; any other installed voice of the language comes after them.
RHVOICE_PREFERRED: dict[SpeechLang, tuple[str, ...]] = {
    "ru": ("Aleksandr", "Anna", "Elena", "Irina"),
    "en": ("Alan", "Slt", "Clb", "Bdl"),
}
RHVOICE_LANGUAGES: dict[SpeechLang, str] = {"ru": "Russian", "en": "English"}
ESPEAK_VOICES: dict[SpeechLang, str] = {"ru": "ru", "en": "en-us"}
DEFAULT_TIMEOUT = 30.0


class TtsEngine(StrEnum):
    RHVOICE = "rhvoice"
    ESPEAK = "espeak-ng"


@dataclass(frozen=True, slots=True)
class Voice:
    """How one language is spoken: the engine, its binary and its voice (RHVoice profile or
    espeak-ng voice name)."""

    engine: TtsEngine
    binary: str
    name: str


class Speaker:
    """Chooses a voice per language once (RHVoice where it has one, else espeak-ng) and speaks.

    ``engine`` forces one engine; SpeechEngineError names what to install when it is missing.
    """

    def __init__(self, *, engine: TtsEngine | None = None, timeout: float = DEFAULT_TIMEOUT,
                 voices_dir: Path = RHVOICE_VOICES_DIR) -> None:
        self.timeout = timeout
        self._voices = {lang: _choose_voice(lang, engine, voices_dir)
                        for lang in RHVOICE_LANGUAGES}

    def voice(self, lang: SpeechLang) -> Voice:
        return self._voices[lang]

    def speak_wav(self, text: str, lang: SpeechLang) -> bytes:
        """WAV bytes of ``text`` spoken in ``lang``."""
        voice = self._voices[lang]
        if voice.engine is TtsEngine.RHVOICE:
            return self._rhvoice(voice, text)
        if voice.engine is TtsEngine.ESPEAK:
            return self._run(voice, [voice.binary, "-v", voice.name, "--stdout"], text)
        assert_never(voice.engine)

    def speak(self, text: str, lang: SpeechLang) -> bytes:
        """OGG/Opus (48 kHz mono) of ``text`` spoken in ``lang``, as sendVoice takes it."""
        from shturman.speech.audio import encode_voice

        return encode_voice(self.speak_wav(text, lang))

    def _rhvoice(self, voice: Voice, text: str) -> bytes:
        with tempfile.TemporaryDirectory(prefix="shturman-tts-") as scratch:
            wav = Path(scratch) / "speech.wav"
            self._run(voice, [voice.binary, "-p", voice.name, "-o", str(wav)], text)
            data = wav.read_bytes() if wav.is_file() else b""
        if not data:
            raise SpeechEngineError(voice.engine, "не записал звук", "wrote no audio")
        return data

    def _run(self, voice: Voice, argv: list[str], text: str) -> bytes:
        try:
            done = subprocess.run(argv, input=text.encode(), capture_output=True,
                                  timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise SpeechEngineError(
                voice.engine, f"не уложился в {self.timeout:g} с",
                f"took longer than {self.timeout:g} s") from exc
        except OSError as exc:
            raise SpeechEngineError(voice.engine, f"не запускается: {exc}",
                                    f"cannot start: {exc}") from exc
        if done.returncode != 0:
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise SpeechEngineError(
                voice.engine, f"завершился с кодом {done.returncode}: {tail[0]}",
                f"exited with code {done.returncode}: {tail[0]}")
        return done.stdout


def rhvoice_voices(lang: SpeechLang, voices_dir: Path = RHVOICE_VOICES_DIR) -> list[str]:
    """Installed RHVoice voice names for ``lang``, preferred ones first."""
    wanted = RHVOICE_LANGUAGES[lang]
    found: list[str] = []
    for info in sorted(voices_dir.glob("*/voice.info")):
        fields = dict(line.split("=", 1) for line in info.read_text(errors="replace").splitlines()
                      if "=" in line)
        if fields.get("language", "").strip() == wanted and fields.get("name"):
            found.append(fields["name"].strip())
    preferred = [name for name in RHVOICE_PREFERRED[lang] if name in found]
    return preferred + [name for name in found if name not in preferred]


def _choose_voice(lang: SpeechLang, engine: TtsEngine | None, voices_dir: Path) -> Voice:
    if engine in (None, TtsEngine.RHVOICE):
        binary = shutil.which(RHVOICE_BINARY)
        names = rhvoice_voices(lang, voices_dir) if binary else []
        if binary and names:
            english = rhvoice_voices("en", voices_dir) if lang != "en" else []
            profile = f"{names[0]}+{english[0]}" if english else names[0]
            return Voice(TtsEngine.RHVOICE, binary, profile)
        if engine is TtsEngine.RHVOICE:
            package = f"rhvoice-{RHVOICE_LANGUAGES[lang].lower()}"
            raise SpeechEngineError(
                TtsEngine.RHVOICE, f"не установлен (apt-get install rhvoice {package})",
                f"not installed (apt-get install rhvoice {package})")
    binary = shutil.which(ESPEAK_BINARY)
    if binary is None:
        raise SpeechEngineError(
            "tts", "нет ни RHVoice, ни espeak-ng (запустите scripts/setup-system.sh)",
            "neither RHVoice nor espeak-ng is installed (run scripts/setup-system.sh)")
    return Voice(TtsEngine.ESPEAK, binary, ESPEAK_VOICES[lang])
