"""The built-in image catalogue: the images the Kubernetes docs' examples use.

Each image behaves as its real counterpart does where a reader can see it:

* ``registry.k8s.io/pause`` -- the sandbox process; sleeps until SIGTERM/SIGINT.
* ``busybox`` (and ``registry.k8s.io/busybox``) -- ``sh`` is the default command; see ``sh.py``.
* ``nginx`` -- serves ``/usr/share/nginx/html`` on port 80 (the "Welcome to nginx!" page, 404 for
  anything else), writes an access-log line (nginx's ``main`` format) per request to stdout, exits 0
  at once on SIGTERM. Responses carry ``X-Served-By: <hostname>`` so load balancing is visible.
* ``registry.k8s.io/e2e-test-images/agnhost`` -- ``liveness`` (``/healthz`` 200 for 10 s, then 500,
  as https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
  describes), ``netexec``, ``serve-hostname``, ``pause``.
* ``registry.k8s.io/goproxy:0.1`` -- accepts TCP on 8080 (the tcpSocket probe example).
* ``polinux/stress`` -- ``stress --vm 1 --vm-bytes 150M --vm-hang 1`` holds that much memory
  (https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/).
* ``vish/stress`` -- ``-cpus N`` keeps N cores busy
  (https://kubernetes.io/docs/tasks/configure-pod-container/assign-cpu-resource/).
* ``ubuntu``, ``debian``, ``alpine`` -- a shell as default command (with no terminal it exits at once);
  ``redis`` (TCP 6379), ``httpd`` ("It works!" on 80); ``minik8s/app`` (see ``app.py``).
* The tutorials' images: ``perl`` (the Job docs' ``print bpi(2000)``), ``registry.k8s.io/nginx-slim``
  (StatefulSet), ``gcr.io/google-samples/kubernetes-bootcamp`` (Kubernetes Basics),
  ``.../gke/hello-app``, ``registry.k8s.io/hpa-example`` (each request burns CPU),
  ``registry.k8s.io/echoserver``, ``quay.io/fluentd_elasticsearch/fluentd`` (DaemonSet).

Go programs (agnhost, goproxy, vish/stress) install no SIGTERM handler; as PID 1 the Go runtime
still catches the signal and exits with status 2. C programs without a handler (stress) ignore it
as PID 1 and are killed after the grace period.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from ..api.meta import EPOCH
from .busybox import APPLETS
from .images import CATALOGUE, Image
from .process import MiB

# --- pause --------------------------------------------------------------------------------------


def pause(proc):
    """pause.c: sleep forever; on SIGINT or SIGTERM ``psignal(signo, "Shutting down, got signal")``
    and exit 0."""
    def down(sig):
        proc.error("Shutting down, got signal: " + {"SIGTERM": "Terminated", "SIGINT": "Interrupt"}[sig])
        proc.exit(0)
    proc.on_signal("SIGTERM", down)
    proc.on_signal("SIGINT", down)
    yield proc.forever()


# --- nginx --------------------------------------------------------------------------------------
OLD_WELCOME = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

NEW_WELCOME = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

NGINX_TAGS = {  # tag -> (nginx version, compressed size in MB)
    "1.14.2": ("1.14.2", 44), "1.15.4": ("1.15.4", 43), "1.16.1": ("1.16.1", 49), "1.17": ("1.17.10", 51),
    "1.19": ("1.19.10", 53), "1.20": ("1.20.2", 54), "1.21": ("1.21.6", 54), "1.23": ("1.23.4", 57),
    "1.24": ("1.24.0", 57), "1.25": ("1.25.5", 67), "1.25.3": ("1.25.3", 67), "1.26": ("1.26.3", 68),
    "1.27": ("1.27.5", 68), "1.27.3": ("1.27.3", 68), "1.28": ("1.28.0", 69), "1.29": ("1.29.0", 69),
    "stable": ("1.28.0", 69), "mainline": ("1.29.0", 69), "latest": ("1.29.0", 69),
    "alpine": ("1.29.0-alpine", 20), "1.25-alpine": ("1.25.5", 17), "stable-alpine": ("1.28.0", 20),
}


def _clock_text(proc, fmt: str) -> str:
    return _clock_format(int(proc.now), fmt)


@lru_cache(maxsize=256)
def _clock_format(seconds: int, fmt: str) -> str:
    # a starting nginx logs several lines within the same virtual second
    return (EPOCH + datetime.timedelta(seconds=seconds)).strftime(fmt)


def nginx(proc):
    """nginx -g 'daemon off;': a master (PID 1) and a worker; serves files from the document root."""
    version = proc.env.get("NGINX_VERSION", "1.29.0")
    new = not version.startswith(("1.14", "1.15", "1.16", "1.17", "1.18"))
    args = proc.argv[1:]
    if "-v" in args or "-V" in args:
        proc.error(f"nginx version: nginx/{version}")
        return 0
    if "-s" in args:
        # nginx -s quit|stop|reload: signal the master process (its PID is in /var/run/nginx.pid)
        what = args[args.index("-s") + 1] if args.index("-s") + 1 < len(args) else ""
        sig = {"quit": "SIGQUIT", "stop": "SIGTERM", "reload": "SIGHUP", "reopen": "SIGUSR1"}.get(what)
        if sig is None:
            proc.error(f'nginx: invalid option: "-s {what}"')
            return 1
        masters = [p for p in proc.container.ps() if p is not proc and p.argv and p.argv[0].endswith("nginx")]
        if not masters:
            proc.error(f'{_clock_text(proc, "%Y/%m/%d %H:%M:%S")} [notice] {proc.pid}#{proc.pid}: signal process started')
            proc.error(f'{_clock_text(proc, "%Y/%m/%d %H:%M:%S")} [error] {proc.pid}#{proc.pid}: open() '
                       '"/var/run/nginx.pid" failed (2: No such file or directory)')
            return 1
        masters[0].signal(sig, sender=proc)
        return 0
    if "-t" in args:
        proc.error("nginx: the configuration file /etc/nginx/nginx.conf syntax is ok")
        proc.error("nginx: configuration file /etc/nginx/nginx.conf test is successful")
        return 0
    root = "/usr/share/nginx/html"

    def notice(text):
        if new:
            proc.error(f"{_clock_text(proc, '%Y/%m/%d %H:%M:%S')} [notice] 1#1: {text}")

    if new and proc.pid == 1:
        for line in ("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
                     "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
                     "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
                     "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
                     "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
                     "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
                     "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
                     "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
                     "/docker-entrypoint.sh: Configuration complete; ready for start up"):
            proc.print(line)
        notice("using the \"epoll\" event method")
        notice(f"nginx/{version}")
        notice("OS: Linux 6.8.0-minik8s")
        notice("getrlimit(RLIMIT_NOFILE): 1048576:1048576")
        notice("start worker processes")
        notice("start worker process 29")
    proc.allocate(3 * MiB)
    proc.title = "nginx: master process " + " ".join(proc.argv)

    def page(req):
        path = req.route
        if path.endswith("/"):
            path += "index.html"
        headers = {"Server": f"nginx/{version}", "Content-Type": "text/html", "X-Served-By": proc.hostname}
        status, body = 200, None
        if req.method not in ("GET", "HEAD"):
            status = 405
        else:
            try:
                body = proc.fs.read(root + path)
            except Exception:
                status = 404
        if body is None:
            reason = {404: "Not Found", 405: "Not Allowed"}[status]
            bg = ' bgcolor="white"' if not new else ""        # dropped from nginx's error pages in 1.17.x
            body = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body{bg}>\r\n"
                    f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/{version}</center>\r\n"
                    "</body>\r\n</html>\r\n")
        ua = req.headers.get("User-Agent", "-")
        when = _clock_text(proc, "%d/%b/%Y:%H:%M:%S +0000")
        proc.print(f'{req.client_ip or "-"} - - [{when}] "{req.method} {req.path} HTTP/1.1" {status} '
                   f'{len(body.encode())} "-" "{ua}" "-"')
        return proc.reply(status, "" if req.method == "HEAD" else body, headers)

    def shutdown(text, worker_says):
        notice(text)
        if new:
            proc.error(f"{_clock_text(proc, '%Y/%m/%d %H:%M:%S')} [notice] 29#29: {worker_says}")
            proc.error(f"{_clock_text(proc, '%Y/%m/%d %H:%M:%S')} [notice] 29#29: exit")
        notice("signal 17 (SIGCHLD) received from 29")
        notice("worker process 29 exited with code 0")
        notice("exit")
        proc.exit(0)

    def fast_shutdown(sig):
        shutdown(f"signal {15 if sig == 'SIGTERM' else 2} ({sig}) received, exiting", "exiting")

    def graceful(sig):
        shutdown("signal 3 (SIGQUIT) received, shutting down", "gracefully shutting down")

    def reload(sig):
        notice("signal 1 (SIGHUP) received, reconfiguring")
        notice("reconfiguring")
        notice("start worker processes")

    proc.on_signal("SIGHUP", reload)
    proc.on_signal("SIGTERM", fast_shutdown)
    proc.on_signal("SIGINT", fast_shutdown)
    proc.on_signal("SIGQUIT", graceful)
    try:
        proc.listen(80, page)
    except OSError:
        proc.error(f"{_clock_text(proc, '%Y/%m/%d %H:%M:%S')} [emerg] 1#1: bind() to 0.0.0.0:80 failed "
                   "(98: Address already in use)")
        proc.error("nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)")
        return 1
    yield proc.forever()


# --- agnhost ------------------------------------------------------------------------------------
def _go_runtime(proc):
    """A Go program as PID 1 without signal.Notify: the runtime exits 2 on SIGTERM/SIGINT."""
    def die(sig):
        proc.exit(2)
    proc.allocate(4 * MiB)                # the Go runtime's heap and stacks
    if proc.pid == 1:
        proc.on_signal("SIGTERM", die)
        proc.on_signal("SIGINT", die)


def _flag(args: list[str], name: str, default: str) -> str:
    for i, a in enumerate(args):
        for prefix in (f"--{name}=", f"-{name}="):
            if a.startswith(prefix):
                return a[len(prefix):]
        if a in (f"--{name}", f"-{name}") and i + 1 < len(args):
            return args[i + 1]
    return default


def agnhost(proc):
    """agnhost: the Kubernetes e2e tests' multi-purpose image; the subcommand is the first argument."""
    _go_runtime(proc)
    args = proc.argv[1:]
    if not args:
        proc.error("Usage:\n  agnhost [command]\n\nAvailable Commands:\n  liveness\n  netexec\n  pause\n  serve-hostname")
        return 1
    sub, rest = args[0], args[1:]
    if sub == "liveness":
        # test/images/agnhost/liveness/server.go
        def healthz(req):
            if req.route == "/healthz":
                duration = proc.uptime()
                if duration > 10:
                    return proc.reply(500, f"error: {duration:g}")
                return proc.reply(200, "ok")
            if req.route == "/redirect":
                return proc.reply(302, "", {"Location": req.query.get("loc", "/")})
            return proc.reply(404, "404 page not found\n")
        proc.listen(8080, healthz)
        yield proc.forever()
    elif sub == "netexec":
        port = int(_flag(rest, "http-port", "8080"))
        proc.print(f"Started HTTP server on port {port}")

        def handler(req):
            r = req.route
            if r in ("/", "/echo"):
                return proc.reply(200, req.query.get("msg", "NOW: " + _clock_text(proc, "%Y-%m-%d %H:%M:%S.000000000 +0000 UTC m=+")
                                  + f"{proc.uptime():.9f}"))
            if r == "/hostname":
                return proc.reply(200, proc.hostname)
            if r == "/clientip":
                return proc.reply(200, f"{req.client_ip}:{40000 + len(r)}")
            if r == "/healthz":
                return proc.reply(200, "")
            if r == "/exit":
                code = int(req.query.get("code", "0"))
                proc.clock.call_soon(lambda: proc.alive and proc._finish(code, None))
                return proc.reply(200, "")
            if r == "/header":
                return proc.reply(200, req.headers.get(req.query.get("key", ""), ""))
            return proc.reply(404, "404 page not found\n")
        proc.listen(port, handler)
        yield proc.forever()
    elif sub == "serve-hostname":
        port = int(_flag(rest, "port", "9376"))
        proc.error(f"Serving on port {port}.")
        proc.listen(port, lambda req: proc.reply(200, proc.hostname))
        yield proc.forever()
    elif sub == "pause":
        proc.print("Paused")
        yield proc.forever()
    elif sub == "test-webserver":
        proc.listen(int(_flag(rest, "port", "80")), lambda req: proc.reply(200, "hello\n"))
        yield proc.forever()
    else:
        proc.error(f'Error: unknown command "{sub}" for "agnhost"')
        proc.error("Run 'agnhost --help' for usage.")
        return 1


