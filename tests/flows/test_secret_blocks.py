"""A credential stored as a Prefect Secret block reaches the hub's connector settings."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from hub.core.secrets import with_block_secrets
from hub.core.settings import Settings


@pytest.mark.usefixtures("prefect_api")
def test_secret_block_is_read_from_prefect() -> None:
    from prefect.blocks.system import Secret

    Secret(value=SecretStr("from-a-block")).save("lapor-hub-test-lapor-token", overwrite=True)
    settings = with_block_secrets(Settings(secret_blocks={"lapor.token":
                                                          "lapor-hub-test-lapor-token"}))
    assert settings.lapor.token is not None
    assert settings.lapor.token.get_secret_value() == "from-a-block"
