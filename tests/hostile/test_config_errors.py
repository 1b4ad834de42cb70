"""A base URL with credentials in it is a clear configuration error, never a traceback or a leak."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from hub.cli import app
from hub.core.settings import LaporSystem, get_settings


@pytest.mark.parametrize("url", ["http://hub:s3cr3t-pw@127.0.0.1:8701/api/v1",
                                 "ftp://127.0.0.1/x", "http:///nohost", "http://h:port/x"])
def test_bad_base_urls_are_refused_without_echoing_them(url: str) -> None:
    with pytest.raises(ValidationError) as err:
        LaporSystem(base_url=url)
    assert "s3cr3t-pw" not in str(err.value) and "base_url" in str(err.value)


def test_sync_with_user_password_in_a_base_url_exits_with_a_config_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAPOR_HUB_LAPOR__BASE_URL", "http://hub:s3cr3t-pw@127.0.0.1:9/api/v1")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["sync", "sikesal", "--no-prefect"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    assert "configuration error" in result.output and "user:password@" in result.output
    assert "s3cr3t-pw" not in result.output and "Traceback" not in result.output
