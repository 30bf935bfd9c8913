"""Voice benchmark: seconds from a voice note's OGG/Opus bytes to its transcript, and from a
reply's text to its OGG/Opus voice note, on this machine, through VoiceService (the path the
Telegram bot takes: asyncio.to_thread, PyAV decoding, faster-whisper base, RHVoice/espeak-ng).

Measures: joining the two weight packages into a fresh cache (first use only), the model's cold
load, the first note on a cold service (load included), then warm transcription of a ~3 s and a
~8 s note (median of --repeat), and TTS per engine.

Run: .venv/bin/python bench/voice_bench.py [--repeat 5] [--compute-type int8]
Prints a table and writes bench/results/voice.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shturman.services.voice import VoiceService  # noqa: E402
from shturman.speech import SpeechRecognizer, TtsEngine, WhisperWeights  # noqa: E402
from shturman.speech.stt import prepare_model_dir  # noqa: E402

NOTES = {
    "ru ~3 s": ("ru", "перезапусти nginx на проде"),
    "ru ~8 s": ("ru", "проверь свободное место на дисках обеих машин, потом перезапусти "
                      "nginx на проде и покажи ошибки"),
    "en ~3 s": ("en", "restart nginx on stage"),
}
REPLY = {"ru": "Готово: nginx на проде перезапущен, сервис активен, порт 443 слушает.",
         "en": "Done: nginx on prod was restarted, the service is active, port 443 listens."}


async def median_of(repeat: int, step: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = await step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []

    def add(what: str, seconds: float, audio: float | None = None, text: str = "") -> None:
        rows.append({"what": what, "seconds": round(seconds, 3),
                     "audio_seconds": None if audio is None else round(audio, 2),
                     "realtime_factor": None if not audio else round(seconds / audio, 3),
                     "text": text})

    with tempfile.TemporaryDirectory(prefix="shturman-voice-bench-") as scratch:
        cache = Path(scratch)
        weights = WhisperWeights.installed()
        start = time.perf_counter()
        model_dir = prepare_model_dir(cache, weights)
        add("join weights into the cache (first use)", time.perf_counter() - start)

        start = time.perf_counter()
        SpeechRecognizer(model_dir, compute_type=args.compute_type)
        add(f"model cold load ({args.compute_type})", time.perf_counter() - start)

        speaker = VoiceService(cache)
        notes = {name: await speaker.synthesize(text, lang) for name, (lang, text) in NOTES.items()}

        cold = VoiceService(cache, compute_type=args.compute_type)
        start = time.perf_counter()
        heard = await cold.transcribe(notes["ru ~3 s"])
        add("first note, cold service (load included)", time.perf_counter() - start,
            heard.audio_seconds, heard.text)

        for name, note in notes.items():
            seconds, heard = await median_of(args.repeat, lambda note=note: cold.transcribe(note))
            add(f"note → transcript, warm, {name} (median of {args.repeat})", seconds,
                heard.audio_seconds, f"[{heard.language}] {heard.text}")

        for engine in (TtsEngine.RHVOICE, TtsEngine.ESPEAK):
            tts = VoiceService(cache, tts_engine=engine)
            for lang, text in REPLY.items():
                seconds, ogg = await median_of(args.repeat, lambda t=tts, x=text, la=lang:
                                               t.synthesize(x, la))
                add(f"text → OGG/Opus, {engine.value} {lang} (median of {args.repeat})", seconds,
                    text=f"{len(text)} chars, {len(ogg)} bytes")
    return {"compute_type": args.compute_type, "repeat": args.repeat,
            "cpus": os.cpu_count(), "load_average": os.getloadavg()[0], "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compute-type", default="int8", help="CTranslate2 compute type")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    print(f"{results['cpus']} CPUs, load average {results['load_average']:.2f} at the end")
    print(f"{'what':<58} {'seconds':>8} {'audio s':>8} {'x real':>7}  text")
    for row in results["rows"]:
        audio = "" if row["audio_seconds"] is None else f"{row['audio_seconds']:.1f}"
        factor = "" if row["realtime_factor"] is None else f"{row['realtime_factor']:.2f}"
        print(f"{row['what']:<58} {row['seconds']:>8.3f} {audio:>8} {factor:>7}  {row['text']}")
    out = ROOT / "bench" / "results" / "voice.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
