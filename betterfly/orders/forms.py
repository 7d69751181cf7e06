from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..models import PaymentMethod, Program
from . import fields

PROGRAM_CHOICES = [
    (Program.FREE.value, "Betterfly eFaktury"),
    (Program.PLUS.value, "Betterfly eFaktury Plus"),
]
PAYMENT_CHOICES = [
    (PaymentMethod.POOL.value, "Licencja z Pakietu Premium"),
    (PaymentMethod.WALLET.value, "Portfel"),
    (PaymentMethod.P24.value, "Przelewy24"),
]


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class OrderForm(FlaskForm):
    """The ordering page. Each `validate_*` also leaves the normalised value."""

    phone = StringField("Numer telefonu", filters=[_stripped])
    nip = StringField("NIP", filters=[_stripped])
    company_name = StringField(
        "Nazwa firmy", filters=[_stripped], validators=[Length(max=500)]
    )
    street = StringField("Ulica", filters=[_stripped], validators=[Length(max=200)])
    building_number = StringField(
        "Numer budynku", filters=[_stripped], validators=[Length(max=20)]
    )
    unit_number = StringField(
        "Numer lokalu", filters=[_stripped], validators=[Optional(), Length(max=20)]
    )
    postal_code = StringField("Kod pocztowy", filters=[_stripped])
    city = StringField("Miejscowość", filters=[_stripped], validators=[Length(max=120)])
    regon = StringField("REGON", filters=[_stripped])
    company_source = HiddenField()
    company_as_of = HiddenField()
    company_fill = HiddenField()
    company_ended_on = HiddenField()

    branch = SelectField("Oddział", choices=[], validate_choice=False)
    advisor = SelectField("Opiekun", choices=[], validate_choice=False)

    program = RadioField("Program", choices=PROGRAM_CHOICES, validate_choice=False)
    email = StringField("E-mail", filters=[_stripped])
    first_name = StringField("Imię", filters=[_stripped])
    last_name = StringField("Nazwisko", filters=[_stripped])
    payment_method = RadioField(
        "Sposób płatności", choices=PAYMENT_CHOICES, validate_choice=False
    )

    request_key = HiddenField()

    def ensure_request_key(self) -> None:
        """Give a freshly rendered form the key that makes its submission unique."""
        if not self.request_key.data:
            self.request_key.data = uuid.uuid4().hex

    def validate_phone(self, field):
        field.data = fields.normalise_phone(field.data)

    def validate_nip(self, field):
        field.data = fields.normalise_nip(field.data)

    def validate_company_name(self, field):
        if not field.data:
            raise ValidationError("Podaj nazwę firmy.")

    def validate_building_number(self, field):
        if not field.data:
            raise ValidationError("Podaj numer budynku.")

    def validate_postal_code(self, field):
        field.data = fields.normalise_postal_code(field.data)

    def validate_city(self, field):
        if not field.data:
            raise ValidationError("Podaj miejscowość.")

    def validate_regon(self, field):
        field.data = fields.normalise_regon(field.data)

    def validate_branch(self, field):
        if not field.data:
            raise ValidationError("Wybierz oddział, który obsługuje Klienta.")

    def validate_advisor(self, field):
        if not field.data:
            raise ValidationError("Wybierz opiekuna Klienta.")

    def validate_program(self, field):
        if field.data not in {Program.FREE, Program.PLUS}:
            raise ValidationError("Wybierz program.")

    def validate_email(self, field):
        field.data = fields.normalise_email(field.data)

    def validate_first_name(self, field):
        field.data = fields.normalise_person_name(field.data, "imię")

    def validate_last_name(self, field):
        field.data = fields.normalise_person_name(field.data, "nazwisko")

    def validate_payment_method(self, field):
        if self.program.data != Program.PLUS:
            field.data = None
            return
        if field.data not in {method.value for method in PaymentMethod}:
            raise ValidationError("Wybierz sposób płatności za licencję.")

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(field id, label, first message) for every field with an error, in order."""
        summary = []
        for field in self:
            if field.errors and field.type not in {"HiddenField", "CSRFTokenField"}:
                summary.append((field.id, field.label.text, field.errors[0]))
        return summary
