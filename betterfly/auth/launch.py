"""Opening a session from the portal's signed launch token."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Office, Role, UsedLaunchToken, User, utcnow

log = logging.getLogger("betterfly.auth")

REQUIRED_CLAIMS = ["sub", "name", "email", "office", "office_name", "role"]
REQUIRED_CLAIMS += ["exp", "iat", "jti"]


class LaunchRefused(Exception):
    """The token cannot open a session; the message is safe to show."""


@dataclass(frozen=True)
class LaunchedSession:
    user_id: int
    office_id: int
    role: str


def open_session(token: str, secret: str, max_age_seconds: int) -> LaunchedSession:
    """Check a launch token, accept its `jti` once, and upsert the office and user."""
    claims = _decode(token, secret, max_age_seconds)
    _consume_jti(claims["jti"], claims["exp"])

    office = _upsert_office(str(claims["office"]), claims["office_name"])
    user = _upsert_user(office, claims)
    db.session.commit()

    log.info(
        "launch: user %s opened a %s session in office %s",
        user.id,
        user.role,
        office.id,
    )
    return LaunchedSession(user_id=user.id, office_id=office.id, role=user.role)


def _decode(token: str, secret: str, max_age_seconds: int) -> dict:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"require": REQUIRED_CLAIMS},
            leeway=10,
        )
    except jwt.ExpiredSignatureError as error:
        raise LaunchRefused(
            "Link wygasł. Otwórz aplikację ponownie z portalu."
        ) from error
    except jwt.PyJWTError as error:
        log.warning("launch: token refused (%s)", error.__class__.__name__)
        raise LaunchRefused("Link jest nieprawidłowy.") from error

    if claims["exp"] - claims["iat"] > max_age_seconds:
        raise LaunchRefused("Link jest ważny zbyt długo, by go przyjąć.")
    if claims["role"] not in {Role.OFFICE, Role.SUPPORT}:
        raise LaunchRefused("Nieznana rola użytkownika.")
    return claims


def _consume_jti(jti: str, exp: int) -> None:
    now = utcnow()
    db.session.execute(delete(UsedLaunchToken).where(UsedLaunchToken.expires_at < now))
    try:
        with db.session.begin_nested():
            db.session.add(
                UsedLaunchToken(
                    jti=str(jti)[:128],
                    expires_at=datetime.fromtimestamp(exp, UTC),
                )
            )
    except IntegrityError as error:
        db.session.rollback()
        log.warning("launch: a used token was presented again")
        raise LaunchRefused(
            "Ten link został już użyty. Otwórz aplikację ponownie z portalu."
        ) from error


def _upsert_office(portal_id: str, name: str) -> Office:
    office = db.session.scalar(select(Office).where(Office.portal_id == portal_id))
    if office is None:
        office = Office(portal_id=portal_id, name=name.strip() or portal_id)
        db.session.add(office)
        db.session.flush()
        log.info("launch: office %s created for portal office %s", office.id, portal_id)
    elif name.strip():
        office.name = name.strip()
    return office


def _upsert_user(office: Office, claims: dict) -> User:
    portal_id = str(claims["sub"])
    user = db.session.scalar(select(User).where(User.portal_id == portal_id))
    if user is None:
        user = User(portal_id=portal_id, office_id=office.id)
        db.session.add(user)
    user.office_id = office.id
    user.name = str(claims["name"])[:255]
    user.email = str(claims["email"])[:320]
    user.role = claims["role"]
    user.last_launch_at = utcnow()
    db.session.flush()
    return user


def make_launch_token(
    secret: str,
    *,
    office: str,
    office_name: str,
    sub: str,
    name: str,
    email: str,
    role: str = Role.OFFICE,
    lifetime_seconds: int = 300,
) -> str:
    """Sign a launch token as the portal does (used by the demo and the tests)."""
    import uuid

    now = int(utcnow().timestamp())
    claims = {
        "sub": sub,
        "name": name,
        "email": email,
        "office": office,
        "office_name": office_name,
        "role": role,
        "iat": now,
        "exp": now + lifetime_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