def goproxy(proc):
    """registry.k8s.io/goproxy: an HTTP proxy listening on 8080 (what the tcpSocket probe example checks)."""
    _go_runtime(proc)
    proc.listen(8080, lambda req: proc.reply(500, "This is a proxy server. Does not respond to non-proxy requests.\n"))
    yield proc.forever()


def etcd(proc):
    """etcd (the docs' gRPC liveness probe example): serves clients on the port of
    ``--listen-client-urls`` (2379) and the gRPC health service there, answering SERVING."""
    _go_runtime(proc)
    url = _flag(proc.argv[1:], "listen-client-urls", "http://localhost:2379")
    port = int(url.rsplit(":", 1)[-1].split("/")[0])

    def handle(req):
        if req.route == "/grpc.health.v1.Health/Check":
            return proc.reply(200, "SERVING")
        if req.route == "/health":
            return proc.reply(200, '{"health":"true","reason":""}')
        return proc.reply(404, "404 page not found\n")
    proc.listen(port, handle)
    proc.error(f'{{"level":"info","msg":"serving client traffic insecurely; this is strongly discouraged!",'
               f'"address":"[::]:{port}"}}')
    yield proc.forever()


# --- stress -------------------------------------------------------------------------------------
def _stress_bytes(text: str) -> int:
    units = {"b": 1, "k": 1024, "m": MiB, "g": 1024 * MiB}
    t = text.strip().lower()
    if t and t[-1] in units:
        return int(float(t[:-1]) * units[t[-1]])
    return int(t)


