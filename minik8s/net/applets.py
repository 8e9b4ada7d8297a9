"""busybox's network applets: ``nslookup``, ``wget`` and ``nc``, on the cluster network.

They resolve names as the container's C library would (``resolver.py``: /etc/hosts, then
the resolv.conf search list and ndots against CoreDNS) and connect through the pod's network
namespace, so a request to a Service goes through kube-proxy's rules. Output and exit codes
follow busybox (``nslookup`` as 1.28 prints it for ``busybox:1.28``, the image of the DNS
debugging page, https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/;
newer busybox's format otherwise).
"""

from __future__ import annotations

from .coredns import dns_servers
from .podnetwork import ConnectionRefused, NetworkError, NoRouteToHost, Timeout, tcp_connect
from .resolver import Resolution, resolve_in_process, resolver_for_runtime


def _is_ip(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() for p in parts)


def _old_busybox(proc) -> bool:
    ref = getattr(getattr(proc.container, "image", None), "ref", "") or ""
    return "busybox:1.2" in ref


def nslookup(proc):
    """nslookup NAME [SERVER]"""
    args = [a for a in proc.argv[1:] if not a.startswith("-")]
    if not args:
        proc.error("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                   "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]")
        return 1
    name = args[0]
    qtype = "A"
    for a in proc.argv[1:]:
        if a.startswith("-type=") or a.startswith("-query="):
            qtype = a.split("=", 1)[1].upper()
    if _is_ip(name):
        qtype, name = "PTR", ".".join(reversed(name.split("."))) + ".in-addr.arpa"
    res = resolve_in_process(proc, name, qtype)
    if len(args) > 1:                                     # an explicit server
        server = dns_servers(proc.container.runtime.network).get(args[1])
        res = Resolution(name, qtype, args[1], [name], server.query(name, qtype) if server else None)
    if res.delay:
        yield proc.sleep(res.delay)
    server = res.server or ""
    if _old_busybox(proc):
        ptr = _ptr_name(proc, server)
        proc.print(f"Server:    {server}")
        proc.print(f"Address 1: {server}" + (f" {ptr}" if ptr else ""))
        proc.print("")
        if not res.ok:
            proc.error(f"nslookup: can't resolve '{args[0]}'")
            return 1
        proc.print(f"Name:      {args[0]}")
        for i, rec in enumerate(r for r in res.answer.records if r.type == "A"):
            back = _ptr_name(proc, rec.data)
            proc.print(f"Address {i + 1}: {rec.data}" + (f" {back}" if back else ""))
        return 0
    if res.timed_out:
        proc.print(";; connection timed out; no servers could be reached")
        proc.print("")
        return 1
    proc.print(f"Server:\t\t{server}")
    proc.print(f"Address:\t{server}:53")
    proc.print("")
    if not res.ok:
        for tried in res.tried:
            proc.print(f"** server can't find {tried.rstrip('.')}: {res.answer.rcode}")
            proc.print("")
        return 1
    for rec in res.answer.records:
        if rec.type == "CNAME":
            proc.print(f"{rec.name.rstrip('.')}\tcanonical name = {rec.data.rstrip('.')}")
        elif rec.type == "A":
            proc.print(f"Name:\t{rec.name.rstrip('.')}")
            proc.print(f"Address: {rec.data}")
        elif rec.type == "PTR":
            proc.print(f"{rec.name.rstrip('.')}\tname = {rec.data.rstrip('.')}")
        elif rec.type == "SRV":
            proc.print(f"{rec.name.rstrip('.')}\tservice = {rec.data.rstrip('.')}")
    proc.print("")
    return 0


def _ptr_name(proc, ip: str) -> str:
    if not _is_ip(ip):
        return ""
    res = resolve_in_process(proc, ".".join(reversed(ip.split("."))) + ".in-addr.arpa.", "PTR")
    if res.ok:
        return res.answer.records[0].data.rstrip(".")
    return ""


def parse_url(url: str) -> tuple[str, int, str]:
    """(host, port, path) of an http URL (``http://`` may be left out)."""
    rest = url.split("://", 1)[1] if "://" in url else url
    hostport, slash, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    return host, int(port) if port.isdigit() else 80, "/" + path


