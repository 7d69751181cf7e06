"""Refusals the ordering page shows to the person placing an order."""


class PaymentRefused(Exception):
    """The chosen way to pay cannot be used; the message is shown at the field."""

    def __init__(self, message: str, field: str = "payment_method"):
        super().__init__(message)
        self.message = message
        self.field = field
