from pathlib import Path

from tools.settings_table import PAGE, page_with_table


def test_the_settings_table_in_the_docs_is_the_generated_one():
    # python -m tools.settings_table regenerates it from config/setting_definitions.py
    text = Path(PAGE).read_text()

    assert page_with_table(text) == text
