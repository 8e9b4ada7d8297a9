"""The WebSocket framing ``kubectl exec`` speaks (RFC 6455), server side, minimal.

Since v1.30 kubectl opens ``exec`` as a WebSocket with subprotocol ``v5.channel.k8s.io``
(SPDY is only its fallback; https://kubernetes.io/blog/2024/08/20/websockets-transition/).
Every binary message starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 the final
status (a meta/v1 Status as JSON), 4 terminal resize; in v5, ``[255, 0]`` from the client
closes its stdin. The Python standard library has no WebSocket server and the well-kept
libraries (``websockets``, ``wsproto``) would be a new dependency for about sixty lines, so
the handshake and framing are written here: frames from a client are masked, frames from the
server are not; text/binary, continuation, ping/pong and close opcodes are handled.
"""

from __future__ import annotations

import base64
import hashlib
import struct

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")   # in the order this server prefers

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 section 4.2.2)."""
    return base64.b64encode(hashlib.sha1((key.strip() + GUID).encode()).digest()).decode()


def choose_protocol(offered: str | None) -> str | None:
    """The subprotocol to answer with: the first of ours that the client offered."""
    names = [p.strip() for p in (offered or "").split(",") if p.strip()]
    for p in PROTOCOLS:
        if p in names:
            return p
    return None


def encode_frame(payload: bytes, opcode: int = OP_BINARY) -> bytes:
    """One unmasked, final frame (what a server sends)."""
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 1 << 16:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def _read_exact(rfile, n: int) -> bytes:
    data = rfile.read(n) if n else b""
    if len(data) < n:
        raise EOFError("connection closed")
    return data


def read_frame(rfile) -> tuple[int, bool, bytes]:
    """Read one frame: (opcode, fin, unmasked payload). Raises EOFError when the peer is gone."""
    b1, b2 = _read_exact(rfile, 2)
    fin, opcode = bool(b1 & 0x80), b1 & 0x0F
    masked, n = bool(b2 & 0x80), b2 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _read_exact(rfile, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exact(rfile, 8))[0]
    mask = _read_exact(rfile, 4) if masked else b""
    data = _read_exact(rfile, n)
    if masked:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return opcode, fin, data


def read_message(rfile, wfile) -> tuple[int, bytes] | None:
    """The next data message (opcode, payload), answering pings; None once the peer closes."""
    parts: list[bytes] = []
    first = None
    while True:
        try:
            opcode, fin, data = read_frame(rfile)
        except (EOFError, OSError):
            return None
        if opcode == OP_PING:
            wfile.write(encode_frame(data, OP_PONG))
            wfile.flush()
            continue
        if opcode == OP_PONG:
            continue
        if opcode == OP_CLOSE:
            return None
        if opcode != OP_CONT:
            first = opcode
        parts.append(data)
        if fin:
            return first or OP_BINARY, b"".join(parts)


def close_frame(code: int = 1000, reason: str = "") -> bytes:
    return encode_frame(struct.pack("!H", code) + reason.encode(), OP_CLOSE)
