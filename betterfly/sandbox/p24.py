"""A Przelewy24 stand-in speaking REST API v1, mounted at /sandbox/p24.

It checks Basic auth and every sign as the real service does, keeps its
transactions in its own table, and has a payment page whose „Zapłać” sends the
signed notification to the merchant's urlStatus over HTTP. Switches on that
page lose the notification or send it late, to exercise the fallbacks.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import datetime, timedelta

import requests
from flask import Blueprint, abort, jsonify, redirect, render_template, request
from sqlalchemy import BigInteger, Boolean, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import csrf, db
from ..integrations.p24 import notification_sign, register_sign, verify_sign
from ..jobs import enqueue
from ..models import UTCDateTime, utcnow
from ..payments.settings import P24Settings, p24_settings

log = logging.getLogger("betterfly.sandbox.p24")

bp = Blueprint("sandbox_p24", __name__, url_prefix="/sandbox/p24")
# The emulator stands for another site: its API is authenticated with Basic
# auth and its payment page has no session with this app.
csrf.exempt(bp)

LATE_NOTIFICATION_SECONDS = 8
METHOD_ID = 25
INVALID_INPUT = {"error": "Invalid input data", "code": 400}
NOT_AUTHENTICATED = {"error": "Incorrect authentication", "code": 401}

REGISTER_FIELDS = {
    "merchantId": int,
    "posId": int,
    "sessionId": str,
    "amount": int,
    "currency": str,
    "description": str,
    "email": str,
    "country": str,
    "language": str,
    "urlReturn": str,
    "sign": str,
}
VERIFY_FIELDS = {
    "merchantId": int,
    "posId": int,
    "sessionId": str,
    "amount": int,
    "currency": str,
    "orderId": int,
    "sign": str,
}


class SandboxP24Transaction(db.Model):
    __tablename__ = "sandbox_p24_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    session_id: Mapped[str] = mapped_column(String(100), unique=True)
    order_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    merchant_id: Mapped[int] = mapped_column(Integer)
    pos_id: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(320))
    url_return: Mapped[str] = mapped_column(String(250))
    url_status: Mapped[str | None] = mapped_column(String(250))
    time_limit: Mapped[int] = mapped_column(Integer, default=0)
    # 0 no payment, 1 paid and not verified, 2 verified (as by/sessionId says)
    status: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notifications_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_notification_status: Mapped[int | None] = mapped_column(Integer)

    @property
    def statement(self) -> str:
        return f"p24-{self.order_id % 1000:03d}-{self.id:03d}-SBX"


# --- REST API v1 ----------------------------------------------------------------


@bp.get("/api/v1/testAccess")
def test_access():
    if not _authenticated():
        return jsonify(NOT_AUTHENTICATED), 401
    return jsonify({"data": True, "error": ""})


@bp.post("/api/v1/transaction/register")
def register():
    if not _authenticated():
        return jsonify(NOT_AUTHENTICATED), 401
    body = request.get_json(silent=True)
    settings = _settings()
    if not _has_fields(body, REGISTER_FIELDS) or not _register_is_valid(body, settings):
        return jsonify(INVALID_INPUT), 400
    if _transaction_by_session(body["sessionId"]) is not None:
        return jsonify(INVALID_INPUT), 400

    transaction = SandboxP24Transaction(
        token=secrets.token_hex(16).upper(),
        session_id=body["sessionId"],
        order_id=(1 << 32) + secrets.randbelow(1 << 30),
        merchant_id=body["merchantId"],
        pos_id=body["posId"],
        amount=body["amount"],
        currency=body["currency"],
        description=body["description"],
        email=body["email"],
        url_return=body["urlReturn"],
        url_status=body.get("urlStatus"),
        time_limit=int(body.get("timeLimit") or 0),
    )
    db.session.add(transaction)
    db.session.commit()
    return jsonify({"data": {"token": transaction.token}, "responseCode": 0})


@bp.put("/api/v1/transaction/verify")
def verify():
    if not _authenticated():
        return jsonify(NOT_AUTHENTICATED), 401
    body = request.get_json(silent=True)
    settings = _settings()
    if not _has_fields(body, VERIFY_FIELDS):
        return jsonify(INVALID_INPUT), 400
    expected = verify_sign(
        body["sessionId"],
        body["orderId"],
        body["amount"],
        body["currency"],
        settings.crc,
    )
    transaction = _transaction_by_session(body["sessionId"])
    if (
        not hmac.compare_digest(expected, body["sign"])
        or body["merchantId"] != settings.merchant_id
        or transaction is None
        or transaction.status == 0
        or transaction.order_id != body["orderId"]
        or transaction.amount != body["amount"]
        or transaction.currency != body["currency"]
    ):
        return jsonify(INVALID_INPUT), 400

    transaction.status = 2
    db.session.commit()
    return jsonify({"data": {"status": "success"}, "responseCode": 0})


@bp.get("/api/v1/transaction/by/sessionId/<session_id>")
def by_session_id(session_id: str):
    if not _authenticated():
        return jsonify(NOT_AUTHENTICATED), 401
    transaction = _transaction_by_session(session_id)
    if transaction is None:
        return jsonify({"error": "Transaction not found", "responseCode": 0}), 404
    paid = transaction.paid_at
    return jsonify(
        {
            "data": {
                "statement": transaction.statement,
                "orderId": transaction.order_id,
                "sessionId": transaction.session_id,
                "status": transaction.status,
                "amount": transaction.amount,
                "currency": transaction.currency,
                "date": transaction.created_at.strftime("%Y%m%d%H%M"),
                "dateOfTransaction": paid.strftime("%Y%m%d%H%M") if paid else "",
                "clientEmail": transaction.email,
                "paymentMethod": METHOD_ID if paid else 0,
                "description": transaction.description,
                "batchId": 0,
                "fee": "0",
            },
            "responseCode": 0,
        }
    )


# --- The payment page -----------------------------------------------------------


@bp.get("/trnRequest/<token>")
def payment_page(token: str):
    transaction = _transaction_by_token(token)
    return render_template(
        "sandbox/p24_payment.html",
        transaction=transaction,
        expired=_expired(transaction),
        late_seconds=LATE_NOTIFICATION_SECONDS,
    )


@bp.post("/trnRequest/<token>/pay")
def pay(token: str):
    transaction = _transaction_by_token(token)
    if transaction.status != 0 or transaction.cancelled or _expired(transaction):
        return redirect(transaction.url_return, 303)

    transaction.status = 1
    transaction.paid_at = utcnow()
    db.session.commit()

    mode = request.form.get("notification", "send")
    if mode == "late":
        delay = timedelta(seconds=LATE_NOTIFICATION_SECONDS)
        enqueue(send_notification, transaction.id, delay=delay)
    elif mode != "lose":
        enqueue(send_notification, transaction.id)
    log.info("sandbox p24 transaction %s paid, notification: %s", transaction.id, mode)
    return redirect(transaction.url_return, 303)


@bp.post("/trnRequest/<token>/cancel")
def cancel(token: str):
    transaction = _transaction_by_token(token)
    if transaction.status == 0:
        transaction.cancelled = True
        db.session.commit()
    return redirect(transaction.url_return, 303)


def send_notification(transaction_id: int) -> None:
    """Job: POST the signed notification to the merchant's urlStatus."""
    transaction = db.session.get(SandboxP24Transaction, transaction_id)
    if transaction is None or not transaction.url_status:
        return
    payload = notification_payload(transaction, _settings().crc)
    response = requests.post(transaction.url_status, json=payload, timeout=15)
    transaction.notifications_sent += 1
    transaction.last_notification_status = response.status_code
    db.session.commit()
    log.info(
        "sandbox p24 transaction %s: notification answered %s",
        transaction.id,
        response.status_code,
    )


