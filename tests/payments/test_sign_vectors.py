"""Every published Przelewy24 sign vector, through the client's own functions."""

import json
from pathlib import Path

import pytest

from betterfly.integrations.p24 import (
    notification_sign,
    register_sign,
    sign,
    verify_sign,
)

VECTORS_PATH = Path(__file__).parent / "data" / "p24_sign_vectors.json"
DOC_REGISTER = "p24-docs-register-example"
DOC_VERIFY = "p24-docs-verify-example"


def _vectors() -> dict:
    if not VECTORS_PATH.exists():
        pytest.fail(f"sign vectors missing at {VECTORS_PATH}", pytrace=False)
    return json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


VECTORS = _vectors()
BY_ID = {vector["id"]: vector for vector in VECTORS["vectors"]}


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["id"])
def test_generic_sign_matches_every_vector(vector):
    assert sign(vector["fields"]) == vector["expected_sign"]


def test_encoding_vector_keeps_slashes_and_polish_letters_raw():
    vector = BY_ID["mnastalski-createSignature-slash-unicode"]

    assert sign(vector["fields"]) == vector["expected_sign"]


def test_register_sign_uses_merchant_id_in_documented_order():
    fields = BY_ID["klyda-register"]["fields"]

    result = register_sign(
        fields["sessionId"],
        fields["merchantId"],
        fields["amount"],
        fields["currency"],
        fields["crc"],
    )

    assert result == BY_ID["klyda-register"]["expected_sign"]


def test_verify_sign_uses_order_id_in_documented_order():
    fields = BY_ID["klyda-verify"]["fields"]

    result = verify_sign(
        fields["sessionId"],
        fields["orderId"],
        fields["amount"],
        fields["currency"],
        fields["crc"],
    )

    assert result == BY_ID["klyda-verify"]["expected_sign"]


def test_notification_sign_tells_pos_id_from_merchant_id():
    fields = dict(BY_ID["mnastalski-transaction-notification"]["fields"])
    crc = fields.pop("crc")
    expected = BY_ID["mnastalski-transaction-notification"]["expected_sign"]

    swapped = fields | {"merchantId": fields["posId"], "posId": fields["merchantId"]}

    assert notification_sign(fields, crc) == expected
    assert notification_sign(swapped, crc) != expected


def test_amount_as_a_string_gives_another_sign():
    fields = BY_ID["klyda-register"]["fields"]

    assert sign(fields | {"amount": str(fields["amount"])}) != sign(fields)


@pytest.mark.parametrize("example_id", [DOC_REGISTER, DOC_VERIFY])
def test_documentation_examples_hash_as_computed(example_id):
    example = next(
        item
        for item in VECTORS["doc_examples_without_published_hash"]
        if item["id"] == example_id
    )

    assert sign(json.loads(example["json"])) == example["computed_sign"]
