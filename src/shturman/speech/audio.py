"""Audio in and out through PyAV (FFmpeg): any voice note → 16 kHz mono float PCM for Whisper;
WAV (or any audio, or PCM samples) → OGG/Opus 48 kHz mono, the form Telegram's sendVoice wants.

Untrusted input: FFmpeg may only read the bytes it was given. A demuxer that would open another
file or URL (HLS playlists, concat lists, MOV references) is refused by ``io_open``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NoReturn

from shturman.domain.voice import UndecodableAudioError, VoiceTooLongError

if TYPE_CHECKING:
    import av
    import numpy as np
    import numpy.typing as npt

WHISPER_RATE = 16_000
VOICE_RATE = 48_000
VOICE_BITRATE = 32_000
# Containers round durations; a note this much over the limit is still accepted.
DURATION_SLACK_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Pcm:
    """Mono float32 samples in [-1, 1] at ``sample_rate``."""

    samples: npt.NDArray[np.float32]
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate


def decode_pcm(data: bytes, *, sample_rate: int = WHISPER_RATE,
               max_seconds: float | None = None) -> Pcm:
    """Decode any audio FFmpeg knows (OGG/Opus voice notes, WAV, MP3, M4A…) to mono float PCM.

    Raises UndecodableAudioError for bytes that hold no decodable audio, and VoiceTooLongError
    when ``max_seconds`` is given and the audio is longer: from the container's stated duration
    before decoding, else as soon as decoding passes the limit (nothing past it is decoded).
    """
    import av
    import numpy as np

    if not data:
        raise UndecodableAudioError("empty file")
    chunks: list[npt.NDArray[np.float32]] = []
    try:
        with _open_input(data) as container:
            if not container.streams.audio:
                raise UndecodableAudioError("no audio stream")
            stream = container.streams.audio[0]
            if max_seconds is not None and container.duration is not None:
                stated = container.duration / av.time_base
                if stated > max_seconds + DURATION_SLACK_SECONDS:
                    raise VoiceTooLongError(stated, max_seconds)
            limit = (None if max_seconds is None
                     else int((max_seconds + DURATION_SLACK_SECONDS) * sample_rate))
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
            total = 0
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                    chunks.append(chunk)
                    total += len(chunk)
                if max_seconds is not None and limit is not None and total > limit:
                    raise VoiceTooLongError(max_seconds, max_seconds, at_least=True)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
    except av.FFmpegError as exc:
        raise UndecodableAudioError(_describe(exc)) from exc
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    if not len(samples):
        raise UndecodableAudioError("no audio samples")
    return Pcm(samples=samples, sample_rate=sample_rate)


def encode_voice(data: bytes, *, bitrate: int = VOICE_BITRATE) -> bytes:
    """Re-encode any audio (typically a TTS engine's WAV) as OGG/Opus, 48 kHz mono."""
    import av

    try:
        with _open_input(data) as container:
            if not container.streams.audio:
                raise UndecodableAudioError("no audio stream")
            return _encode_frames(container.decode(container.streams.audio[0]), bitrate)
    except av.FFmpegError as exc:
        raise UndecodableAudioError(_describe(exc)) from exc


def encode_pcm_voice(pcm: Pcm, *, bitrate: int = VOICE_BITRATE) -> bytes:
    """Encode PCM samples as OGG/Opus, 48 kHz mono."""
    import av

    frame = av.AudioFrame.from_ndarray(pcm.samples.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = pcm.sample_rate
    return _encode_frames(iter([frame]), bitrate)


def _encode_frames(frames: Iterator[av.AudioFrame], bitrate: int) -> bytes:
    import av

    sink = io.BytesIO()
    with av.open(sink, mode="w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=VOICE_RATE, layout="mono")
        stream.bit_rate = bitrate
        resampler = av.AudioResampler(format="s16", layout="mono", rate=VOICE_RATE)
        fifo = av.AudioFifo()
        frame_size = stream.codec_context.frame_size or 960
        written = 0

        def drain(partial: bool) -> None:
            nonlocal written
            while fifo.samples >= frame_size or (partial and fifo.samples):
                chunk = fifo.read(frame_size, partial=partial)
                if chunk is None:
                    return
                chunk.pts = written
                chunk.time_base = Fraction(1, VOICE_RATE)
                written += chunk.samples
                out.mux(stream.encode(chunk))

        for frame in frames:
            frame.pts = None
            for resampled in resampler.resample(frame):
                fifo.write(resampled)
            drain(partial=False)
        for resampled in resampler.resample(None):
            fifo.write(resampled)
        drain(partial=True)
        out.mux(stream.encode(None))
    return sink.getvalue()


def _open_input(data: bytes) -> av.container.InputContainer:
    import av

    return av.open(io.BytesIO(data), mode="r", metadata_errors="ignore", io_open=_refuse_open)


def _refuse_open(url: str, flags: int, options: Any) -> NoReturn:
    raise PermissionError(f"audio input may not open other files or URLs: {url}")


def _describe(exc: Exception) -> str:
    strerror = getattr(exc, "strerror", None)
    return str(strerror or exc or type(exc).__name__)
