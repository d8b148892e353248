"""Bearer tokens: Parity issues HS256 JWTs for its local users, and verifies every request's
token through a `TokenVerifier` port, so an external OpenID Connect provider can be
plugged in (`OidcTokens`, configured by PARITY_OIDC_*).

Expiry is checked against the app's `Clock`, not the wall clock inside pyjwt, so that a
simulated clock (tests, demos) moves tokens' lifetimes with it (STYLE.md convention 2).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

import jwt

from parity.domain.ports import Clock
from parity.domain.users import NotAuthenticated, Principal, Role

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "exp", "iat", "iss", "aud"]
# Parity's role names, made once: a token's role is mapped on every request.
ROLES = {role.value: role for role in Role}


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The principal the token speaks for, or `NotAuthenticated`."""
        ...


@dataclass(frozen=True)
class Issued:
    token: str
    expires_in_seconds: int
    jti: str


def principal_from_claims(
    claims: Mapping[str, Any], role_claim: str = "role", role_map: Mapping[str, Role] | None = None
) -> Principal:
    """Map verified claims to a principal: `role_claim` holds a role name (or a list of
    group names, the first one `role_map` knows wins); `member_id`, `clinician_id` and
    `clinic_ids` carry the links the row-level rules use."""
    named = claims.get(role_claim)
    names = named if isinstance(named, list) else [named]
    mapping = role_map or ROLES
    roles = [mapping[name] for name in names if isinstance(name, str) and name in mapping]
    if not roles or not isinstance(claims.get("sub"), str):
        raise NotAuthenticated("the token names no Parity role")
    clinics = claims.get("clinic_ids") or []
    return Principal(
        claims["sub"],
        roles[0],
        _text(claims.get("member_id")),
        _text(claims.get("clinician_id")),
        tuple(str(c) for c in clinics) if isinstance(clinics, list) else (),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


CLOCK_SKEW = timedelta(seconds=60)
VERIFIED_TOKENS = 4096  # tokens whose signature a process remembers having verified


def _check_lifetime(claims: Mapping[str, Any], now: datetime, longest: timedelta) -> None:
    """Unexpired, not issued in the future, and not meant to live longer than the
    configured token lifetime (a leaked long-lived token is refused outright)."""
    expires, issued = claims.get("exp"), claims.get("iat")
    if not isinstance(expires, int | float) or expires <= now.timestamp():
        raise NotAuthenticated("the token has expired; ask /token for a new one")
    if not isinstance(issued, int | float) or issued > (now + CLOCK_SKEW).timestamp():
        raise NotAuthenticated("the token was issued in the future")
    if expires - issued > (longest + CLOCK_SKEW).total_seconds():
        raise NotAuthenticated("the token lives longer than this server allows")


class LocalTokens:
    """Tokens Parity signs itself with its secret (HS256)."""

    def __init__(
        self, secret: str, clock: Clock, lifetime: timedelta, issuer: str, audience: str
    ) -> None:
        self._secret = secret
        self._clock = clock
        self.lifetime = lifetime
        self.issuer = issuer
        self.audience = audience
        # A token's signature, issuer and audience verify the same way every time: each
        # is verified once per process (a bounded memo of the verified claims; a token
        # that fails is not kept). Its lifetime is still checked on every request, on our
        # clock, and the deny list asked (docs/adr/0017-booking-api-speed.md).
        self._verified = lru_cache(maxsize=VERIFIED_TOKENS)(self._verify_signature)

    def issue(self, who: Principal) -> Issued:
        now = self._clock.now()
        jti = uuid.uuid4().hex
        claims: dict[str, Any] = {
            "sub": who.subject,
            "role": who.role.value,
            "iat": int(now.timestamp()),
            "exp": int((now + self.lifetime).timestamp()),
            "jti": jti,
            "iss": self.issuer,
            "aud": self.audience,
        }
        links = {"member_id": who.member_id, "clinician_id": who.clinician_id}
        claims |= {key: value for key, value in links.items() if value}
        if who.clinic_ids:
            claims["clinic_ids"] = list(who.clinic_ids)
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return Issued(token, int(self.lifetime.total_seconds()), jti)

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims: signature, issuer, audience, then expiry on our clock."""
        claims = dict(self._verified(token))  # a copy: the memo's own stays as verified
        _check_lifetime(claims, self._clock.now(), self.lifetime)
        return claims

    def _verify_signature(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError as error:
            raise NotAuthenticated(f"the token is not valid ({type(error).__name__})") from None
        return claims

    def verify(self, token: str) -> Principal:
        return principal_from_claims(self.claims(token))


class OidcTokens:
    """Tokens of an external OpenID Connect issuer, checked against its published keys
    (JWKS) with pyjwt's PyJWKClient; RS256/ES256 keys need pyjwt's `crypto` extra."""

    def __init__(
        self,
        clock: Clock,
        issuer: str,
        audience: str,
        jwks_url: str,
        role_claim: str,
        algorithms: tuple[str, ...] = ("RS256", "ES256"),
        longest: timedelta = timedelta(hours=1),
    ) -> None:
        self._clock = clock
        self._longest = longest
        self._algorithms = list(algorithms)
        self._issuer = issuer
        self._audience = audience
        self._role_claim = role_claim
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True)

    def verify(self, token: str) -> Principal:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
            )
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as error:
            raise NotAuthenticated(f"the token is not valid ({type(error).__name__})") from None
        _check_lifetime(claims, self._clock.now(), self._longest)
        return principal_from_claims(claims, self._role_claim)


class AnyOf:
    """Try the local verifier first, then the external issuer's."""

    def __init__(self, *verifiers: TokenVerifier) -> None:
        self._verifiers = verifiers

    def verify(self, token: str) -> Principal:
        refusal: NotAuthenticated | None = None
        for verifier in self._verifiers:
            try:
                return verifier.verify(token)
            except NotAuthenticated as error:
                refusal = error
        raise refusal or NotAuthenticated("no token verifier is configured")
