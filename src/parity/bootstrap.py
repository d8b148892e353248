"""Wire the rules and adapters together; nothing connects or loads at import time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from parity.adapters.channels import ConsoleSms, FileSms, SmtpEmail, SmtpSettings
from parity.adapters.clock import SystemClock
from parity.adapters.message_files import load_outreach
from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.adapters.signed_links import OfferLinks
from parity.adapters.sql.engine import engine_from_url, pool_options
from parity.adapters.sql.schema import upgrade
from parity.adapters.sql.unit_of_work import SqlUnitOfWork
from parity.config import Settings
from parity.domain.messages import ChannelKind, MessageChannel
from parity.domain.ports import Clock, UnitOfWork
from parity.services.policy import Policy
from parity.simulation.booking_policy import BookingPolicy
from parity.simulation.engine import Simulation, SimulationConfig
from parity.simulation.region import build_region


def build_policy(settings: Settings, contract: str | None = None) -> Policy:
    """Load the jurisdiction's standards and the contract preset named in settings."""
    return Policy(load_rules(settings.jurisdiction), load_contract(contract or settings.contract))


@dataclass
class Runtime:
    """A deployment: the database, the rules and the clock, ready for the entry points."""

    settings: Settings
    engine: Engine
    policy: Policy
    clock: Clock

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine)

    def is_empty(self) -> bool:
        with self.uow() as uow:
            return not uow.clinics.list()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the engine's connections (the pool); the runtime is not used again."""
        self.engine.dispose()


def build_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    """Connect to the configured database (SQLite file by default) and bring its schema up
    to date; a bad URL or an unreachable server fails here, loudly."""
    engine = engine_from_url(
        settings.database_url, **pool_options(settings.database_url, settings.db_pool)
    )
    if migrate:
        upgrade(engine)
    return Runtime(settings, engine, with_outreach(build_policy(settings), settings), SystemClock())


def build_simulation(
    settings: Settings,
    *,
    weeks: int,
    scale: float,
    contract: str | None = None,
    region: str | None = None,
    warmup_weeks: int = 26,
    start: date = date(2026, 1, 5),
    uow: UnitOfWork | None = None,
    booking: BookingPolicy = BookingPolicy.PARITY,
    settle: bool = False,
) -> tuple[Simulation, int]:
    """A ready-to-run simulation of a synthetic region and its member count; with `uow`
    (e.g. the configured database) it writes its history there and registers members."""
    policy = build_policy(settings, contract)
    spec = load_region(region or settings.region)
    synthetic = build_region(spec, policy.contract, scale, settings.seed)
    config = SimulationConfig(
        weeks=weeks,
        warmup_weeks=warmup_weeks,
        start=start,
        seed=settings.seed,
        register_members=uow is not None,
        booking=booking,
        settle=settle,
    )
    return Simulation(synthetic, policy, config, uow), synthetic.member_count


# -- the waitlist, message channels and signed offer links (ADR 0009) ----------------------


def with_outreach(policy: Policy, settings: Settings) -> Policy:
    """The deployment's policy with the waitlist rules and message templates of
    data/messages.toml; `PARITY_WAITLIST=off` switches the waitlist off."""
    waitlist, messages = load_outreach()
    switched = replace(waitlist, enabled=waitlist.enabled and settings.waitlist)
    return replace(policy, waitlist=switched, messages=messages)


def build_channels(
    settings: Settings, console_sms: bool = False
) -> dict[ChannelKind, MessageChannel]:
    """E-mail over SMTP when PARITY_SMTP_HOST is set; SMS to PARITY_SMS_DIR (or the console)."""
    channels: dict[ChannelKind, MessageChannel] = {
        ChannelKind.SMS: ConsoleSms() if console_sms else FileSms(Path(settings.sms_dir))
    }
    if settings.smtp_host:
        smtp = SmtpSettings(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_tls,
        )
        channels[ChannelKind.EMAIL] = SmtpEmail(smtp)
    return channels


def build_links(secret: str, policy: Policy) -> OfferLinks:
    """Offer links, signed with the install's secret, are good for as long as the offer
    holds its slot."""
    return OfferLinks(secret, policy.waitlist.offer_hold)
