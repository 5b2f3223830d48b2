"""Conversa's settings: one typed model for rag/, llm/ and the app, read from the environment and `.env`."""

from config.settings import DEFAULTS, Settings, SettingsError, load_settings, variable

__all__ = ["DEFAULTS", "Settings", "SettingsError", "load_settings", "variable"]
