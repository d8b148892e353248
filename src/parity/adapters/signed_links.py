"""Signed, expiring links that let a member answer an offer without signing in: the
signature is the credential (itsdangerous, HMAC with the deployment's secret key).

A link names one offer and carries the instant it was issued; it is refused once older
than the offer's hold time, or if a single character was changed.
"""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from parity.domain.errors import ParityError

SALT = "parity.offer-response"


class LinkExpired(ParityError):
    rule = "link-expired"
    http_status = 410


class LinkInvalid(ParityError):
    rule = "link-invalid"
    http_status = 403


class OfferLinks:
    def __init__(self, secret_key: str, max_age: timedelta) -> None:
        if len(secret_key) < 16:
            raise ValueError("the secret key for signed links must be at least 16 characters")
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
        self.max_age = max_age

    def token(self, offer_id: int) -> str:
        return self._serializer.dumps({"offer": offer_id})

    def offer_id(self, token: str) -> int:
        """The offer a token names, or `LinkExpired` / `LinkInvalid`."""
        try:
            data = self._serializer.loads(token, max_age=int(self.max_age.total_seconds()))
        except SignatureExpired:
            raise LinkExpired("this link has expired: the offer is no longer held") from None
        except BadSignature:
            raise LinkInvalid("this link is not valid (it was changed or is incomplete)") from None
        offer = data.get("offer") if isinstance(data, dict) else None
        if not isinstance(offer, int):
            raise LinkInvalid("this link does not name an offer")
        return offer

    def url(self, base_url: str, offer_id: int) -> str:
        return f"{base_url.rstrip('/')}/app/offers/respond?token={self.token(offer_id)}"