def notification_payload(transaction: SandboxP24Transaction, crc: str) -> dict:
    payload = {
        "merchantId": transaction.merchant_id,
        "posId": transaction.pos_id,
        "sessionId": transaction.session_id,
        "amount": transaction.amount,
        "originAmount": transaction.amount,
        "currency": transaction.currency,
        "orderId": transaction.order_id,
        "methodId": METHOD_ID,
        "statement": transaction.statement,
    }
    payload["sign"] = notification_sign(payload, crc)
    return payload


# --- Helpers --------------------------------------------------------------------


def _settings() -> P24Settings:
    settings = p24_settings()
    if settings is None:
        abort(503)
    return settings


def _authenticated() -> bool:
    settings = _settings()
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return False
    return hmac.compare_digest(
        auth.username or "", str(settings.pos_id)
    ) and hmac.compare_digest(auth.password or "", settings.api_key)


def _has_fields(body, fields: dict) -> bool:
    if not isinstance(body, dict):
        return False
    for name, kind in fields.items():
        value = body.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            return False
    return True


def _register_is_valid(body: dict, settings: P24Settings) -> bool:
    expected = register_sign(
        body["sessionId"],
        body["merchantId"],
        body["amount"],
        body["currency"],
        settings.crc,
    )
    return (
        hmac.compare_digest(expected, body["sign"])
        and body["merchantId"] == settings.merchant_id
        and body["posId"] == settings.pos_id
        and body["amount"] > 0
        and len(body["sessionId"]) <= 100
        and len(body["email"]) <= 50
        and len(body["urlReturn"]) <= 250
        and len(body.get("urlStatus") or "") <= 250
    )


def _transaction_by_session(session_id: str) -> SandboxP24Transaction | None:
    return db.session.scalar(
        select(SandboxP24Transaction).where(
            SandboxP24Transaction.session_id == session_id
        )
    )


def _transaction_by_token(token: str) -> SandboxP24Transaction:
    transaction = db.session.scalar(
        select(SandboxP24Transaction).where(SandboxP24Transaction.token == token)
    )
    if transaction is None:
        abort(404)
    return transaction


def _expired(transaction: SandboxP24Transaction) -> bool:
    if not transaction.time_limit or transaction.status != 0:
        return False
    deadline = transaction.created_at + timedelta(minutes=transaction.time_limit)
    return utcnow() > deadline
