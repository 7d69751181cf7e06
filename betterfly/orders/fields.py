"""Normalising and checking what the office types, with messages in Polish."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.pl import nip as stdnum_nip
from stdnum.pl import regon as stdnum_regon
from wtforms.validators import ValidationError

NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '\-’][^\W\d_]+)*$")
POSTAL_CODE_PATTERN = re.compile(r"^\d{2}-\d{3}$")


def normalise_phone(raw: str) -> str:
    """Return the number in E.164, reading a number without a country code as Polish."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError("Podaj numer telefonu.")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "PL")
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            "To nie wygląda na numer telefonu. Wpisz np. 600 100 200."
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "Ten numer telefonu jest nieprawidłowy. Sprawdź liczbę cyfr i numer "
            "kierunkowy kraju."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """Format a stored E.164 number for people: '+48 600 100 200'."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def normalise_nip(raw: str) -> str:
    """Return the 10 NIP digits; spaces, dashes and a PL prefix are accepted."""
    text = re.sub(r"[\s\-.]", "", (raw or "")).upper()
    if not text:
        raise ValidationError("Podaj NIP firmy.")
    text = text.removeprefix("PL")
    if not text.isdigit() or len(text) != 10:
        raise ValidationError("NIP ma 10 cyfr, np. 526-000-12-46.")
    if len(set(text)) == 1 or not stdnum_nip.is_valid(text):
        raise ValidationError(
            "Ten NIP ma błędną sumę kontrolną. Sprawdź, czy nie ma literówki."
        )
    return text


def is_valid_nip(raw: str) -> bool:
    try:
        normalise_nip(raw)
    except ValidationError:
        return False
    return True


def normalise_regon(raw: str) -> str | None:
    text = re.sub(r"[\s\-]", "", raw or "")
    if not text:
        return None
    if (
        not text.isdigit()
        or len(text) not in (9, 14)
        or not stdnum_regon.is_valid(text)
    ):
        raise ValidationError("REGON ma 9 lub 14 cyfr z poprawną sumą kontrolną.")
    return text


def normalise_email(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise ValidationError("Podaj adres e-mail Klienta.")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(
            "Ten adres e-mail jest nieprawidłowy. Wpisz go w postaci nazwa@domena.pl."
        ) from error
    return result.normalized


def normalise_person_name(raw: str, what: str) -> str:
    text = " ".join((raw or "").split())
    if not text:
        raise ValidationError(f"Podaj {what}.")
    if len(text) > 80:
        raise ValidationError("Wpisz najwyżej 80 znaków.")
    if not NAME_PATTERN.match(text):
        raise ValidationError(
            "Użyj tylko liter (także polskich), spacji, łącznika lub apostrofu."
        )
    return text


def normalise_postal_code(raw: str) -> str:
    text = (raw or "").strip()
    if re.fullmatch(r"\d{5}", text):
        text = f"{text[:2]}-{text[2:]}"
    if not POSTAL_CODE_PATTERN.match(text):
        raise ValidationError("Kod pocztowy wpisz w postaci 00-000.")
    return text
