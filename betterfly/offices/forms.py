from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from ..orders.fields import normalise_person_name


class BranchForm(FlaskForm):
    name = StringField("Nazwa oddziału")

    def validate_name(self, field):
        field.data = " ".join((field.data or "").split())
        if not field.data:
            raise ValidationError("Podaj nazwę oddziału.")
        if len(field.data) > 120:
            raise ValidationError("Wpisz najwyżej 120 znaków.")


class AdvisorForm(FlaskForm):
    first_name = StringField("Imię")
    last_name = StringField("Nazwisko")

    def validate_first_name(self, field):
        field.data = normalise_person_name(field.data, "imię")

    def validate_last_name(self, field):
        field.data = normalise_person_name(field.data, "nazwisko")
