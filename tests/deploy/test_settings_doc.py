"""Every setting is documented in the README, in a table generated from the settings models."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from hub.core.settings import PROJECT_ROOT
from scripts import settings_doc


def test_the_readme_settings_table_is_current_run_scripts_settings_doc_if_not() -> None:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_doc.rendered(text) == text


def test_a_setting_without_a_description_fails_the_check() -> None:
    class Extra(BaseModel):
        documented: int = Field(1, description="fine")
        undocumented: int = 2

    with pytest.raises(SystemExit, match="undocumented"):
        settings_doc._rows(Extra, "", "LAPOR_HUB_", "__")
