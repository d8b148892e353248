"""`parity users add|list|token`, and the demo's accounts (ADR 0008). Passwords come from a
hidden prompt, PARITY_USER_PASSWORD or --password-file, and are never echoed."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from parity.adapters.passwords import Argon2Passwords, refuse_weak
from parity.bootstrap import Runtime
from parity.domain.errors import ParityError
from parity.domain.users import Role, User
from parity.entrypoints.cli.terminal import fail, open_runtime
from parity.entrypoints.security.context import AUDIENCE, ISSUER, SecurityConfig
from parity.entrypoints.security.tokens import LocalTokens
from parity.services import users

console = Console()
app = typer.Typer(help="Local accounts: add, list, and issue a token.", no_args_is_help=True)
PASSWORD_ENV = "PARITY_USER_PASSWORD"
DEMO_PASSWORD_ENV = "PARITY_DEMO_PASSWORD"


def _password(password_file: Path | None) -> str:
    if password_file is not None:
        return password_file.read_text(encoding="utf-8").strip()
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="user name (letters, digits, . _ - @)")],
    role: Annotated[
        Role, typer.Option(help="member, therapist, scheduler, manager, auditor, admin")
    ],
    member: Annotated[str | None, typer.Option(help="the member a member user is")] = None,
    clinician: Annotated[str | None, typer.Option(help="the clinician a therapist is")] = None,
    clinic: Annotated[list[str] | None, typer.Option(help="a scheduler's clinic (repeat)")] = None,
    password_file: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="read the password here")
    ] = None,
) -> None:
    """Add a local user; the password is asked for (hidden) unless PARITY_USER_PASSWORD or
    --password-file gives it."""
    with open_runtime() as runtime:
        cmd = users.AddUser(
            username, role, _password(password_file), member, clinician, tuple(clinic or ())
        )
        try:
            added = users.add_user(
                cmd, runtime.uow(), runtime.clock, Argon2Passwords(), refuse_weak
            )
        except ParityError as error:
            raise fail(error.message) from None
        console.print(f"added {added.role} user [bold]{added.username}[/]")


def _links(user: User) -> str:
    parts = [f"member {user.member_id}" if user.member_id else ""]
    parts += [f"clinician {user.clinician_id}" if user.clinician_id else ""]
    parts += [f"clinics {', '.join(user.clinic_ids)}" if user.clinic_ids else ""]
    return "; ".join(p for p in parts if p)


@app.command("list")
def list_all() -> None:
    """Every user with role and links (never a password or hash)."""
    table = Table("user", "role", "links", "active", "created")
    with open_runtime() as runtime:
        found = users.list_users(runtime.uow())
    for user in found:
        created = user.created_at.strftime("%Y-%m-%d %H:%M")
        table.add_row(user.username, user.role.value, _links(user), str(user.active), created)
    console.print(table)


def token_for(runtime: Runtime, username: str) -> str:
    """A bearer token for an existing user, signed with this install's secret."""
    user = users.find_user(runtime.uow(), username)
    config = SecurityConfig.from_settings(runtime.settings)
    tokens = LocalTokens(config.secret, runtime.clock, config.token_lifetime, ISSUER, AUDIENCE)
    return tokens.issue(user.principal).token


@app.command("token")
def token(username: Annotated[str, typer.Argument(help="an existing user")]) -> None:
    """Print a bearer token for USER (scripts and benchmarks): `-H "Authorization: Bearer …"`."""
    with open_runtime() as runtime:
        try:
            print(token_for(runtime, username))
        except (ParityError, ValueError) as error:
            raise fail(getattr(error, "message", str(error))) from None


# -- the demo's accounts -------------------------------------------------------------------------


def demo_accounts(runtime: Runtime) -> list[users.AddUser]:
    """One account per role, linked to the demo's first member, clinician and every clinic."""
    password = os.environ.get(DEMO_PASSWORD_ENV) or secrets.token_urlsafe(12)
    with runtime.uow() as uow:
        member = min(m.id for m in uow.members.list())
        clinician = min(c.id for c in uow.clinicians.list())
        clinics = tuple(sorted(c.id for c in uow.clinics.list()))
    return [
        users.AddUser(
            f"demo-{role.value}",
            role,
            password,
            member if role is Role.MEMBER else None,
            clinician if role is Role.THERAPIST else None,
            clinics if role is Role.SCHEDULER else (),
        )
        for role in Role
    ]


def add_demo_users(runtime: Runtime) -> None:
    """Create the demo accounts and print how to sign in (the password is shown this once)."""
    accounts = demo_accounts(runtime)
    for account in accounts:
        users.add_user(account, runtime.uow(), runtime.clock, Argon2Passwords())
    names = ", ".join(a.username for a in accounts)
    console.print(f"demo accounts: {names}")
    shown = (
        "from PARITY_DEMO_PASSWORD" if os.environ.get(DEMO_PASSWORD_ENV) else accounts[0].password
    )
    console.print(f"password (all of them; shown once): [bold]{shown}[/]")
    console.print("sign in at /app/login, or: curl -d username=demo-admin -d password=… /token")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="users")
