"""``minik8s/app``: a configurable teaching app, to make every failure mode happen on purpose.

Real applications start slowly, crash, leak memory and fail health checks; the
chapters on probes, restarts and resources need each of those on demand. The
app reads its knobs from environment variables or from ``--flag=value``
arguments (an argument wins over the environment; ``--startup-delay=5`` and
``STARTUP_DELAY=5`` are the same knob). Times are virtual seconds since the
container started.

=====================  ===========  ==========================================================
knob (env / --flag)    default      effect
=====================  ===========  ==========================================================
PORT                   8080         HTTP port it listens on
STARTUP_DELAY          0            seconds before it listens (a slow start)
CRASH_AFTER            (never)      exit after this many seconds ...
EXIT_CODE              1            ... with this status
MEMORY_MB              5            resident memory at start (MiB)
MEMORY_GROWTH_MB       0            MiB allocated per second (a leak; watch the OOM killer)
CPU_MILLICORES         0            CPU kept busy (slowed down under a CPU limit)
HEALTHZ_FAIL_AFTER     (never)      ``/healthz`` answers 500 from this second on
READY_AFTER            0            ``/ready`` answers 503 until this second
READY_FLAP             0            if > 0, ``/ready`` alternates 200/503 every this many seconds
READY_DELAY            0            seconds ``/ready`` takes to answer (slower than a probe timeout?)
SHUTDOWN_DELAY         0            seconds of cleanup after SIGTERM before exiting 0;
                                    ``ignore`` ignores SIGTERM (killed after the grace period)
MESSAGE                Hello        first word of the ``/`` reply
=====================  ===========  ==========================================================

Endpoints: ``/`` -> ``Hello from <hostname> (v<APP_VERSION>)``, ``/healthz``, ``/ready``,
``/hostname``, ``/version``, ``/crash?code=N`` (exits with N at once), and the gRPC health service
(``grpc.health.v1.Health/Check``: SERVING while ``/healthz`` is healthy, for grpc probes). Every request is logged
to stdout; lifecycle lines (``starting``, ``listening on :8080``, ``exiting with code 3``) too.
"""

from __future__ import annotations

from .process import MiB

KNOBS = {  # name -> default
    "PORT": "8080", "STARTUP_DELAY": "0", "CRASH_AFTER": "", "EXIT_CODE": "1", "MEMORY_MB": "5",
    "MEMORY_GROWTH_MB": "0", "CPU_MILLICORES": "0", "HEALTHZ_FAIL_AFTER": "", "READY_AFTER": "0",
    "READY_FLAP": "0", "READY_DELAY": "0", "SHUTDOWN_DELAY": "0", "MESSAGE": "Hello",
}


def settings(env: dict, argv: list[str]) -> dict[str, str]:
    """The app's knobs: defaults, then the environment, then ``--knob-name=value`` arguments."""
    out = {k: env.get(k, v) for k, v in KNOBS.items()}
    args = list(argv)
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            key = name.upper().replace("-", "_")
            if not eq and i + 1 < len(args):
                value, i = args[i + 1], i + 1
            if key in out:
                out[key] = value
        i += 1
    return out


def ready_status(cfg: dict, t: float) -> int:
    """What ``/ready`` answers at ``t`` seconds after start: 200 or 503."""
    if t < float(cfg["READY_AFTER"]):
        return 503
    flap = float(cfg["READY_FLAP"])
    if flap > 0 and int((t - float(cfg["READY_AFTER"])) // flap) % 2 == 1:
        return 503
    return 200


def healthz_status(cfg: dict, t: float) -> int:
    """What ``/healthz`` answers at ``t`` seconds after start: 200 or 500."""
    fail = cfg["HEALTHZ_FAIL_AFTER"]
    return 500 if fail != "" and t >= float(fail) else 200


def app(proc):
    cfg = settings(proc.env, proc.argv[1:])
    version = proc.env.get("APP_VERSION", "1.0")
    port = int(cfg["PORT"])
    proc.print(f"starting minik8s/app v{version} on {proc.hostname}")
    proc.allocate(int(float(cfg["MEMORY_MB"]) * MiB))

    shutdown = cfg["SHUTDOWN_DELAY"]
    if shutdown == "ignore":
        proc.ignore_signal("SIGTERM")
    else:
        def on_term(sig):
            proc.print(f"received {sig}, shutting down")
            if float(shutdown) <= 0:
                proc.print("exiting with code 0")
                proc.exit(0)

            def drain(p):
                yield p.sleep(float(shutdown))
                p.print("exiting with code 0")
                return 0
            return drain(proc)
        proc.on_signal("SIGTERM", on_term)

    def handle(req):
        t = proc.uptime()
        route = req.route
        if route == "/healthz":
            status = healthz_status(cfg, t)
            resp = proc.reply(status, "ok\n" if status == 200 else "unhealthy\n")
        elif route == "/ready":
            status = ready_status(cfg, t)
            resp = proc.reply(status, "ready\n" if status == 200 else "not ready\n", delay=float(cfg["READY_DELAY"]))
        elif route == "/grpc.health.v1.Health/Check":
            # the gRPC health service a grpc probe calls: SERVING while /healthz is 200
            resp = proc.reply(200, "SERVING" if healthz_status(cfg, t) == 200 else "NOT_SERVING")
        elif route == "/hostname":
            resp = proc.reply(200, proc.hostname + "\n")
        elif route == "/version":
            resp = proc.reply(200, version + "\n")
        elif route == "/crash":
            code = int(req.query.get("code", cfg["EXIT_CODE"]))
            proc.clock.call_soon(_crash, proc, code)
            resp = proc.reply(200, f"crashing with code {code}\n")
        elif route == "/":
            resp = proc.reply(200, f"{cfg['MESSAGE']} from {proc.hostname} (v{version})\n")
        else:
            resp = proc.reply(404, "not found\n")
        resp.headers.setdefault("X-Served-By", proc.hostname)
        proc.print(f'{req.client_ip or "-"} "{req.method} {req.path}" {resp.status}')
        return resp

    delay = float(cfg["STARTUP_DELAY"])
    crash = cfg["CRASH_AFTER"]
    growth = float(cfg["MEMORY_GROWTH_MB"]) * MiB
    cpu = int(cfg["CPU_MILLICORES"])
    if delay > 0:
        yield proc.sleep(delay)
    proc.listen(port, handle)
    proc.print(f"listening on :{port}")
    if cpu > 0:
        # a busy worker thread: 1 s of wall time needs cpu/1000 CPU-seconds
        threads = -(-cpu // 1000)           # busy threads needed for that many millicores

        def burner(p):
            while True:
                yield p.compute(cpu / 1000.0, threads=threads)
                if cpu < 1000:
                    yield p.sleep(1 - cpu / 1000.0)
        proc.container.spawn(["app", "worker"], proc.env, proc.cwd, proc.stdout, proc.stderr, parent=proc,
                             program=burner)
    crash_at = float(crash) if crash != "" else None
    while True:
        now = proc.uptime()
        if crash_at is not None and now >= crash_at:
            code = int(cfg["EXIT_CODE"])
            proc.print(f"exiting with code {code}")
            return code
        step = 1.0
        if crash_at is not None:
            step = min(step, crash_at - now)
        if growth <= 0 and crash_at is None:
            yield proc.forever()
        yield proc.sleep(step)
        if growth > 0:
            proc.allocate(int(growth * step))


def _crash(proc, code: int) -> None:
    if proc.alive:
        proc.print(f"exiting with code {code}")
        proc._finish(code, None)
