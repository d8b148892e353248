"""Waitlist and message settings: read from PARITY_* variables and data/messages.toml; a bad
value fails at start with a message naming it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from parity.adapters.message_files import load_outreach
from parity.bootstrap import build_policy, with_outreach
from parity.config import Settings
from parity.domain.errors import RuleFileError
from parity.domain.messages import MessageKind


def test_smtp_sms_and_secret_settings_come_from_the_environment() -> None:
    env = {
        "PARITY_SMTP_HOST": "mail.plan.example",
        "PARITY_SMTP_PORT": "2525",
        "PARITY_SMTP_USER": "parity",
        "PARITY_SMTP_PASSWORD": "s3cret",
        "PARITY_SMTP_FROM": "care@plan.example",
        "PARITY_SMTP_TLS": "SSL",
        "PARITY_SMS_DIR": "/tmp/sms",
        "PARITY_SECRET_KEY": "x" * 32,
        "PARITY_WAITLIST": "off",
    }
    settings = Settings.from_env(env)
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == (
        "mail.plan.example",
        2525,
        "ssl",
    )
    assert (settings.smtp_user, settings.smtp_password) == ("parity", "s3cret")
    assert (settings.smtp_from, settings.sms_dir) == ("care@plan.example", "/tmp/sms")
    assert settings.secret_key == "x" * 32
    assert not settings.waitlist


def test_the_waitlist_is_on_unless_switched_off() -> None:
    assert Settings.from_env({}).waitlist


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PARITY_SMTP_PORT", "smtp", "PARITY_SMTP_PORT must be a port number"),
        ("PARITY_SMTP_TLS", "maybe", "PARITY_SMTP_TLS must be one of"),
        ("PARITY_WAITLIST", "yes", "PARITY_WAITLIST must be on or off"),
        ("PARITY_SMTP_PORT", "0", "PARITY_SMTP_PORT must be a port number"),
        ("PARITY_SMTP_PORT", "65536", "PARITY_SMTP_PORT must be a port number"),
        ("PARITY_PUBLIC_URL", "javascript:alert(1)", "PARITY_PUBLIC_URL must be an http"),
        ("PARITY_PUBLIC_URL", "parity.example.org", "PARITY_PUBLIC_URL must be an http"),
        ("PARITY_PUBLIC_URL", "https://", "PARITY_PUBLIC_URL must be an http"),
        ("PARITY_PUBLIC_URL", "https://plan.example:99999/", "PARITY_PUBLIC_URL must be an http"),
        ("PARITY_PUBLIC_URL", "https://plan.example:x/", "PARITY_PUBLIC_URL must be an http"),
        ("PARITY_OIDC_JWKS_URL", "ftp://keys.example/", "PARITY_OIDC_JWKS_URL must be an http"),
        ("PARITY_OIDC_ISSUER", "file:///etc/passwd", "PARITY_OIDC_ISSUER must be an http"),
    ],
)
def test_a_bad_setting_fails_at_start(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env({name: value})


def test_the_packaged_file_sets_the_hold_time_and_reminder_leads() -> None:
    waitlist, messages = load_outreach()
    assert waitlist.offer_hold > timedelta(0)
    assert sorted(messages.reminder_leads, reverse=True) == list(messages.reminder_leads)
    assert set(messages.catalogue.templates) == set(MessageKind)


def test_the_deployment_policy_switches_the_waitlist_by_setting() -> None:
    on = with_outreach(build_policy(Settings()), Settings())
    off = with_outreach(build_policy(Settings()), Settings(waitlist=False))
    assert on.waitlist.enabled
    assert not off.waitlist.enabled
    assert not build_policy(Settings()).waitlist.enabled  # the simulator's default


def test_a_messages_file_missing_a_template_fails_loudly(tmp_path: Path) -> None:
    broken = tmp_path / "messages.toml"
    broken.write_text(
        "[waitlist]\nenabled = true\nwait_before_referral = true\n"
        "offer_hold_hours = 4\nrefer_before_hours = 24\n"
        "[messages]\nreminder_lead_hours = [48]\nmax_attempts = 3\n"
        '[templates.offer]\nsubject = "s"\nbody = "b"\n'
    )
    with pytest.raises(RuleFileError, match="confirmation"):
        load_outreach(broken)


@pytest.mark.parametrize(
    "address", ["https://parity.plan.example/", "http://127.0.0.1:8000", "https://[::1]:8443/x"]
)
def test_a_web_address_is_kept_as_given(address: str) -> None:
    assert Settings.from_env({"PARITY_PUBLIC_URL": address}).public_url == address