def wget(proc):
    """wget [-q] [-O FILE|-] [-S] [-T SEC] [--header 'K: V'] URL"""
    args = proc.argv[1:]
    quiet, out_file, show_headers, timeout, url, headers = False, None, False, None, None, {}
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-O", "--output-document"):
            out_file, i = args[i + 1], i + 1
        elif a.startswith("-O") and len(a) > 2:
            out_file = a[2:]
        elif a in ("-T", "--timeout"):
            timeout, i = float(args[i + 1]), i + 1
        elif a == "--header":
            k, _, v = args[i + 1].partition(":")
            headers[k.strip()] = v.strip()
            i += 1
        elif a.startswith("-") and not a.startswith("--") and len(a) > 1:
            flags = a[1:]
            if "O" in flags:                               # -qO- / -qO file
                before, _, after = flags.partition("O")
                quiet = quiet or "q" in before
                show_headers = show_headers or "S" in before
                if after:
                    out_file = after
                else:
                    out_file, i = args[i + 1], i + 1
            else:
                quiet = quiet or "q" in flags
                show_headers = show_headers or "S" in flags
        elif a.startswith("--"):
            quiet = quiet or a == "--quiet"
            show_headers = show_headers or a == "--server-response"
        else:
            url = a
        i += 1
    if url is None:
        proc.error("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                   "Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n"
                   "\t[--post-data STR | --post-file FILE] [-Y on/off]\n"
                   "\t[-P DIR] [-U AGENT] [-T SEC] URL...")
        return 1
    host, port, path = parse_url(url)
    ip = host
    if host == "localhost":
        ip = "127.0.0.1"
    elif not _is_ip(host):
        res = resolve_in_process(proc, host)
        if res.delay:
            yield proc.sleep(res.delay)
        if not res.ok:
            proc.error(f"wget: bad address '{host}'")
            return 1
        ip = res.ips[0]
    if not quiet:
        proc.error(f"Connecting to {host}{'' if port == 80 else f':{port}'} ({ip}:{port})")
    headers.setdefault("Host", host if port == 80 else f"{host}:{port}")
    headers.setdefault("User-Agent", "Wget")
    try:
        resp = proc.request(ip, port, "GET", path, headers, timeout=timeout)
    except Timeout:
        yield proc.sleep(timeout)
        proc.error("wget: download timed out")
        return 1
    except ConnectionRefused:
        proc.error(f"wget: can't connect to remote host ({ip}): Connection refused")
        return 1
    except NoRouteToHost:
        proc.error(f"wget: can't connect to remote host ({ip}): Host is unreachable")
        return 1
    except NetworkError as e:
        proc.error(f"wget: error getting response: {e}")
        return 1
    if resp.delay:
        yield proc.sleep(resp.delay)
    from http import HTTPStatus
    try:
        phrase = HTTPStatus(resp.status).phrase
    except ValueError:
        phrase = ""
    if show_headers:
        proc.error(f"  HTTP/1.1 {resp.status} {phrase}")
        for k, v in resp.headers.items():
            proc.error(f"  {k}: {v}")
    if resp.status >= 400:
        proc.error(f"wget: server returned error: HTTP/1.1 {resp.status} {phrase}")
        return 1
    target = out_file if out_file is not None else (path.rsplit("/", 1)[-1] or "index.html")
    if target == "-":
        if not quiet:
            proc.error("writing to stdout")
        proc.write(resp.body)
        if not quiet:
            proc.error(f"-                    100% |********************************| {len(resp.body):>5}  0:00:00 ETA")
            proc.error("written to stdout")
    else:
        proc.fs.write(target, resp.body, proc.cwd, uid=proc.uid)
        if not quiet:
            proc.error(f"saving to '{target}'")
            proc.error(f"{target:<20} 100% |********************************| {len(resp.body):>5}  0:00:00 ETA")
            proc.error(f"'{target}' saved")
    return 0


def nc(proc):
    """nc [-z] [-v] [-w SEC] HOST PORT (only port checks, ``-z``, are modelled)."""
    args = proc.argv[1:]
    zero, verbose, rest = False, False, []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-w":
            i += 1
        elif a.startswith("-") and len(a) > 1:
            zero = zero or "z" in a
            verbose = verbose or "v" in a
        else:
            rest.append(a)
        i += 1
    if len(rest) < 2 or not rest[1].isdigit():
        proc.error("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                   "Usage: nc [OPTIONS] HOST PORT  - connect")
        return 1
    host, port = rest[0], int(rest[1])
    ip = host
    if not _is_ip(host):
        res = resolve_in_process(proc, host)
        if res.delay:
            yield proc.sleep(res.delay)
        if not res.ok:
            proc.error(f"nc: bad address '{host}'")
            return 1
        ip = res.ips[0]
    ok = tcp_connect(proc.container.runtime.network, proc.container.sandbox, ip, port)
    if not ok:
        if verbose or not zero:
            proc.error(f"nc: {host} ({ip}:{port}): Connection refused")
        return 1
    if verbose:
        proc.error(f"{host} ({ip}:{port}) open")
    return 0


PROGRAMS = {"nslookup": nslookup, "wget": wget, "nc": nc}


def install(runtime) -> None:
    """Give a node's container runtime the network applets and the resolv.conf/CoreDNS resolver."""
    for name, fn in PROGRAMS.items():
        runtime.programs[name] = fn
    runtime.resolver = resolver_for_runtime(runtime.network)
