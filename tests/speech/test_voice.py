"""Voice notes end to end with the real engines: RHVoice and espeak-ng speak, PyAV encodes
OGG/Opus, faster-whisper (Whisper base from the PyPI weight packages) hears it back."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shturman.domain.voice import (
    NoSpeechError,
    SpeechEngineError,
    SpeechTextError,
    UndecodableAudioError,
    VoiceTooLargeError,
    VoiceTooLongError,
)
from shturman.services.voice import VoiceLimits, VoiceService
from shturman.speech import (
    Pcm,
    Speaker,
    TtsEngine,
    WhisperWeights,
    decode_pcm,
    encode_pcm_voice,
    prepare_model_dir,
)

RU = "перезапусти nginx на проде"
EN = "restart nginx on stage"
SETUP = "run scripts/setup-system.sh (as root) to install it"


def _need(binary: str) -> None:
    if shutil.which(binary) is None:
        pytest.fail(f"{binary} is missing: {SETUP}", pytrace=False)


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> VoiceService:
    """One service (so one Whisper model) for the whole module, RHVoice for speech."""
    _need("RHVoice-test")
    service = VoiceService(tmp_path_factory.mktemp("models"))
    asyncio.run(service.warm_up())
    return service


def _silence(seconds: float) -> bytes:
    import numpy as np

    return encode_pcm_voice(Pcm(np.zeros(int(seconds * 16_000), dtype=np.float32), 16_000))


def assert_voice_note(data: bytes, *, min_seconds: float = 0.5, max_seconds: float = 10) -> None:
    """A valid OGG container holding exactly one Opus stream, 48 kHz mono, of sane length."""
    import av

    with av.open(io.BytesIO(data)) as container:
        assert container.format.name == "ogg"
        assert len(container.streams) == 1
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        assert stream.sample_rate == 48_000
        assert stream.channels == 1
        assert container.duration is not None
        seconds = container.duration / av.time_base
        assert min_seconds < seconds < max_seconds, seconds
        decoded = sum(frame.samples for frame in container.decode(stream)) / 48_000
    assert abs(decoded - seconds) < 0.1, (decoded, seconds)


@pytest.mark.parametrize(("lang", "text"), [("ru", RU), ("en", EN)], ids=["ru", "en"])
async def test_rhvoice_speaks_a_voice_note(voice: VoiceService, lang: str, text: str) -> None:
    assert Speaker().voice("ru" if lang == "ru" else "en").engine is TtsEngine.RHVOICE
    assert_voice_note(await voice.synthesize(text, lang), min_seconds=1)


@pytest.mark.parametrize(("lang", "text"), [("ru", RU), ("en", EN)], ids=["ru", "en"])
async def test_espeak_speaks_a_voice_note(tmp_path: Path, lang: str, text: str) -> None:
    _need("espeak-ng")
    service = VoiceService(tmp_path / "models", tts_engine=TtsEngine.ESPEAK)
    assert service._loaded_speaker().voice("en").engine is TtsEngine.ESPEAK
    assert_voice_note(await service.synthesize(text, lang), min_seconds=1)
    assert not (tmp_path / "models").exists()      # speaking loads no Whisper model


async def test_russian_note_is_heard_as_russian(voice: VoiceService) -> None:
    note = await voice.synthesize(RU, "ru")
    heard = await voice.transcribe(note)
    text = heard.text.lower()
    # Whisper base hears RHVoice's "nginx" as "джанкс"/"jinx": the Russian words must be there.
    assert heard.language == "ru", heard
    assert "перезапус" in text and "на пр" in text, heard
    assert heard.language_probability > 0.5
    assert 1.5 < heard.audio_seconds < 6
    assert 0 < heard.seconds_taken < 60


async def test_english_note_is_heard_as_english(voice: VoiceService) -> None:
    heard = await voice.transcribe(await voice.synthesize(EN, "en"))
    text = heard.text.lower()
    assert heard.language == "en", heard
    assert "restart" in text and "stage" in text, heard
    assert heard.language_probability > 0.5


async def test_another_language_is_kept_to_russian_or_english(voice: VoiceService) -> None:
    _need("espeak-ng")
    german = subprocess.run(["espeak-ng", "-v", "de", "--stdout"], check=True, capture_output=True,
                            input=b"Bitte starte den Webserver auf dem Produktionssystem neu.")
    recognizer = voice._loaded_recognizer()
    pcm = decode_pcm(german.stdout)
    _, info = recognizer._model.transcribe(pcm.samples)    # what Whisper itself guesses
    assert info.language not in ("ru", "en"), "the sample must exercise the fallback"
    heard = await voice.transcribe(german.stdout)
    assert heard.language in ("ru", "en")
    probs = dict(info.all_language_probs)
    assert heard.language == max(("ru", "en"), key=lambda lang: probs.get(lang, 0.0))


async def test_forced_language(voice: VoiceService) -> None:
    heard = await voice.transcribe(await voice.synthesize(EN, "en"), language="en")
    assert heard.language == "en" and "restart" in heard.text.lower()


async def test_two_notes_at_once_on_a_cold_service(voice: VoiceService) -> None:
    cold = VoiceService(voice.model_cache)              # the joined model is reused
    note = await voice.synthesize(EN, "en")
    first, second = await asyncio.gather(cold.transcribe(note), cold.transcribe(note))
    assert first.text == second.text and first.language == "en"


async def test_too_long_note_is_refused_before_decoding(voice: VoiceService) -> None:
    with pytest.raises(VoiceTooLongError) as caught:
        await voice.transcribe(_silence(130))
    message = str(caught.value)
    assert message.startswith("голосовое сообщение слишком длинное (130 с, максимум 120 с)")
    assert "voice note too long (130 s, at most 120 s)" in message


def _live_webm(seconds: float) -> bytes:
    """Opus in WebM written as a live stream: the container states no duration."""
    import av
    import numpy as np

    sink = io.BytesIO()
    with av.open(sink, "w", format="webm", options={"live": "1"}) as out:
        stream = out.add_stream("libopus", rate=48_000, layout="mono")
        for i in range(int(seconds * 50)):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 960), dtype=np.int16),
                                               format="s16", layout="mono")
            frame.sample_rate, frame.pts = 48_000, i * 960
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return sink.getvalue()


def test_duration_limit_holds_without_a_stated_duration() -> None:
    import av

    note = _live_webm(10)
    with av.open(io.BytesIO(note)) as container:
        assert container.duration is None
    assert 9.9 < decode_pcm(note).seconds < 10.1
    with pytest.raises(VoiceTooLongError) as caught:
        decode_pcm(note, max_seconds=3)
    assert caught.value.at_least
    assert "слишком длинное (>3 с, максимум 3 с)" in str(caught.value)


@pytest.mark.parametrize("data", [b"", b"\x00" * 1000, b"OggS" + os.urandom(4000),
                                  "перезапусти nginx".encode() * 50])
async def test_garbage_is_refused_clearly(voice: VoiceService, data: bytes) -> None:
    with pytest.raises(UndecodableAudioError) as caught:
        await voice.transcribe(data)
    assert str(caught.value).startswith("не удалось прочитать звук голосового сообщения")
    assert "could not decode the voice note's audio" in str(caught.value)


async def test_too_large_note_is_refused(tmp_path: Path) -> None:
    service = VoiceService(tmp_path, limits=VoiceLimits(max_bytes=3 * 1024 * 1024))
    with pytest.raises(VoiceTooLargeError) as caught:
        await service.transcribe(b"\0" * (4 * 1024 * 1024))
    assert str(caught.value) == ("голосовое сообщение слишком большое (4 МБ, максимум 3 МБ) / "
                                 "voice note too large (4 MB, at most 3 MB)")


async def test_silence_is_no_speech(voice: VoiceService) -> None:
    with pytest.raises(NoSpeechError, match="не слышно речи"):
        await voice.transcribe(_silence(3))


async def test_text_to_speak_is_checked(voice: VoiceService) -> None:
    with pytest.raises(SpeechTextError, match="пустой текст"):
        await voice.synthesize("  ", "ru")
    with pytest.raises(SpeechTextError, match="4097 символов, максимум 4096"):
        await voice.synthesize("а" * 4097, "ru")
    with pytest.raises(SpeechEngineError, match="нет голоса для языка «de»"):
        await voice.synthesize("hallo", "de")


def test_weights_are_joined_once(tmp_path: Path) -> None:
    weights = WhisperWeights.installed()
    assert len(weights.parts) == 2
    model_dir = prepare_model_dir(tmp_path, weights)
    model = model_dir / "model.bin"
    assert model.stat().st_size == weights.model_size > 100_000_000
    with model.open("rb") as joined, weights.parts[1].open("rb") as second:
        joined.seek(weights.parts[0].stat().st_size)
        assert joined.read(1 << 16) == second.read(1 << 16)
    before = model.stat().st_mtime_ns
    assert prepare_model_dir(tmp_path, weights) == model_dir
    assert model.stat().st_mtime_ns == before
    assert [p.name for p in tmp_path.iterdir()] == [model_dir.name]   # no staging left


def test_importing_speech_loads_no_heavy_module() -> None:
    code = ("import sys, shturman.speech, shturman.services.voice; "
            "print(sorted({'av', 'numpy', 'faster_whisper', 'ctranslate2'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
