"""The workflow tests' fixtures: outbox settings, a new draft, and that draft submitted."""

from __future__ import annotations

import pytest
from scheduling import outbox_settings
from workflow_helpers import new_draft, submit_written


@pytest.fixture
def settings(database_url, tmp_path):
    return outbox_settings(database_url, tmp_path)


@pytest.fixture
def draft_id(engine):
    return new_draft(engine)


@pytest.fixture
def submitted(engine, draft_id):
    submit_written(engine, draft_id)
    return draft_id