def stress(proc):
    """stress (polinux/stress): --cpu N, --vm N --vm-bytes B [--vm-hang S], --timeout S.

    The workers are child processes; ``--vm`` workers keep B bytes allocated (re-allocating
    every ``--vm-hang`` seconds).
    """
    args = proc.argv[1:]
    cpu = int(_flag(args, "cpu", _flag(args, "c", "0")))
    vm = int(_flag(args, "vm", _flag(args, "m", "0")))
    vm_bytes = _stress_bytes(_flag(args, "vm-bytes", "256M"))
    hang = _flag(args, "vm-hang", None)
    timeout = _flag(args, "timeout", _flag(args, "t", None))
    if not cpu and not vm:
        proc.print("`stress' imposes certain types of compute stress on your system\n\n"
                   "Usage: stress [OPTION [ARG]] ...")
        return 1
    proc.print(f"stress: info: [{proc.pid}] dispatching hogs: {cpu} cpu, 0 io, {vm} vm, 0 hdd")

    def vm_worker(p):
        while True:
            p.allocate(vm_bytes)
            if hang is None:
                yield p.compute(0.1)
            else:
                yield p.sleep(float(hang) if float(hang) > 0 else 1e9)
            p.free(vm_bytes)

    def cpu_worker(p):
        while True:
            yield p.compute(1.0)

    workers = []
    for _ in range(vm):
        workers.append(proc.container.spawn(["stress"] + args, proc.env, proc.cwd, proc.stdout, proc.stderr,
                                            parent=proc, program=vm_worker))
    for _ in range(cpu):
        workers.append(proc.container.spawn(["stress"] + args, proc.env, proc.cwd, proc.stdout, proc.stderr,
                                            parent=proc, program=cpu_worker))
    if timeout is not None:
        yield proc.sleep(float(timeout.rstrip("s")))
        for w in workers:
            if w.alive:
                w.signal("SIGKILL")
        proc.print(f"stress: info: [{proc.pid}] successful run completed in {int(float(timeout.rstrip('s')))}s")
        return 0
    for w in workers:
        code = yield proc.wait(w)
        if code:
            proc.print(f"stress: FAIL: [{proc.pid}] (415) <-- worker {w.pid} got signal {code - 128}")
            proc.print(f"stress: WARN: [{proc.pid}] (417) now reaping child worker processes")
            proc.print(f"stress: FAIL: [{proc.pid}] (451) failed run completed in {int(proc.uptime())}s")
            return 1
    return 0


