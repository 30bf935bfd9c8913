"""Telegram test support: a fake Bot API server the real aiogram client talks to."""
