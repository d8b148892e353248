"""The request's address and the base address the API answers with
(entrypoints/api/addresses.py) are Starlette's `request.url` and `request.base_url`, for
every part of the scope they are made from, and are worked out once per distinct set of
those parts (docs/adr/0017-booking-api-speed.md, fifteenth round)."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest
from starlette.requests import Request

from parity.entrypoints.api import addresses


def _scope(**parts: Any) -> dict[str, Any]:
    headers = [(b"accept", b"*/*")]
    host = parts.pop("host", None)
    if host is not None:
        headers.append((b"host", host))
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "root_path": "",
        "path": "/Appointment/$find",
        "query_string": b"",
        "headers": headers,
    }
    scope.update(parts)
    return scope


SCHEMES = ("http", "https")
SERVERS = (("127.0.0.1", 8000), ("127.0.0.1", 80), ("::1", 443), None)
HOSTS = (None, b"parity.example", b"parity.example:8443", b"[::1]:9000", b"bad host:x")
PATHS = ("/Appointment/$find", "/Appointment/7/$cancel", "/a?b#c", "//twice")
QUERIES = (b"", b"_format=json", b"a=%20b&c=d")
ROOTS = ({}, {"root_path": "/api"}, {"root_path": "/api/", "app_root_path": "/fhir"})


@pytest.fixture(autouse=True)
def _nothing_kept() -> None:
    addresses._ADDRESSES.clear()
    addresses._BASES.clear()


def test_the_addresses_are_starlettes_for_every_part_of_the_scope() -> None:
    for scheme, server, host, path, query in product(SCHEMES, SERVERS, HOSTS, PATHS, QUERIES):
        for root in ROOTS:
            scope = _scope(
                scheme=scheme, server=server, host=host, path=path, query_string=query, **root
            )
            for _ in range(2):  # worked out, then looked up
                assert addresses.address(Request(scope)) == str(Request(scope).url)
                expected_base = str(Request(scope).base_url).rstrip("/")
                assert addresses.base(Request(scope)) == expected_base


class _Counting(Request):
    built = 0

    @property
    def url(self) -> Any:
        _Counting.built += 1
        return super().url

    @property
    def base_url(self) -> Any:
        _Counting.built += 1
        return super().base_url


def test_each_address_is_worked_out_once_for_the_same_parts() -> None:
    _Counting.built = 0
    first = _scope(host=b"parity.example", query_string=b"x=1")
    for _ in range(5):
        addresses.address(_Counting(first))
        addresses.base(_Counting(first))
    assert _Counting.built == 2
    other_host = _scope(host=b"other.example", query_string=b"x=1")
    assert addresses.address(_Counting(other_host)) == "http://other.example/Appointment/$find?x=1"
    assert addresses.base(_Counting(other_host)) == "http://other.example"
    assert _Counting.built == 4


def test_no_more_than_kept_are_kept() -> None:
    for n in range(addresses.KEPT * 3):
        scope = _scope(host=f"h{n}.example".encode())
        assert addresses.base(Request(scope)) == f"http://h{n}.example"
    assert len(addresses._BASES) <= addresses.KEPT
