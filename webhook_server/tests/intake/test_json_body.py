"""The delivery-body parser: what it refuses (table), and that a body intake accepts is read back whole."""

import json
from datetime import UTC, datetime

import pytest

from webhook_server.libs.pipeline.delivery import Delivery
from webhook_server.utils.json_body import InvalidJsonError, decode_json
from webhook_server.web.intake_checks import IntakeRejectedError, parse_payload

REPO = '"repository": {"name": "r", "full_name": "o/r"}'


@pytest.mark.parametrize(
    "text",
    [
        b'{"x": NaN}',
        b'{"x": Infinity}',
        b'{"x": 1e400}',
        b'{"x": "\\ud800"}',
        b"\xef\xbb\xbf{}",
        '{"x": 1}'.encode("utf-16"),
        b'{"x": "\xff"}',
        b'{"x": "a\x01b"}',
        b'{"x": "\\q"}',
        b'{"x": 1} trailing',
        b'{"x": ' + b"9" * 4301 + b"}",
        b'{"x": [1, 2,]}',
        b"",
    ],
    ids=[
        "nan",
        "infinity",
        "float-out-of-range",
        "lone-surrogate",
        "byte-order-mark",
        "utf-16",
        "invalid-utf8",
        "control-character",
        "bad-escape",
        "trailing-text",
        "int-over-4300-digits",
        "trailing-comma",
        "empty",
    ],
)
def test_refused(text: bytes) -> None:
    with pytest.raises(InvalidJsonError):
        decode_json(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b'{"a": 1, "a": 2}', {"a": 2}),
        (b'["\\ud83d\\ude00", "\\u00e9"]', ["\U0001f600", "é"]),
        (b"[" + b"9" * 30 + b"]", [int("9" * 30)]),
        (b" \n[-0, 1.5e308, true, null]\n", [0, 1.5e308, True, None]),
    ],
    ids=["duplicate-key-last-wins", "escapes", "big-int", "whitespace-and-literals"],
)
def test_decoded_like_the_standard_library(text: bytes, value: object) -> None:
    assert decode_json(text) == value == json.loads(text)


@pytest.mark.parametrize("body", [b'{"x": NaN, ' + REPO.encode() + b"}", b'{"x": "\\ud800", ' + REPO.encode() + b"}"])
def test_intake_refuses_what_a_worker_could_not_read(body: bytes) -> None:
    with pytest.raises(IntakeRejectedError) as raised:
        parse_payload(body)
    assert (raised.value.status_code, raised.value.detail) == (400, "Invalid JSON payload")


def test_a_worker_reads_what_intake_accepted() -> None:
    title = '"title": "feat: caf\u00e9 \U0001f600"'
    body = ("{" + REPO + ', "action": "opened", ' + title + ', "id": ' + "7" * 40 + "}").encode()
    accepted = parse_payload(body)
    delivery = Delivery(
        seq=1,
        delivery_id="d",
        event="pull_request",
        action=None,
        repository_full_name="o/r",
        ordering_key="repo:o/r",
        headers={},
        body=body,
        received_at=datetime.now(UTC),
        attempts=0,
    )
    assert delivery.payload == json.loads(body)
    assert accepted == {"repository": {"name": "r", "full_name": "o/r"}, "action": "opened"}
