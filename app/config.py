"""Settings: one pydantic-settings class, read from CSBM_* environment variables."""

from __future__ import annotations

import getpass
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    """A SQLite file in a var/ folder of the working directory."""
    return f"sqlite:///{Path.cwd() / 'var' / 'csbm.sqlite3'}"


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSBM_", extra="ignore")

    database_url: str = ""
    user: str = ""
    home_state: str | None = None
    timezone: str = "UTC"

    def resolved_database_url(self) -> str:
        return self.database_url or default_database_url()

    def resolved_user(self) -> str:
        return self.user or os_user()
