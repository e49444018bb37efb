"""Bad connection targets fail fast and say where; old servers are refused by version."""

from __future__ import annotations

import socket

import pytest

from hotmesh_pg.errors import ConfigError, ConnectionFailedError
from hotmesh_pg.providers.protocols import Providers
from hotmesh_pg.providers.redis import check_server_version, open_providers


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize("version", ["6.0.9", "5.0.14", "6.1.0", "4.0.0-rc1"])
def test_versions_before_6_2_are_refused_naming_the_version(version: str) -> None:
    with pytest.raises(ConfigError) as err:
        check_server_version(version, "the server at db:6379")
    assert version in str(err.value)
    assert "db:6379" in str(err.value)
    assert "6.2" in str(err.value)


@pytest.mark.parametrize(
    ("version", "parsed"),
    [("6.2.0", (6, 2, 0)), ("7.0.15", (7, 0, 15)), ("7.2.4-valkey", (7, 2, 4)), ("10.0", (10, 0))],
)
def test_versions_from_6_2_are_accepted(version: str, parsed: tuple[int, ...]) -> None:
    assert check_server_version(version) == parsed


def test_an_unreadable_version_is_refused() -> None:
    with pytest.raises(ConfigError, match="unreadable version 'banana'"):
        check_server_version("banana")


async def test_the_real_server_passes_the_check(rp: Providers) -> None:
    assert rp.kind == "redis"
    assert rp.store.kind == "redis"


async def test_a_url_that_does_not_connect_names_host_and_port() -> None:
    port = _unused_port()
    with pytest.raises(ConnectionFailedError) as err:
        await open_providers(f"redis://127.0.0.1:{port}/0")
    assert f"127.0.0.1:{port}" in str(err.value)


async def test_an_unknown_host_names_the_host() -> None:
    with pytest.raises(ConnectionFailedError, match=r"no-such-host\.invalid:6380"):
        await open_providers("redis://no-such-host.invalid:6380/0")


@pytest.mark.parametrize("url", ["postgresql://localhost/db", "127.0.0.1:6379", ""])
async def test_a_non_redis_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="is not a Redis URL"):
        await open_providers(url)
