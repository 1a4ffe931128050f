"""The JSON-RPC message model and codec."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcp_workbench.errors import InvalidParams, InvalidRequest, ParseError, ProtocolError
from mcp_workbench.jsonrpc import (
    Notification,
    Request,
    Response,
    decode,
    encode,
    parse_message,
    rejection,
)


def test_request_notification_response() -> None:
    assert parse_message({"jsonrpc": "2.0", "id": "a", "method": "m", "params": {"x": 1}}) == (
        Request("a", "m", {"x": 1})
    )
    assert parse_message({"jsonrpc": "2.0", "id": 0, "method": "m"}) == Request(0, "m", {})
    assert parse_message({"jsonrpc": "2.0", "method": "n"}) == Notification("n", {})
    assert parse_message({"jsonrpc": "2.0", "id": 3, "result": {"ok": True}}) == Response(
        3, {"ok": True}, None
    )
    error = {"code": -1, "message": "no"}
    assert parse_message({"jsonrpc": "2.0", "id": 3, "error": error}) == Response(3, None, error)


@pytest.mark.parametrize(
    ("value", "rid"),
    [
        ([], None),
        ("text", None),
        ({"id": 1, "method": "m"}, 1),
        ({"jsonrpc": "2.0", "id": True, "method": "m"}, None),
        ({"jsonrpc": "2.0", "id": None, "method": "m"}, None),
        ({"jsonrpc": "2.0", "id": 1.0, "method": "m"}, None),
        ({"jsonrpc": "2.0", "id": 1, "method": ["m"]}, 1),
        ({"jsonrpc": "2.0", "id": 1}, 1),
        ({"jsonrpc": "2.0", "id": 1, "result": {}, "error": {"code": 1, "message": ""}}, 1),
    ],
)
def test_invalid_messages_keep_their_id(value: Any, rid: Any) -> None:
    with pytest.raises(InvalidRequest) as err:
        parse_message(value)
    reply = rejection(err.value)
    assert reply["id"] == rid
    assert reply["error"]["code"] == -32600


def test_positional_params_are_invalid_params() -> None:
    with pytest.raises(InvalidParams) as err:
        parse_message({"jsonrpc": "2.0", "id": 9, "method": "m", "params": [1, 2]})
    assert rejection(err.value) == {
        "jsonrpc": "2.0",
        "id": 9,
        "error": {"code": -32602, "message": 'Invalid params: "params" must be an object'},
    }


def test_decode_limits_and_errors() -> None:
    assert decode(b'{"a":[1,2]}') == {"a": [1, 2]}
    with pytest.raises(ParseError):
        decode(b"{")
    with pytest.raises(ParseError):
        decode(b'"\xff"')
    with pytest.raises(InvalidRequest) as err:
        decode(b"[" + b"1," * 100 + b"1]", max_bytes=50)
    assert err.value.data == {"limit": 50}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_encode_is_one_line_and_round_trips(value: Any) -> None:
    data = encode(value)
    assert b"\n" not in data
    assert decode(data) == value


@given(st.binary(max_size=200))
def test_decode_never_raises_anything_but_protocol_errors(data: bytes) -> None:
    try:
        value = decode(data)
    except ProtocolError:
        return
    with contextlib.suppress(ProtocolError):
        parse_message(value)
