"""Settings of one pypacs process: a TOML file, PYPACS_* environment variables and command-line overrides.

Created once at start-up and passed down; no other module reads the environment or the config file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

DEFAULT_AE_TITLE = "PYPACS"


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line a user can act on."""


def validate_ae_title(value: str) -> str:
    """Check an Application Entity title (VR AE): 1-16 chars of the default repertoire, no backslash.

    Leading and trailing spaces are not significant (PS3.5 6.2) and are removed; case is kept.
    """
    if not isinstance(value, str):
        raise ValueError("AE title must be a string")
    title = value.strip(" ")
    if not title:
        raise ValueError("AE title must not be empty")
    if len(title.encode("ascii", errors="replace")) > 16 or len(title) > 16:
        raise ValueError(f"AE title {title!r} is longer than 16 characters")
    for char in title:
        if char == "\\":
            raise ValueError(f"AE title {title!r} contains a backslash")
        if ord(char) < 0x20 or ord(char) == 0x7F:
            raise ValueError(f"AE title {title!r} contains a control character")
        if ord(char) > 0x7E:
            raise ValueError(f"AE title {title!r} contains a non-ASCII character")
    return title


class RemoteAE(BaseModel):
    """A known DICOM peer: where to reach it and what it may do here."""

    title: str
    host: str
    port: int = Field(ge=1, le=65535)
    description: str = ""
    may_store: bool = True
    may_query: bool = True
    may_retrieve: bool = True

    def permissions_text(self) -> str:
        allowed = [name for name, flag in (("store", self.may_store), ("query", self.may_query),
                                           ("retrieve", self.may_retrieve)) if flag]  # fmt: skip
        return ", ".join(allowed) or "echo only"

    _check_title = field_validator("title")(lambda cls, v: validate_ae_title(v))


DuplicatePolicy = Literal["keep", "replace", "reject"]


class Settings(BaseSettings):
    """Everything a pypacs process needs to know, validated at start-up."""

    model_config = SettingsConfigDict(env_prefix="PYPACS_", extra="forbid", validate_default=True)

    ae_title: str = DEFAULT_AE_TITLE
    dimse_host: str = "127.0.0.1"
    dimse_port: int = Field(default=11112, ge=0, le=65535)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8042, ge=0, le=65535)
    dicomweb_root: str = Field(default="/dicom-web", pattern=r"^(/[A-Za-z0-9._~-]+)+$")
    cors_origins: list[str] = Field(default_factory=list)  # e.g. ["*"] or ["https://viewer.example.org"]
    # HTTP connections (web/connections.py): deadlines for slow or idle clients, and a cap. Seconds.
    http_header_timeout: float = Field(default=20.0, gt=0, le=3600)  # request line + headers, from the connection
    http_body_timeout: float = Field(default=60.0, gt=0, le=3600)  # longest pause in a request body
    http_keep_alive_timeout: int = Field(default=15, ge=1, le=3600)  # idle between requests (uvicorn's)
    max_http_connections: int = Field(default=500, ge=1, le=100_000)  # open at once; more are answered 503
    data_dir: Path = Path("pacs-data")
    database_url: str = ""
    remote_aes: list[RemoteAE] = Field(default_factory=list)
    known_callers_only: bool = False  # refuse associations from AE titles not in the registry
    check_caller_host: bool = False  # a registered caller must connect from its registered host
    dimse_processes: int = Field(default=0, ge=0, le=64)  # 0: two per CPU core, at most 8
    max_pdu_size: int = Field(default=262144, ge=4096, le=16 * 1024 * 1024)
    max_associations: int = Field(default=50, ge=1, le=1000)  # at once, over all DIMSE processes
    max_message_size: int = Field(default=1024**3, ge=1024 * 1024, le=64 * 1024**3)  # one DIMSE message, bytes
    acse_timeout: float = Field(default=30.0, gt=0)
    dimse_timeout: float = Field(default=60.0, gt=0)
    network_timeout: float = Field(default=60.0, gt=0)
    pending_interval: float = Field(default=0.1, ge=0, le=60)  # seconds between C-MOVE/C-GET pending responses
    duplicate_policy: DuplicatePolicy = "keep"
    accept_nonconformant_uids: bool = False  # accept UIDs with letters, '-' or '_' (legacy archives); never '/'
    fsync: bool = True
    volume_cache_mb: int = Field(default=1024, ge=16, le=1024 * 1024)  # 3D: series volumes kept per process (LRU)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    config_file: Path | None = None  # set by load_settings: the TOML file, re-read when its peers change

    _check_ae_title = field_validator("ae_title")(lambda cls, v: validate_ae_title(v))

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'index.sqlite').as_posix()}"
        titles = [ae.title for ae in self.remote_aes]
        duplicates = sorted({t for t in titles if titles.count(t) > 1})
        if duplicates:
            raise ValueError(f"remote AE title(s) listed twice: {', '.join(duplicates)}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what is passed in: load_settings merges file, environment and overrides in that order.
        return (init_settings,)

    @property
    def dimse_process_count(self) -> int:
        """How many processes accept DICOM associations (this one included)."""
        if self.database_url.startswith("sqlite") and ":memory:" in self.database_url:
            return 1  # an in-memory index cannot be shared
        # Two per core: the kernel spreads connections over listeners by hash, and more listeners even it out.
        return self.dimse_processes or min(2 * (os.cpu_count() or 1), 8)

    def remote_ae(self, title: str) -> RemoteAE | None:
        return next((ae for ae in self.remote_aes if ae.title == title), None)


def read_remote_aes(config_file: Path) -> list[RemoteAE]:
    """The [[remote_aes]] of a TOML configuration file, validated; ConfigError when unusable."""
    values = _read_toml(config_file).get("remote_aes", [])
    try:
        return [RemoteAE(**entry) for entry in values]
    except (ValidationError, TypeError) as exc:
        problem = _one_line(exc, str(config_file)) if isinstance(exc, ValidationError) else str(exc)
        raise ConfigError(problem) from exc


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from exc


def _one_line(exc: ValidationError, source: str) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "settings"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting"
        problems.append(f"{where}: {message}")
    return f"invalid configuration ({source}): " + "; ".join(problems)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the Settings: defaults < TOML file < PYPACS_* environment < explicit overrides (None = unset)."""
    file_values = _read_toml(config_file) if config_file else {}
    given = {key: value for key, value in overrides.items() if value is not None}
    source = f"{config_file}, environment and options" if config_file else "environment and options"
    try:
        return Settings(**{**file_values, **_environment_values(), **given, "config_file": config_file})
    except ValidationError as exc:
        raise ConfigError(_one_line(exc, source)) from exc


def _environment_values() -> dict[str, Any]:
    """The PYPACS_* variables that are set, parsed the way pydantic-settings parses them."""
    source = EnvSettingsSource(Settings, case_sensitive=False, env_prefix="PYPACS_")
    return dict(source())
