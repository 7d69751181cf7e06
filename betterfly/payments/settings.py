"""Where Przelewy24 is and who we are there, resolved from the app's config.

With SANDBOX=1, anything not set points at the app's own emulator with fixed
sandbox credentials; a variable that is set always wins.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, current_app

from ..integrations.p24 import P24Client

SANDBOX_EMULATOR_PATH = "/sandbox/p24"
SANDBOX_MERCHANT_ID = 100200
SANDBOX_POS_ID = 100200
SANDBOX_CRC = "sandbox-crc-not-a-secret"
SANDBOX_API_KEY = "sandbox-api-key-not-a-secret"


@dataclass(frozen=True)
class P24Settings:
    base_url: str
    merchant_id: int
    pos_id: int
    crc: str
    api_key: str


def p24_settings(config=None) -> P24Settings | None:
    """The resolved Przelewy24 settings, or None when payments are not configured."""
    config = config if config is not None else current_app.config
    sandbox = bool(config.get("SANDBOX"))

    def pick(name: str, sandbox_default):
        value = config.get(name)
        return value if value else (sandbox_default if sandbox else None)

    base_url = pick(
        "P24_BASE_URL", f"{config.get('PUBLIC_BASE_URL', '')}{SANDBOX_EMULATOR_PATH}"
    )
    merchant_id = pick("P24_MERCHANT_ID", SANDBOX_MERCHANT_ID)
    pos_id = pick("P24_POS_ID", None) or merchant_id
    crc = pick("P24_CRC", SANDBOX_CRC)
    api_key = pick("P24_API_KEY", SANDBOX_API_KEY)
    if not all((base_url, merchant_id, pos_id, crc, api_key)):
        return None
    return P24Settings(
        base_url.rstrip("/"), int(merchant_id), int(pos_id), crc, api_key
    )


def p24_client() -> P24Client:
    settings = p24_settings()
    if settings is None:
        raise RuntimeError("Przelewy24 is not configured (P24_* variables)")
    return P24Client(
        settings.base_url,
        merchant_id=settings.merchant_id,
        pos_id=settings.pos_id,
        crc=settings.crc,
        api_key=settings.api_key,
    )


def configure_payments(app: Flask) -> None:
    """Let forms reach the payment page's host (CSP form-action)."""
    settings = p24_settings(app.config)
    if settings is None:
        return
    parts = urlsplit(settings.base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    extra = list(app.config.get("CSP_FORM_ACTION_EXTRA") or [])
    if origin not in extra:
        extra.append(origin)
    app.config["CSP_FORM_ACTION_EXTRA"] = extra


def notification_source_allowed(remote_addr: str | None) -> bool:
    """Whether a notification may come from this address; an empty list allows all."""
    allowed = current_app.config.get("P24_NOTIFY_ALLOWED_IPS") or []
    if not allowed:
        return True
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(item, strict=False) for item in allowed)
