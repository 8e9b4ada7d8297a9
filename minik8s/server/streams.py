"""Long-running answers: watch streams, ``logs -f`` and ``exec``.

* **watch** (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
  a chunked HTTP response, one JSON ``{"type": ..., "object": ...}`` per line. Without a
  ``resourceVersion`` (or with ``"0"``) the stream starts with an ADDED event for every existing
  object; with one, it replays every change after it (410 Expired if it is too old).
  ``allowWatchBookmarks=true`` adds BOOKMARK events carrying only a resourceVersion;
  ``sendInitialEvents=true`` (a streaming list) ends the initial ADDED events with a BOOKMARK
  annotated ``k8s.io/initial-events-end``;
  ``timeoutSeconds`` ends the stream. kubectl's ``get -w`` asks for Table objects: each event
  then carries a one-row Table.
* **pods/log** with ``follow=true`` streams the container's output as it grows.
* **pods/exec** upgrades to a WebSocket (``v5.channel.k8s.io``) and answers on channels
  1 (stdout), 2 (stderr) and 3 (the final Status).

The engine is never touched without the server's lock: a watch's handler (called on the
virtual clock, under the lock) only puts events on a thread-safe queue, and the connection's
own thread encodes and writes them.
"""

from __future__ import annotations

import json
import queue
import select
import socket
import time

from .. import errors
from . import params, tables, websocket

BOOKMARK_EVERY = 5.0          # wall seconds between bookmarks on an idle watch (upstream: about a minute)
DEFAULT_WATCH_TIMEOUT = 1800  # the API server's --min-request-timeout
LOG_POLL = 0.2                # wall seconds between looks at a followed log


def _first(query, key, default=None):
    vals = query.get(key)
    return vals[0] if vals else default


