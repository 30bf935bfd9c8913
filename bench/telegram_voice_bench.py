"""Telegram voice benchmark: seconds from a voice note's arrival at the bot to the echoed
transcript, on this machine, through the whole path — the fake Bot API server (tests), the real
aiogram client long-polling it, the download, faster-whisper, the echo message — against the
bare transcription of the same note in the same run (the floor: what the bot adds is the ratio).

Run: .venv/bin/python bench/telegram_voice_bench.py [--repeat 5]
Prints a table and writes bench/results/telegram_voice.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.telegram.fakebot import Call, FakeTelegram  # noqa: E402

from shturman.app import container  # noqa: E402
from shturman.config import load_settings  # noqa: E402
from shturman.services.voice import VoiceService  # noqa: E402
from shturman.vault import create_key_file  # noqa: E402

NOTES = {"ru ~2 s (reads)": "сколько места на диске",
         "ru ~6 s (changes)": "перезапусти сервис nginx на проде и проверь, что порт слушает"}
USER = 4242


def _echo(call: Call) -> bool:
    return call.method == "sendMessage" and "🎙" in str(call.params.get("text", ""))


async def main_async(repeat: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        create_key_file(home / "vault.key")
        voice = VoiceService(Path(tmp) / "models")
        await voice.warm_up()
        async with FakeTelegram() as fake:
            settings = load_settings(home=home, telegram={
                "token": fake.token, "api_url": fake.base_url, "polling_timeout": 1})
            async with container(settings) as c:
                await c.users.add("bench", "operator", telegram_id=USER)
                c.extras["voice"] = voice
                bot = await c.telegram_bot()
                await bot.start()
                try:
                    for label, text in NOTES.items():
                        ogg = await voice.synthesize(text, "ru")
                        bare, path = [], []
                        for _ in range(repeat):
                            started = time.perf_counter()
                            heard = await voice.transcribe(ogg)
                            bare.append(time.perf_counter() - started)
                            mark = fake.mark()
                            started = time.monotonic()
                            fake.push_voice(USER, ogg, max(1, round(heard.audio_seconds)))
                            echo = await fake.wait_for("sendMessage", _echo, since=mark,
                                                       timeout=120)
                            path.append(echo.at - started)
                            await asyncio.sleep(0.2)  # let the run it started be submitted
                        b, p = statistics.median(bare), statistics.median(path)
                        rows.append({"note": label, "audio_seconds": round(heard.audio_seconds, 2),
                                     "transcribe_s": round(b, 3), "arrival_to_echo_s": round(p, 3),
                                     "ratio": round(p / b, 3), "heard": heard.text})
                finally:
                    await bot.stop()
    return {"repeat": repeat, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result = asyncio.run(main_async(args.repeat))
    print(f"{'note':<20} {'audio s':>8} {'transcribe s':>13} {'arrival→echo s':>15} {'ratio':>6}")
    for r in result["rows"]:
        print(f"{r['note']:<20} {r['audio_seconds']:>8} {r['transcribe_s']:>13} "
              f"{r['arrival_to_echo_s']:>15} {r['ratio']:>6}")
    out = ROOT / "bench" / "results" / "telegram_voice.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
