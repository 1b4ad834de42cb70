"""Credentials named as Prefect Secret blocks are filled in at start, nothing else changes."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from hub.core.secrets import with_block_secrets
from hub.core.settings import IntakeSettings, Settings

BLOCKS = {"lapor-token": "t-lapor", "dukcapil-pw": "t-dukcapil", "intake-112": "t-112"}


def test_named_blocks_fill_their_settings() -> None:
    settings = Settings(secret_blocks={"lapor.token": "lapor-token",
                                       "dukcapil.password": "dukcapil-pw",
                                       "intake.tokens.call112": "intake-112"},
                        intake=IntakeSettings(tokens={"other": SecretStr("kept")}))
    filled = with_block_secrets(settings, BLOCKS.__getitem__)
    assert filled.lapor.token is not None and filled.lapor.token.get_secret_value() == "t-lapor"
    assert filled.dukcapil.password is not None
    assert filled.dukcapil.password.get_secret_value() == "t-dukcapil"
    assert {k: v.get_secret_value() for k, v in filled.intake.tokens.items()} == {
        "other": "kept", "call112": "t-112"}
    assert filled.sikesal == settings.sikesal and settings.lapor.token is None  # a copy


def test_a_path_that_names_no_setting_fails_at_start() -> None:
    with pytest.raises(ValueError, match=r"lapor\.tokne"):
        with_block_secrets(Settings(secret_blocks={"lapor.tokne": "x"}), BLOCKS.__getitem__)


def test_no_blocks_no_prefect_call() -> None:
    def fail(_: str) -> str:
        raise AssertionError("must not be called")

    settings = Settings()
    assert with_block_secrets(settings, fail) is settings


def test_siasn_sso_credentials_come_from_blocks_or_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = {"siasn-apim": "k-secret", "siasn-sso": "sso-pass", "siasn-sso-token": "pre"}
    settings = Settings(secret_blocks={"siasn.client_secret": "siasn-apim",
                                       "siasn.sso_password": "siasn-sso",
                                       "siasn.sso_token": "siasn-sso-token"})
    filled = with_block_secrets(settings, blocks.__getitem__).siasn
    assert [s.get_secret_value() if s else None for s in (
        filled.client_secret, filled.sso_password, filled.sso_token)] == [
        "k-secret", "sso-pass", "pre"]
    monkeypatch.setenv("LAPOR_HUB_SIASN__SSO_PASSWORD", "from-env")
    from_env = Settings().siasn.sso_password
    assert from_env is not None and from_env.get_secret_value() == "from-env"
    assert "from-env" not in repr(Settings().siasn)
