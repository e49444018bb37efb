"""Tests here exercise the Postgres provider only."""

import pytest


@pytest.fixture
def provider_kind() -> str:
    return "postgres"