def vish_stress(proc):
    """vish/stress: ``-cpus N`` busy goroutines; ``-mem-total B -mem-alloc-size B -mem-alloc-sleep D``."""
    _go_runtime(proc)
    args = proc.argv[1:]
    cpus = int(_flag(args, "cpus", "0"))
    total = _flag(args, "mem-total", "0")
    step = _flag(args, "mem-alloc-size", "4Ki")
    pause_s = _flag(args, "mem-alloc-sleep", "1ms")
    from ..api.quantity import memory_bytes
    total_b, step_b = memory_bytes(total), max(1, memory_bytes(step))
    delay = float(pause_s.rstrip("ms")) / (1000 if pause_s.endswith("ms") else 1)
    allocated = 0
    if total_b:
        proc.error(f"I1122 allocating {total} in {step} chunks every {pause_s}")
    while allocated < total_b:
        proc.allocate(step_b)
        allocated += step_b
        yield proc.sleep(delay)
    if cpus:
        while True:
            yield proc.compute(float(cpus), threads=cpus)
    yield proc.forever()


# --- redis, httpd -------------------------------------------------------------------------------
def redis(proc):
    stamp = lambda: _clock_text(proc, "%d %b %Y %H:%M:%S.000")  # noqa: E731
    proc.print(f"1:C {stamp()} # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
    proc.print(f"1:C {stamp()} # Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started")
    proc.print(f"1:M {stamp()} * Running mode=standalone, port=6379.")
    proc.print(f"1:M {stamp()} * Server initialized")
    proc.print(f"1:M {stamp()} * Ready to accept connections tcp")
    proc.allocate(8 * MiB)

    def down(sig):
        proc.print(f"1:signal-handler ({int(proc.now)}) Received {sig} scheduling shutdown...")
        proc.print(f"1:M {stamp()} # User requested shutdown...")
        proc.print(f"1:M {stamp()} # Redis is now ready to exit, bye bye...")
        proc.exit(0)
    proc.on_signal("SIGTERM", down)
    proc.on_signal("SIGINT", down)
    proc.listen(6379, lambda req: proc.reply(200, "-ERR wrong protocol\r\n"))
    yield proc.forever()


def httpd(proc):
    proc.error("AH00558: httpd: Could not reliably determine the server's fully qualified domain name, "
               f"using {proc.ip}. Set the 'ServerName' directive globally to suppress this message")
    proc.error(f"[{_clock_text(proc, '%a %b %d %H:%M:%S.000000 %Y')}] [mpm_event:notice] [pid 1:tid 1] "
               "AH00489: Apache/2.4.62 (Unix) configured -- resuming normal operations")

    def page(req):
        try:
            body, status = proc.fs.read("/usr/local/apache2/htdocs" + (req.route if req.route != "/" else "/index.html")), 200
        except Exception:
            body, status = ("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found"
                            "</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this "
                            "server.</p>\n</body></html>\n"), 404
        when = _clock_text(proc, "%d/%b/%Y:%H:%M:%S +0000")
        proc.print(f'{req.client_ip or "-"} - - [{when}] "{req.method} {req.path} HTTP/1.1" {status} {len(body)}')
        return proc.reply(status, body, {"Server": "Apache/2.4.62 (Unix)", "X-Served-By": proc.hostname})

    def down(sig):
        proc.error(f"[{_clock_text(proc, '%a %b %d %H:%M:%S.000000 %Y')}] [mpm_event:notice] [pid 1:tid 1] "
                   "AH00491: caught SIGTERM, shutting down")
        proc.exit(0)
    proc.on_signal("SIGTERM", down)
    proc.allocate(5 * MiB)
    proc.listen(80, page)
    yield proc.forever()


def curl(proc):
    """curl [-s] [-i] [-I] [-o FILE] [-H 'K: V'] [-X METHOD] [-m SECONDS] URL (the nginx image ships it).

    Host names other than ``localhost`` are resolved by ``runtime.resolver(proc, name)`` if the
    network module installed one (CoreDNS); exit codes and messages are curl's.
    """
    args = proc.argv[1:]
    method, out_file, headers, include, timeout, url = "GET", None, {}, False, None, None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-X", "--request"):
            method, i = args[i + 1], i + 1
        elif a in ("-o", "--output"):
            out_file, i = args[i + 1], i + 1
        elif a in ("-H", "--header"):
            k, _, v = args[i + 1].partition(":")
            headers[k.strip()] = v.strip()
            i += 1
        elif a in ("-m", "--max-time"):
            timeout, i = float(args[i + 1]), i + 1
        elif a in ("-i", "--include"):
            include = True
        elif a in ("-I", "--head"):
            method, include = "HEAD", True
        elif a.startswith("-"):
            pass                                  # -s, -S, -f, -L, -v: accepted, not modelled
        else:
            url = a
        i += 1
    if url is None:
        proc.error("curl: try 'curl --help' or 'curl --manual' for more information")
        return 2
    from ..net.podnetwork import ConnectionRefused, NoRouteToHost, Timeout
    scheme, _, rest = url.partition("://") if "://" in url else ("http", "", url)
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    port = int(port or (443 if scheme == "https" else 80))
    ip = host
    if host == "localhost":
        ip = "127.0.0.1"
    elif not host.replace(".", "").isdigit():
        resolver = getattr(proc.container.runtime, "resolver", None)
        ip = resolver(proc, host) if resolver is not None else None
        if ip is None:
            proc.error(f"curl: (6) Could not resolve host: {host}")
            return 6
    headers.setdefault("Host", hostport)
    headers.setdefault("User-Agent", "curl/7.88.1")
    headers.setdefault("Accept", "*/*")
    try:
        resp = proc.request(ip, port, method, "/" + path, headers, timeout=timeout)
    except Timeout:
        yield proc.sleep(timeout)
        proc.error(f"curl: (28) Operation timed out after {int(timeout * 1000)} milliseconds with 0 bytes received")
        return 28
    except NoRouteToHost:
        proc.error(f"curl: (7) Failed to connect to {host} port {port} after 3071 ms: Couldn't connect to server")
        return 7
    except ConnectionRefused:
        proc.error(f"curl: (7) Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
        return 7
    if resp.delay:
        yield proc.sleep(resp.delay)
    text = ""
    if include:
        from http import HTTPStatus
        try:
            phrase = HTTPStatus(resp.status).phrase
        except ValueError:
            phrase = ""
        text = f"HTTP/1.1 {resp.status} {phrase}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in resp.headers.items()) + "\r\n"
    text += resp.body if method != "HEAD" else ""
    if out_file:
        proc.fs.write(out_file, resp.body, proc.cwd, uid=proc.uid)
    else:
        proc.write(text)
    return 0


# --- images of the docs' tutorials ---------------------------------------------------------------
def pi_digits(n: int) -> str:
    """Pi to ``n`` significant digits, as Perl's ``bpi(n)`` prints it (Machin's formula, integers only)."""
    guard = 10
    unity = 10 ** (n + guard)

    def arctan_inv(x: int) -> int:
        total, term, k, sign = 0, unity // x, 1, 1
        while term:
            total += sign * (term // k)
            term //= x * x
            k += 2
            sign = -sign
        return total
    pi = 4 * (4 * arctan_inv(5) - arctan_inv(239))
    digits = str((pi + 5 * 10 ** (guard - 1)) // 10 ** guard)      # rounded to n digits
    return digits[0] + "." + digits[1:n]


def perl(proc):
    """perl: runs the Job docs' example ``perl -Mbignum=bpi -wle 'print bpi(2000)'`` (and ``-e 'print ...'``
    of a plain string); CPU time grows with the square of the digits (2000 digits: 5 CPU-seconds)."""
    import re
    script = next((a for a in reversed(proc.argv[1:]) if not a.startswith("-")), "")
    m = re.fullmatch(r"\s*print\s+bpi\((\d+)\)\s*;?\s*", script)
    if m and "-Mbignum=bpi" in proc.argv:
        n = int(m.group(1))
        yield proc.compute(5.0 * (n / 2000) ** 2)
        proc.print(pi_digits(n))
        return 0
    m = re.fullmatch(r"\s*print\s+(['\"])(.*)\1\s*;?\s*", script)
    if m:
        proc.write(m.group(2).replace("\\n", "\n") + ("\n" if "-l" in "".join(proc.argv[1:]) else ""))
        return 0
    proc.error("minik8s perl runs only the docs' examples (print bpi(N), print 'text')")
    return 255


def kubernetes_bootcamp(proc):
    """gcr.io/google-samples/kubernetes-bootcamp: the Kubernetes Basics tutorial's Node.js app on 8080."""
    version = proc.env.get("BOOTCAMP_VERSION", "1")
    started = _clock_text(proc, "%Y-%m-%dT%H:%M:%S.000Z")
    proc.print(f"Kubernetes Bootcamp App Started At: {started} | Running On:  {proc.hostname} \n")
    proc.allocate(20 * MiB)
    count = [0]

    def hello(req):
        count[0] += 1
        proc.print(f"Running On: {proc.hostname} | Total Requests: {count[0]} | App Uptime: {proc.uptime():.3f} "
                   f"seconds | Log Time: {_clock_text(proc, '%Y-%m-%dT%H:%M:%S.000Z')}")
        return proc.reply(200, f"Hello Kubernetes bootcamp! | Running on: {proc.hostname} | v={version}\n")
    proc.listen(8080, hello)
    yield proc.forever()


def hello_app(proc):
    """us-docker.pkg.dev/google-samples/containers/gke/hello-app: Go; prints version and hostname on $PORT."""
    _go_runtime(proc)
    version = proc.env.get("HELLO_VERSION", "1.0.0")
    port = int(proc.env.get("PORT", "8080"))
    proc.error(f"{_clock_text(proc, '%Y/%m/%d %H:%M:%S')} Server listening on port {port}")

    def hello(req):
        proc.error(f"{_clock_text(proc, '%Y/%m/%d %H:%M:%S')} Serving request: {req.path}")
        return proc.reply(200, f"Hello, world!\nVersion: {version}\nHostname: {proc.hostname}\n")
    proc.listen(port, hello)
    yield proc.forever()


def php_apache(proc):
    """registry.k8s.io/hpa-example: every request to port 80 burns CPU (a worker computes 0.1
    CPU-seconds), so load raises the pod's CPU use -- what the HorizontalPodAutoscaler walkthrough scales on."""
    proc.allocate(10 * MiB)

    def work(p):
        yield p.compute(0.1)

    def handle(req):
        proc.container.spawn(["apache2", "-DFOREGROUND"], proc.env, proc.cwd, proc.stdout, proc.stderr,
                             parent=proc, program=work)
        when = _clock_text(proc, "%d/%b/%Y:%H:%M:%S +0000")
        proc.print(f'{req.client_ip or "-"} - - [{when}] "{req.method} {req.path} HTTP/1.1" 200 3')
        return proc.reply(200, "OK!", {"X-Served-By": proc.hostname}, delay=0.1)

    def down(sig):
        proc.exit(0)
    proc.on_signal("SIGTERM", down)
    proc.listen(80, handle)
    yield proc.forever()


def echoserver(proc):
    """registry.k8s.io/echoserver: answers on 8080 with what it received (the hello-minikube tutorial)."""
    def echo(req):
        headers = "".join(f"{k.lower()}={v}\n" for k, v in sorted(req.headers.items()))
        body = (f"\n\nHostname: {proc.hostname}\n\nPod Information:\n\t-no pod information available-\n\n"
                f"Server values:\n\tserver_version=nginx: 1.13.3 - lua: 10008\n\nRequest Information:\n"
                f"\tclient_address={req.client_ip}\n\tmethod={req.method}\n\treal path={req.route}\n"
                f"\tquery={req.path.partition('?')[2]}\n\trequest_version=1.1\n"
                f"\trequest_scheme=http\n\trequest_uri=http://{req.host}{req.path}\n\n"
                f"Request Headers:\n{headers}\nRequest Body:\n\t-no body in request-\n\n")
        return proc.reply(200, body)
    proc.listen(8080, echo)
    yield proc.forever()


def fluentd(proc):
    """A log agent (the DaemonSet docs' fluentd-elasticsearch): starts, then tails the node's logs."""
    proc.print(f"{_clock_text(proc, '%Y-%m-%d %H:%M:%S +0000')} [info]: parsing config file is succeeded "
               "path=\"/etc/fluent/fluent.conf\"")
    proc.print(f"{_clock_text(proc, '%Y-%m-%d %H:%M:%S +0000')} [info]: starting fluentd-1.4.2 pid=1 ruby=\"2.6.3\"")
    proc.allocate(60 * MiB)
    proc.on_signal("SIGTERM", lambda sig: proc.exit(0))
    yield proc.forever()


def _app(proc):
    from .app import app
    return app(proc)


# The runtime's command table: program name -> function (busybox applets + the images' programs).
PROGRAMS = dict(APPLETS)
PROGRAMS.update({"pause": pause, "nginx": nginx, "agnhost": agnhost, "goproxy": goproxy, "stress": stress,
                 "vish-stress": vish_stress, "redis-server": redis, "httpd": httpd, "app": _app, "curl": curl,
                 "perl": perl, "bootcamp": kubernetes_bootcamp, "hello-app": hello_app, "php-apache": php_apache,
                 "echoserver": echoserver, "fluentd": fluentd, "etcd": etcd})

OS_RELEASE = {
    "busybox": None,
    "alpine": 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n',
    "debian": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
    "ubuntu": 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
}


def _register(ref, programs, size, entrypoint=None, cmd=None, env=None, files=None, base="busybox", workdir="/"):
    CATALOGUE.register(Image(ref, programs, entrypoint=entrypoint, cmd=cmd, env=env, files=files,
                             size=size, base=base, workdir=workdir))


def register_builtin_images() -> None:
    """Fill :data:`images.CATALOGUE` (called once, when the runtime package is imported)."""
    for tag in ("3.6", "3.8", "3.9", "3.10", "latest"):
        _register(f"registry.k8s.io/pause:{tag}", {"/pause": "pause"}, "300Ki", entrypoint=["/pause"], base=None)
        _register(f"k8s.gcr.io/pause:{tag}", {"/pause": "pause"}, "300Ki", entrypoint=["/pause"], base=None)
    for tag in ("1.28", "1.31", "1.34", "1.35", "1.36", "1.36.1", "1.37", "stable", "latest", "musl", "glibc", "uclibc"):
        _register(f"busybox:{tag}", {}, "2.2Mi", cmd=["sh"])
    for tag in ("1.24", "1.27", "1.27.2", "1.28", "1.36", "1.36.1", "latest"):
        _register(f"registry.k8s.io/busybox:{tag}", {}, "1.2Mi", cmd=["sh"])
        _register(f"gcr.io/google-containers/busybox:{tag}", {}, "1.2Mi", cmd=["sh"])
    for tag, (version, mb) in NGINX_TAGS.items():
        welcome = OLD_WELCOME if version.startswith(("1.14", "1.15", "1.16", "1.17", "1.18")) else NEW_WELCOME
        _register(f"nginx:{tag}", {"/usr/sbin/nginx": "nginx", "/usr/bin/curl": "curl"}, f"{mb}Mi",
                  entrypoint=["/docker-entrypoint.sh"] if not version.startswith(("1.14", "1.15", "1.16", "1.17", "1.18"))
                  else None, cmd=["nginx", "-g", "daemon off;"],
                  env={"NGINX_VERSION": version.split("-")[0]},
                  files={"/usr/share/nginx/html/index.html": welcome,
                         "/usr/share/nginx/html/50x.html": "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n"
                                                          "<body>\n<h1>An error occurred.</h1>\n</body>\n</html>\n",
                         "/etc/nginx/nginx.conf": "user  nginx;\nworker_processes  auto;\n",
                         "/etc/nginx/conf.d/default.conf": "server {\n    listen       80;\n    server_name  localhost;\n"
                                                           "    location / {\n        root   /usr/share/nginx/html;\n"
                                                           "        index  index.html index.htm;\n    }\n}\n",
                         "/docker-entrypoint.sh": "#!/bin/sh\nexec \"$@\"\n",
                         "/etc/os-release": OS_RELEASE["debian"]})
    for tag in ("2.21", "2.32", "2.39", "2.40", "2.43", "2.45", "2.47", "2.52", "2.53"):
        # agnhost is built on an Alpine base: it has a shell (e2e tests exec into it)
        _register(f"registry.k8s.io/e2e-test-images/agnhost:{tag}", {"/agnhost": "agnhost"}, "48Mi",
                  entrypoint=["/agnhost"], cmd=["pause"])
        _register(f"k8s.gcr.io/e2e-test-images/agnhost:{tag}", {"/agnhost": "agnhost"}, "48Mi",
                  entrypoint=["/agnhost"], cmd=["pause"])
    for tag in ("0.1",):
        _register(f"registry.k8s.io/goproxy:{tag}", {"/goproxy": "goproxy"}, "2.4Mi", entrypoint=["/goproxy"],
                  base=None)
        _register(f"k8s.gcr.io/goproxy:{tag}", {"/goproxy": "goproxy"}, "2.4Mi", entrypoint=["/goproxy"], base=None)
    for tag in ("3.5.1-0", "3.5.21-0", "3.5.16-0"):          # the gRPC probe example's image
        _register(f"registry.k8s.io/etcd:{tag}", {"/usr/local/bin/etcd": "etcd"}, "57Mi",
                  entrypoint=None, cmd=["/usr/local/bin/etcd"], base=None)
    _register("polinux/stress:latest", {"/usr/bin/stress": "stress"}, "4Mi", cmd=["stress"])
    _register("polinux/stress:1.0.4", {"/usr/bin/stress": "stress"}, "4Mi", cmd=["stress"])
    _register("vish/stress:latest", {"/stress": "vish-stress"}, "1.6Mi", entrypoint=["/stress"], base=None)
    for name, tags, mb in (("ubuntu", ("20.04", "22.04", "24.04", "jammy", "noble", "latest"), 29),
                           ("debian", ("11", "12", "bookworm", "bookworm-slim", "stable", "latest"), 48),
                           ("alpine", ("3.18", "3.19", "3.20", "3.21", "latest"), 3.4)):
        for tag in tags:
            _register(f"{name}:{tag}", {}, f"{mb}Mi", cmd=["/bin/sh"] if name == "alpine" else ["bash"],
                      files={"/etc/os-release": OS_RELEASE[name]})
    for tag in ("7", "7.2", "7.4", "alpine", "latest"):
        _register(f"redis:{tag}", {"/usr/local/bin/redis-server": "redis-server"}, "45Mi",
                  cmd=["redis-server"], files={"/data/": None}, workdir="/data")
    for tag in ("2.4", "2.4.62", "alpine", "latest"):
        _register(f"httpd:{tag}", {"/usr/local/bin/httpd-foreground": "httpd"}, "58Mi",
                  cmd=["httpd-foreground"],
                  files={"/usr/local/apache2/htdocs/index.html": "<html><body><h1>It works!</h1></body></html>\n"},
                  workdir="/usr/local/apache2")
    for tag in ("1.0", "2.0", "latest"):
        _register(f"minik8s/app:{tag}", {"/app": "app"}, "12Mi", entrypoint=["/app"],
                  env={"APP_VERSION": tag})
    for tag in ("5.34.0", "5.34", "5.36", "5.38", "5.40", "latest", "slim"):      # the Job docs' pi example
        _register(f"perl:{tag}", {"/usr/local/bin/perl": "perl"}, "330Mi", cmd=["perl", "-de0"])
    for tag, version in (("0.8", "1.9.12"), ("0.21", "1.13.5"), ("0.24", "1.19.10"), ("0.27", "1.21.6")):
        welcome = OLD_WELCOME if tag in ("0.8", "0.21") else NEW_WELCOME
        _register(f"registry.k8s.io/nginx-slim:{tag}", {"/usr/sbin/nginx": "nginx"}, "30Mi",
                  cmd=["nginx", "-g", "daemon off;"], env={"NGINX_VERSION": version},
                  files={"/usr/share/nginx/html/index.html": welcome})
    for tag in ("v1", "v2"):
        _register(f"gcr.io/google-samples/kubernetes-bootcamp:{tag}", {"/usr/local/bin/node": "bootcamp"}, "80Mi",
                  cmd=["/bin/sh", "-c", "node server.js"], env={"BOOTCAMP_VERSION": tag[1:]},
                  files={"/server.js": "// the Kubernetes Basics tutorial's app\n"})
    for tag, version in (("1.0", "1.0.0"), ("2.0", "2.0.0")):
        for repo in ("us-docker.pkg.dev/google-samples/containers/gke/hello-app", "gcr.io/google-samples/hello-app"):
            _register(f"{repo}:{tag}", {"/hello-app": "hello-app"}, "10Mi", entrypoint=["/hello-app"],
                      env={"HELLO_VERSION": version}, base=None)
    _register("registry.k8s.io/hpa-example:latest", {"/usr/sbin/apache2": "php-apache"}, "170Mi",
              cmd=["apache2-foreground"], files={"/usr/local/bin/apache2-foreground": "#!minik8s php-apache\n"})
    for tag in ("1.4", "1.10"):
        _register(f"registry.k8s.io/echoserver:{tag}", {"/usr/sbin/echoserver": "echoserver"}, "46Mi",
                  cmd=["/usr/sbin/echoserver"])
    _register("quay.io/fluentd_elasticsearch/fluentd:v2.5.2", {"/run.sh": "fluentd"}, "140Mi",
              cmd=["/run.sh"])
