"""A thin client for the Przelewy24 REST API v1, usable from a shell.

    client = P24Client("https://sandbox.przelewy24.pl", merchant_id=..., pos_id=...,
                       crc=..., api_key=...)
    token = client.register(session_id=..., amount=19900, ...)

Every call uses HTTP Basic auth (posId, API key). Signs are SHA-384 over the
compact JSON of the documented fields, in the documented order, CRC last.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

import requests

log = logging.getLogger("betterfly.p24")

DEFAULT_TIMEOUT = (3.05, 10)

NOTIFICATION_INT_FIELDS = (
    "merchantId",
    "posId",
    "amount",
    "originAmount",
    "orderId",
    "methodId",
)
NOTIFICATION_STR_FIELDS = ("sessionId", "currency", "statement", "sign")


class P24Error(Exception):
    """Przelewy24 refused a call or could not be reached."""

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


class P24Unavailable(P24Error):
    """No answer, a timeout or a server error: worth trying again later."""


def sign(fields: dict[str, Any]) -> str:
    """SHA-384 hex of the fields as compact JSON, in the order given."""
    payload = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha384(payload.encode("utf-8")).hexdigest()


def register_sign(
    session_id: str, merchant_id: int, amount: int, currency: str, crc: str
) -> str:
    return sign(
        {
            "sessionId": session_id,
            "merchantId": merchant_id,
            "amount": amount,
            "currency": currency,
            "crc": crc,
        }
    )


def verify_sign(
    session_id: str, order_id: int, amount: int, currency: str, crc: str
) -> str:
    return sign(
        {
            "sessionId": session_id,
            "orderId": order_id,
            "amount": amount,
            "currency": currency,
            "crc": crc,
        }
    )


def notification_sign(notification: dict[str, Any], crc: str) -> str:
    """The sign of a transaction notification, from its received values."""
    return sign(
        {
            "merchantId": notification["merchantId"],
            "posId": notification["posId"],
            "sessionId": notification["sessionId"],
            "amount": notification["amount"],
            "originAmount": notification["originAmount"],
            "currency": notification["currency"],
            "orderId": notification["orderId"],
            "methodId": notification["methodId"],
            "statement": notification["statement"],
            "crc": crc,
        }
    )


def notification_is_well_formed(notification: Any) -> bool:
    """Every signed field is present with its documented JSON type."""
    if not isinstance(notification, dict):
        return False
    for name in NOTIFICATION_INT_FIELDS:
        value = notification.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            return False
    return all(isinstance(notification.get(n), str) for n in NOTIFICATION_STR_FIELDS)


def notification_sign_matches(notification: dict[str, Any], crc: str) -> bool:
    """Recompute the sign and compare it in constant time."""
    expected = notification_sign(notification, crc)
    return hmac.compare_digest(expected.encode(), notification["sign"].encode())


@dataclass(frozen=True)
class TransactionStatus:
    """What `transaction/by/sessionId` says about one payment attempt."""

    NO_PAYMENT = 0
    ADVANCE = 1
    VERIFIED = 2
    RETURNED = 3

    status: int
    order_id: int | None
    amount: int | None
    currency: str | None
    raw: dict


class P24Client:
    def __init__(
        self,
        base_url: str,
        *,
        merchant_id: int,
        pos_id: int,
        crc: str,
        api_key: str,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.merchant_id = merchant_id
        self.pos_id = pos_id
        self.crc = crc
        self.timeout = timeout
        self.http = session or requests.Session()
        self.http.auth = (str(pos_id), api_key)

    def payment_url(self, token: str) -> str:
        """Where the payer goes to pay: the same host, `/trnRequest/{token}`."""
        return f"{self.base_url}/trnRequest/{token}"

    def test_access(self) -> bool:
        response = self._call("GET", "/api/v1/testAccess")
        return response.get("data") is True

    def register(
        self,
        *,
        session_id: str,
        amount: int,
        description: str,
        email: str,
        url_return: str,
        url_status: str,
        currency: str = "PLN",
        time_limit: int = 0,
        language: str = "pl",
        country: str = "PL",
    ) -> str:
        """Register a transaction and return its token."""
        body = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": session_id,
            "amount": amount,
            "currency": currency,
            "description": description,
            "email": email,
            "country": country,
            "language": language,
            "urlReturn": url_return,
            "urlStatus": url_status,
            "timeLimit": time_limit,
            "waitForResult": True,
            "encoding": "UTF-8",
            "sign": register_sign(
                session_id, self.merchant_id, amount, currency, self.crc
            ),
        }
        response = self._call("POST", "/api/v1/transaction/register", json=body)
        token = (response.get("data") or {}).get("token")
        if not isinstance(token, str) or not token:
            raise P24Error("register answered without a token")
        return token

    def verify(
        self, *, session_id: str, order_id: int, amount: int, currency: str = "PLN"
    ) -> None:
        """Confirm a paid transaction; raises P24Error unless P24 says success."""
        body = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": session_id,
            "amount": amount,
            "currency": currency,
            "orderId": order_id,
            "sign": verify_sign(session_id, order_id, amount, currency, self.crc),
        }
        response = self._call("PUT", "/api/v1/transaction/verify", json=body)
        status = (response.get("data") or {}).get("status")
        if status != "success":
            raise P24Error(f"verify answered status {status!r}")

    def transaction_status(self, session_id: str) -> TransactionStatus | None:
        """The transaction behind a sessionId, or None when P24 does not know it.

        Our sessionIds use only `[A-Za-z0-9_-]`, so the path needs no encoding.
        """
        path = f"/api/v1/transaction/by/sessionId/{session_id}"
        try:
            response = self._call("GET", path)
        except P24Error as error:
            if error.status_code == 404:
                return None
            raise
        data = response.get("data") or {}
        return TransactionStatus(
            status=int(data.get("status", 0)),
            order_id=data.get("orderId"),
            amount=data.get("amount"),
            currency=data.get("currency"),
            raw=data,
        )

    def _call(self, method: str, path: str, **kwargs) -> dict:
        url = self.base_url + path
        try:
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise P24Unavailable(f"{method} {path}: {error}") from error

        body = _json_or_empty(response)
        if response.status_code >= 500:
            raise P24Unavailable(
                f"{method} {path}: HTTP {response.status_code} {body.get('error')!r}",
                response.status_code,
            )
        if response.status_code >= 300:
            raise P24Error(
                f"{method} {path}: HTTP {response.status_code} {body.get('error')!r}",
                response.status_code,
            )
        return body


def _json_or_empty(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
