"""`[[registry]]` and `[registry_cache]` in parsercraft.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.errors import ProjectError
from server.registry.config import default_cache_dir, load_registry_settings
from server.registry.urls import refusal, safe_url


def write(tmp_path: Path, text: str) -> Path:
    """A parsercraft.toml with `text`."""
    path = tmp_path / "parsercraft.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_table(tmp_path: Path) -> None:
    """Every key is read; relative cache dirs and file URLs resolve against the project."""
    path = write(
        tmp_path,
        """
[[registry]]
name = "main"
url = "https://registry.example.org/pc/"
token_env = "PC_TOKEN"
connect_timeout_s = 1
read_timeout_s = 2.5
deadline_s = 9
offline = true
max_bytes = 1000
policy = { retry = { maxAttempts = 5 }, breaker = { minimum_calls = 2 } }

[[registry]]
name = "local"
url = "file:registry"

[registry_cache]
dir = ".cache"
ttl_s = 60
""",
    )
    s = load_registry_settings(path)
    main, local = s.registries
    assert main.url == "https://registry.example.org/pc" and main.offline and main.max_bytes == 1000
    assert main.policy is not None and main.policy.retry is not None
    assert main.policy.retry.max_attempts == 5 and main.policy.deadline_s == 9
    assert main.policy.breaker is not None and main.policy.breaker.minimum_calls == 2
    assert local.url == (tmp_path / "registry").as_uri()
    assert s.cache.dir == tmp_path / ".cache" and s.cache.ttl_s == 60
    assert load_registry_settings(path, offline=False).registries[0].offline is False


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('url = "http://registry.example.org"', "plain http to a non-loopback host"),
        ('url = "https://user:pw@registry.example.org"', "credentials in the URL"),
        ('url = "ftp://registry.example.org"', "unsupported scheme"),
        ('url = "https://r.example.org"\nread_timeout_s = -1', "positive number"),
        ('url = "https://r.example.org"\ncolour = "red"', "unknown key"),
        ('url = "https://r.example.org"\npolicy = { retry = { tries = 2 } }', "retry.tries"),
    ],
)
def test_invalid_tables(tmp_path: Path, table: str, message: str) -> None:
    """A bad table is a ProjectError naming the key; the password never shows."""
    path = write(tmp_path, f'[[registry]]\nname = "r"\n{table}\n')
    with pytest.raises(ProjectError, match=message) as info:
        load_registry_settings(path)
    assert "pw" not in str(info.value)


def test_http_allowed_on_loopback_or_explicitly(tmp_path: Path) -> None:
    """http is fine for 127.0.0.1, localhost and ::1, or anywhere with allow_http."""
    assert refusal("http://127.0.0.1:8080/r", allow_http=False) is None
    assert refusal("http://localhost/r", allow_http=False) is None
    assert refusal("http://[::1]:9/r", allow_http=False) is None
    assert refusal("http://10.0.0.1/r", allow_http=False) is not None
    assert refusal("http://10.0.0.1/r", allow_http=True) is None


def test_safe_url_hides_credentials() -> None:
    """User info and secret-looking query values never appear."""
    shown = safe_url("https://u:p@r.example.org:8443/x?token=abc&page=2&sig=zz")
    assert shown == "https://r.example.org:8443/x?token=***&page=2&sig=***"


def test_default_cache_dir() -> None:
    """XDG_CACHE_HOME wins; otherwise ~/.cache."""
    assert default_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/parsercraft-ls")
    assert default_cache_dir({}) == Path.home() / ".cache/parsercraft-ls"