def _start_chunked(handler, ctype: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("Cache-Control", "no-cache, private")
    handler.end_headers()
    handler.wfile.flush()


def _chunk(handler, data: bytes) -> None:
    if data:
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        handler.wfile.flush()


def _end_chunked(handler) -> None:
    try:
        handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()
    except OSError:
        pass


def peer_closed(handler) -> bool:
    """Has the client hung up? (readable with nothing to read means EOF.)"""
    sock = handler.connection
    try:
        r, _, _ = select.select([sock], [], [], 0)
        if not r:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


# --- watch ---------------------------------------------------------------------------------

def watch(handler, t, query: dict, accept: str) -> None:
    kube = handler.server.kube
    api = kube.cluster.apiserver
    res = t.res
    as_table = tables.wants_table(accept)
    mode = tables.include_object_mode(_first(query, "includeObject")) if as_table else None
    bookmarks = params.boolean(query, "allowWatchBookmarks")
    # timeoutSeconds: absent or 0, the server's own (--min-request-timeout); negative, ends at once.
    timeout = params.int64(query, "timeoutSeconds") or DEFAULT_WATCH_TIMEOUT
    params.int64(query, "limit")
    rv = _first(query, "resourceVersion")
    if rv not in (None, "") and not (rv.isascii() and rv.isdigit() and int(rv) < 2 ** 64):
        # APIObjectVersioner.ParseResourceVersion: strconv.ParseUint(rv, 10, 64)
        why = "value out of range" if rv.isascii() and rv.isdigit() else "invalid syntax"
        raise errors.bad_request(f"resourceVersion: Invalid value: {params.go_quote(rv)}: strconv.ParseUint: "
                                 f"parsing {params.go_quote(rv)}: {why}")
    q: queue.SimpleQueue = queue.SimpleQueue()

    initial = params.boolean(query, "sendInitialEvents")

    def start():
        list_rv = rv
        if rv in (None, "", "0") or initial:  # "start at most recent": synthetic ADDED first
            lst = api.list(res, t.namespace, label_selector=_first(query, "labelSelector"),
                           field_selector=_first(query, "fieldSelector"))
            for obj in lst["items"]:
                q.put(("ADDED", obj))
            list_rv = lst["metadata"]["resourceVersion"]
            if initial:                      # a streaming list: say where the initial state ends
                q.put(("BOOKMARK", {"kind": res.kind, "apiVersion": res.api_version, "metadata": {
                    "resourceVersion": list_rv, "annotations": {"k8s.io/initial-events-end": "true"}}}))
        return api.watch(res, lambda typ, obj: q.put((typ, obj)), t.namespace, resource_version=list_rv,
                         label_selector=_first(query, "labelSelector"),
                         field_selector=_first(query, "fieldSelector"))

    w = kube.call(start)                      # ApiErrors (bad selector) answer before the stream starts
    _start_chunked(handler, "application/json")
    deadline = time.monotonic() + timeout
    next_bookmark = time.monotonic() + BOOKMARK_EVERY
    first_table = True
    try:
        while True:
            now = time.monotonic()
            if now >= deadline or kube.stopping:
                break
            try:
                typ, obj = q.get(timeout=min(0.5, deadline - now))
            except queue.Empty:
                if peer_closed(handler) or not w.active:    # client gone, or kube-apiserver stopped
                    break
                if bookmarks and time.monotonic() >= next_bookmark:
                    next_bookmark = time.monotonic() + BOOKMARK_EVERY
                    kube.call(lambda: q.put(("BOOKMARK", {
                        "kind": res.kind, "apiVersion": res.api_version,
                        "metadata": {"resourceVersion": str(kube.cluster.store.revision)}})))
                continue
            batch = [(typ, obj)]
            while len(batch) < 1000:            # write what is waiting as one chunk
                try:
                    batch.append(q.get_nowait())
                except queue.Empty:
                    break
            out = []
            ended = False
            for typ, obj in batch:
                if typ in ("ERROR", "BOOKMARK") or not as_table:
                    out.append(kube.encode_event(typ, obj))
                else:
                    table = tables.to_table(res.kind, [obj], kube.cluster.clock.now, mode,
                                            {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                                            headers=first_table)
                    first_table = False
                    out.append(json.dumps({"type": typ, "object": table}, separators=(",", ":")).encode() + b"\n")
                if typ == "ERROR":
                    ended = True
                    break
            _chunk(handler, b"".join(out))
            if ended:
                break
    except OSError:
        handler.close_connection = True
    finally:
        kube.call(w.stop)
    _end_chunked(handler)


# --- pods/log ------------------------------------------------------------------------------

def _container_running(pod: dict, container: str | None) -> bool:
    name = container or pod["spec"]["containers"][0]["name"]
    for st in (pod.get("status") or {}).get("containerStatuses") or []:
        if st.get("name") == name:
            return "running" in (st.get("state") or {})
    return False


def _validate_log_options(name, tail, since, limit_bytes, since_time) -> None:
    """ValidatePodLogOptions (pkg/apis/core/validation): the ranges of PodLogOptions' numbers,
    a 422 ``PodLogOptions "NAME" is invalid: ...`` (pkg/registry/core/pod/rest/log.go)."""
    causes = []
    if tail is not None and tail < 0:
        causes.append(("tailLines", "FieldValueInvalid",
                       f"Invalid value: {tail}: must be greater than or equal to 0"))
    if limit_bytes is not None and limit_bytes < 1:
        causes.append(("limitBytes", "FieldValueInvalid", f"Invalid value: {limit_bytes}: must be greater than 0"))
    if since_time and since is not None:
        causes.append(("", "FieldValueForbidden",
                       "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"))
    if since is not None and since < 1:
        causes.append(("sinceSeconds", "FieldValueInvalid", f"Invalid value: {since}: must be greater than 0"))
    if causes:
        parts = [f"{f}: {m}" if f else m for f, _t, m in causes]
        detail = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
        raise errors.ApiError(422, "Invalid", f'PodLogOptions "{name}" is invalid: {detail}', {
            "name": name, "group": "", "kind": "PodLogOptions",
            "causes": [{"reason": typ, "message": m, "field": f} for f, typ, m in causes]})


def pod_log(handler, t, query: dict) -> None:
    """GET pods/NAME/log: plain text; ``follow=true`` keeps the response open as the log grows."""
    kube = handler.server.kube
    api = kube.cluster.apiserver
    container = _first(query, "container") or None
    previous = params.boolean(query, "previous")
    tail = params.int64(query, "tailLines")
    follow = params.boolean(query, "follow")
    _validate_log_options(t.name, tail, params.int64(query, "sinceSeconds"), params.int64(query, "limitBytes"),
                          _first(query, "sinceTime"))
    ns = t.namespace or "default"
    def begin():
        text = api.pod_logs(t.name, ns, container, previous=previous, tail=tail)
        return text, (api.pod_logs(t.name, ns, container, previous=previous) if follow else text)
    text, sent_full = kube.call(begin)
    if not follow:
        return handler.send_bytes(200, text.encode(), "text/plain")
    _start_chunked(handler, "text/plain")
    try:
        _chunk(handler, text.encode())
        while not kube.stopping:
            time.sleep(LOG_POLL)
            if peer_closed(handler):
                break

            def look():
                pod = kube.cluster.store.peek("pods", f"{ns}/{t.name}")
                if pod is None:
                    return None, False
                try:
                    full = api.pod_logs(t.name, ns, container, previous=previous)
                except errors.ApiError:
                    return None, False
                return full, _container_running(pod, container) and not previous
            full, running = kube.call(look)
            if full is None:
                break
            if full.startswith(sent_full):
                _chunk(handler, full[len(sent_full):].encode())
                sent_full = full
            if not running:
                break
    except OSError:
        handler.close_connection = True
    _end_chunked(handler)


# --- pods/exec -----------------------------------------------------------------------------

SHELLS = ("sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash")


# Wall seconds between the WebSocket upgrade and the first frame this server sends (see send()).
STREAM_SETTLE_SECONDS = 0.2


def exit_status(result, argv: list[str]) -> dict:
    """The Status the kubelet sends on channel 3 when a command ends (remotecommand's wording)."""
    if result.exit_code == 0:
        return {"metadata": {}, "status": "Success"}
    rc = result.exit_code
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command "
                       f"[{' '.join(argv)}], exit code {rc}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(rc)}]}}


def pod_exec(handler, t, query: dict) -> None:
    kube = handler.server.kube
    api = kube.cluster.apiserver
    argv = query.get("command") or []
    container = _first(query, "container") or None
    use_stdin = params.boolean(query, "stdin")
    tty = params.boolean(query, "tty")
    ns = t.namespace or "default"
    if not argv:
        raise errors.bad_request("you must specify at least 1 command")
    pod = kube.call(api.get, "pods", t.name, ns)          # 404 before any upgrade
    names = [c["name"] for c in pod["spec"]["containers"]]
    if container and container not in names:
        raise errors.bad_request(f"container {container} is not valid for pod {t.name}")
    if (handler.headers.get("Upgrade") or "").lower() != "websocket":
        raise errors.bad_request("Upgrade request required")
    proto = websocket.choose_protocol(handler.headers.get("Sec-WebSocket-Protocol"))
    if proto is None:
        raise errors.bad_request("unable to upgrade connection: no supported subprotocol "
                                 f"(want one of {', '.join(websocket.PROTOCOLS)})")
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", websocket.accept_key(handler.headers.get("Sec-WebSocket-Key", "")))
    handler.send_header("Sec-WebSocket-Protocol", proto)
    handler.end_headers()
    handler.wfile.flush()
    handler.close_connection = True
    out = handler.wfile
    opened = time.monotonic()

    def send(channel: int, data: bytes) -> None:
        # kubectl up to v1.32 starts reading the socket before it has registered its streams, and
        # drops (with "Unknown stream id 1, discarding message") a frame that arrives in between;
        # client-go now waits for its streams first. A real kubelet is never that quick to answer.
        settle = STREAM_SETTLE_SECONDS - (time.monotonic() - opened)
        if settle > 0:
            time.sleep(settle)
        out.write(websocket.encode_frame(bytes([channel]) + data))
        out.flush()

    def run(cmd, stdin_text=None):
        return kube.call(api.pod_exec, t.name, ns, cmd, container, stdin_text)

    try:
        if use_stdin and tty and len(argv) == 1 and argv[0] in SHELLS:
            status = _interactive_shell(handler, send, run, argv)
        else:
            stdin_text = _read_stdin(handler) if use_stdin else None
            try:
                result = run(argv, stdin_text)
            except errors.ApiError as e:
                status = {"metadata": {}, **{k: v for k, v in e.status.items() if k not in ("kind", "apiVersion")}}
            else:
                output = result.output if hasattr(result, "output") else str(result)
                if tty:
                    output = output.replace("\r\n", "\n").replace("\n", "\r\n")
                if output:
                    send(1, output.encode())
                status = exit_status(result, argv)
        send(3, json.dumps(status).encode())
        out.write(websocket.close_frame())
        out.flush()
    except OSError:
        pass


def _read_stdin(handler) -> str:
    """Collect channel-0 data until the client closes stdin (v5: ``[255, 0]``) or the socket."""
    data = []
    while True:
        msg = websocket.read_message(handler.rfile, handler.wfile)
        if msg is None:
            break
        _op, payload = msg
        if not payload:
            continue
        if payload[0] == 0:
            data.append(payload[1:])
        elif payload[0] == 255:
            break
    return b"".join(data).decode(errors="replace")


def _interactive_shell(handler, send, run, argv) -> dict:
    """``kubectl exec -it POD -- sh``: a line-at-a-time shell on a terminal.

    The terminal is in raw mode on the client, so this side echoes what is typed, handles
    backspace, Ctrl-C and Ctrl-D, and runs each line as ``sh -c LINE`` in the container when
    Enter is pressed. Each line is its own shell: ``cd`` and variables do not carry over.
    """
    prompt = b"/ # "
    send(1, prompt)
    line = bytearray()
    rc = 0
    while True:
        msg = websocket.read_message(handler.rfile, handler.wfile)
        if msg is None:
            break
        _op, payload = msg
        if not payload or payload[0] != 0:
            if payload and payload[0] == 255:
                break
            continue
        for b in payload[1:]:
            if b in (13, 10):
                send(1, b"\r\n")
                cmd = line.decode(errors="replace").strip()
                line.clear()
                if cmd in ("exit", "logout"):
                    return {"metadata": {}, "status": "Success"}
                if cmd.startswith("exit "):
                    try:
                        rc = int(cmd.split()[1])
                    except ValueError:
                        rc = 2
                    return exit_status(type("R", (), {"exit_code": rc})(), argv)
                if cmd:
                    try:
                        result = run([argv[0], "-c", cmd])
                        text = result.output
                        rc = result.exit_code
                    except errors.ApiError as e:
                        text = e.message + "\n"
                    send(1, text.replace("\r\n", "\n").replace("\n", "\r\n").encode())
                send(1, prompt)
            elif b in (127, 8):
                if line:
                    line.pop()
                    send(1, b"\b \b")
            elif b == 3:
                line.clear()
                send(1, b"^C\r\n" + prompt)
            elif b == 4:
                if not line:
                    send(1, b"\r\n")
                    return exit_status(type("R", (), {"exit_code": rc})(), argv)
            else:
                line.append(b)
                send(1, bytes([b]))
    return exit_status(type("R", (), {"exit_code": rc})(), argv)


__all__ = ["watch", "pod_log", "pod_exec"]
