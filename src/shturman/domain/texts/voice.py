"""Why a voice note could not be heard, or a reply not spoken."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    "voice.too_large": (
        "голосовое сообщение слишком большое ({size} МБ, максимум {limit} МБ)",
        "voice note too large ({size} MB, at most {limit} MB)",
    ),
    "voice.too_long": (
        "голосовое сообщение слишком длинное ({n} с, максимум {limit} с)",
        "voice note too long ({n} s, at most {limit} s)",
    ),
    "voice.undecodable": (
        "не удалось прочитать звук голосового сообщения ({detail})",
        "could not decode the voice note's audio ({detail})",
    ),
    "voice.no_speech": (
        "в голосовом сообщении не слышно речи ({seconds} с)",
        "no speech heard in the voice note ({seconds} s)",
    ),
    "voice.empty_text": (
        "нечего озвучивать: пустой текст",
        "nothing to speak: empty text",
    ),
    "voice.text_too_long": (
        "текст слишком длинный для озвучивания ({length} символов, максимум {limit})",
        "text too long to speak ({length} characters, at most {limit})",
    ),
}
