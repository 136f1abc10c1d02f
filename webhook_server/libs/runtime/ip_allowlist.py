"""Source-IP allowlist for webhook intake: GitHub `hooks` and Cloudflare networks, refreshed, failing closed."""

import asyncio
import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

LOGGER = logging.getLogger(__name__)

CLOUDFLARE_IPS_URL = "https://api.cloudflare.com/client/v4/ips"
FETCH_TIMEOUT_SECONDS = 10.0
REFRESH_INTERVAL_SECONDS = 6 * 3600.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AllowlistUnavailableError(RuntimeError):
    """IP gating is enabled but no network could be loaded from any source."""


def parse_networks(cidrs: Iterable[object], source: str) -> list[Network]:
    """Parse CIDR strings, skipping invalid ones with a WARNING."""
    networks: list[Network] = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(str(cidr), strict=False))
        except ValueError:
            LOGGER.warning("Skipping invalid CIDR %r from %s", cidr, source)
    return networks


@dataclass(frozen=True)
class AllowlistSources:
    """Which sources gate intake, and where GitHub's `/meta` lives."""

    github_meta_url: str | None
    cloudflare_url: str | None

    @property
    def enabled(self) -> bool:
        return self.github_meta_url is not None or self.cloudflare_url is not None


async def _fetch_github(client: httpx.AsyncClient, url: str) -> list[Network]:
    response = await client.get(url)
    response.raise_for_status()
    return parse_networks(response.json().get("hooks", []), "GitHub /meta")


async def _fetch_cloudflare(client: httpx.AsyncClient, url: str) -> list[Network]:
    response = await client.get(url)
    response.raise_for_status()
    result = response.json().get("result", {})
    return parse_networks([*result.get("ipv4_cidrs", []), *result.get("ipv6_cidrs", [])], "Cloudflare")


class IpAllowlist:
    """Holds the allowed networks; `contains` answers for one client address."""

    def __init__(self, sources: AllowlistSources) -> None:
        self.sources = sources
        self._networks: tuple[Network, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.sources.enabled

    @property
    def networks(self) -> tuple[Network, ...]:
        return self._networks

    def contains(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in self._networks)

    async def load(self) -> int:
        """Fetch every enabled source. Raise when gating is on and nothing loaded (fail closed)."""
        networks: list[Network] = []
        loaded_any = False
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as client:
            for url, fetch in (
                (self.sources.github_meta_url, _fetch_github),
                (self.sources.cloudflare_url, _fetch_cloudflare),
            ):
                if url is None:
                    continue
                try:
                    networks.extend(await fetch(client, url))
                    loaded_any = True
                except (httpx.HTTPError, ValueError) as error:
                    LOGGER.warning("Could not load allowed IP networks from %s: %s", url, error)
        if not loaded_any or not networks:
            raise AllowlistUnavailableError("IP allowlist is enabled but no allowed network could be loaded")
        self._networks = tuple(networks)
        return len(networks)

    async def refresh_forever(self, interval: float = REFRESH_INTERVAL_SECONDS) -> None:
        """Reload periodically; a failed refresh keeps the last good list."""
        while True:
            await asyncio.sleep(interval)
            try:
                count = await self.load()
                LOGGER.info("Refreshed IP allowlist: %d networks", count)
            except AllowlistUnavailableError:
                LOGGER.warning("IP allowlist refresh failed; keeping the last good list")
