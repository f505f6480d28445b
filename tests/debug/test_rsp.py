"""The remote protocol's packet layer: checksums, escaping, framing, acks, Ctrl-C."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.debug import rsp


def test_checksum_is_the_byte_sum_modulo_256() -> None:
    # gdb's manual: "$g#67" for the g packet; qSupported's is 0x37 as gdb sends it
    assert rsp.frame(b"g") == b"$g#67"
    assert rsp.checksum(b"qSupported") == 0x37
    assert rsp.checksum(bytes([0xFF, 0x02])) == 0x01


def test_escape_marks_the_four_special_bytes() -> None:
    assert rsp.escape(b"a#b$c}d*e") == b"a}\x03b}\x04c}]d}\x0ae"
    assert rsp.unescape(b"}\x03}\x04}]}\x0a") == b"#$}*"


@settings(max_examples=60)
@given(st.binary(max_size=64))
def test_escape_round_trips_and_leaves_no_framing_byte(data: bytes) -> None:
    esc = rsp.escape(data)
    assert rsp.unescape(esc) == data
    assert b"#" not in esc and b"$" not in esc


def test_a_dangling_escape_is_an_error() -> None:
    with pytest.raises(rsp.ProtocolError):
        rsp.unescape(b"ab}")


@pytest.fixture
def pair() -> tuple[rsp.Connection, socket.socket]:
    a, b = socket.socketpair()
    yield rsp.Connection(a), b
    a.close()
    b.close()


def test_read_acks_a_good_packet_and_naks_a_bad_one(pair: tuple[rsp.Connection, socket.socket]
                                                   ) -> None:
    conn, peer = pair
    peer.sendall(b"+$m10,4#00" + rsp.frame(b"m10,4"))
    assert conn.read_packet() == b"m10,4"  # the corrupt copy was refused, the good one read
    assert peer.recv(16) == b"-+"


def test_packets_split_across_reads(pair: tuple[rsp.Connection, socket.socket]) -> None:
    conn, peer = pair
    framed = rsp.frame(b"qSupported:swbreak+")
    peer.sendall(framed[:5])
    peer.sendall(framed[5:])
    assert conn.read_packet() == b"qSupported:swbreak+"


def test_no_ack_mode_sends_no_acks(pair: tuple[rsp.Connection, socket.socket]) -> None:
    conn, peer = pair
    conn.ack = False
    peer.sendall(rsp.frame(b"?"))
    assert conn.read_packet() == b"?"
    conn.send("OK")
    assert peer.recv(16) == b"$OK#9a"


def test_ctrl_c_between_packets(pair: tuple[rsp.Connection, socket.socket]) -> None:
    conn, peer = pair
    assert not conn.poll_interrupt()
    peer.sendall(b"\x03")
    for _ in range(100):  # the byte may take a moment to cross the socket pair
        if conn.poll_interrupt():
            break
    assert conn.interrupted
    peer.sendall(b"\x03" + rsp.frame(b"g"))
    assert conn.read_packet() == rsp.INTERRUPT
    assert conn.read_packet() == b"g"


def test_a_closed_peer_is_a_protocol_error(pair: tuple[rsp.Connection, socket.socket]) -> None:
    conn, peer = pair
    peer.close()
    with pytest.raises(rsp.ProtocolError):
        conn.read_packet()


@settings(max_examples=40)
@given(st.binary(max_size=200))
def test_any_payload_survives_framing_and_escaping(data: bytes) -> None:
    a, b = socket.socketpair()
    try:
        conn = rsp.Connection(a)
        b.sendall(rsp.frame(rsp.escape(data)))
        assert rsp.unescape(conn.read_packet()) == data
        assert b.recv(1) == b"+"
    finally:
        a.close()
        b.close()
