"""Whose `X-Forwarded-For` is believed (docs/adr/0012): only PARITY_TRUSTED_PROXIES' (a
comma-separated list of addresses or networks; empty by default). uvicorn otherwise trusts
the header from any loopback client, so anyone on the host could pose as any address to
the login throttle and the audit trail."""

from __future__ import annotations

import ipaddress
from typing import Any

from parity.config import Settings


def trusted_proxies(settings: Settings) -> list[str]:
    """The configured proxies, each checked to be an address or a network."""
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ValueError(f"PARITY_TRUSTED_PROXIES: {proxy!r} is not an address") from None
    return proxies


def uvicorn_proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy options: the header is read only when proxies are configured, and
    then only from them."""
    proxies = trusted_proxies(settings)
    if not proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(proxies)}
