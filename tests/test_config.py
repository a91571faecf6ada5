"""Settings: defaults, TOML file, PYPACS_* environment, precedence, and one-line errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from pypacs.config import ConfigError, load_settings, validate_ae_title


def test_defaults_match_the_documented_ones(monkeypatch: pytest.MonkeyPatch):
    for name in ("PYPACS_AE_TITLE", "PYPACS_DIMSE_PORT", "PYPACS_DATA_DIR", "PYPACS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.ae_title == "PYPACS"
    assert (settings.dimse_host, settings.dimse_port) == ("127.0.0.1", 11112)
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8042)
    assert settings.database_url == "sqlite:///pacs-data/index.sqlite"
    assert settings.known_callers_only is False


def test_file_then_environment_then_options_take_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = tmp_path / "pypacs.toml"
    config.write_text(
        'ae_title = "FROMFILE"\ndimse_port = 104\nhttp_port = 8080\ndata_dir = "/srv/pacs"\n'
        'known_callers_only = true\n[[remote_aes]]\ntitle = "CT1"\nhost = "10.0.0.5"\nport = 104\n'
    )
    monkeypatch.setenv("PYPACS_DIMSE_PORT", "11113")
    settings = load_settings(config, http_port=9000)
    assert settings.ae_title == "FROMFILE"
    assert settings.dimse_port == 11113
    assert settings.http_port == 9000
    assert settings.database_url == "sqlite:////srv/pacs/index.sqlite"
    assert settings.remote_ae("CT1").host == "10.0.0.5"
    assert settings.remote_ae("ct1") is None  # AE titles are case-sensitive


@pytest.mark.parametrize(
    ("title", "problem"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("A" * 17, "longer than 16"),
        ("BAD\\AE", "backslash"),
        ("BAD\nAE", "control character"),
        ("PACSÜ", "non-ASCII"),
    ],
)
def test_invalid_ae_titles_are_refused_with_a_reason(title: str, problem: str):
    with pytest.raises(ValueError, match=problem):
        validate_ae_title(title)


def test_ae_title_keeps_case_and_drops_insignificant_spaces():
    assert validate_ae_title(" MyPacs ") == "MyPacs"
    assert validate_ae_title("A" * 16) == "A" * 16


def test_bad_configuration_is_one_line_naming_every_bad_setting(tmp_path: Path):
    config = tmp_path / "bad.toml"
    config.write_text('ae_title = "WAY_TOO_LONG_AE_TITLE"\ndimse_port = 70000\nnot_a_setting = 1\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    message = str(raised.value)
    assert "\n" not in message
    assert "ae_title" in message and "dimse_port" in message and "not_a_setting: unknown setting" in message


def test_missing_or_broken_config_file_is_reported(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("ae_title = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(broken)


def test_remote_ae_listed_twice_is_refused(tmp_path: Path):
    config = tmp_path / "dup.toml"
    config.write_text('[[remote_aes]]\ntitle="X"\nhost="h"\nport=1\n[[remote_aes]]\ntitle="X"\nhost="g"\nport=2\n')
    with pytest.raises(ConfigError, match="listed twice: X"):
        load_settings(config)


def test_http_connection_limits_default_to_the_documented_values(monkeypatch: pytest.MonkeyPatch):
    for name in ("PYPACS_HTTP_HEADER_TIMEOUT", "PYPACS_HTTP_BODY_TIMEOUT", "PYPACS_HTTP_KEEP_ALIVE_TIMEOUT",
                 "PYPACS_MAX_HTTP_CONNECTIONS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert (settings.http_header_timeout, settings.http_body_timeout) == (20, 60)
    assert (settings.http_keep_alive_timeout, settings.max_http_connections) == (15, 500)
