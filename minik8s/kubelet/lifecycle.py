"""Container lifecycle hooks: postStart and preStop (pkg/kubelet/lifecycle/handlers.go).

https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/ -

* ``postStart`` runs right after the container is started; the kubelet waits for it before it
  goes on (the container is not reported Running until it returns). A failing hook kills the
  container (event ``FailedPostStartHook`` with the handler's message, then ``Killing``).
* ``preStop`` runs when the container is to be stopped (pod deletion, a failed liveness probe),
  before the SIGTERM; its time counts against the grace period. A failure is reported as
  ``FailedPreStopHook`` ``PreStopHook failed`` (the kubelet leaves out the details so that secrets
  do not leak into events).

Handlers: ``exec`` (a command in the container; failure is a non-zero exit), ``httpGet``
(a GET to the pod; only a connection error fails: the status code is ignored) and ``sleep``.
"""

from __future__ import annotations

from .prober import USER_AGENT, http_url, resolve_port

# NewRequestForHTTPGetAction(..., "lifecycle"): hooks identify as kube-lifecycle/<major>.<minor>
LIFECYCLE_USER_AGENT = USER_AGENT.replace("kube-probe/", "kube-lifecycle/")


def go_quote(s: str) -> str:
    """Go's %q for plain text: double quotes, backslash escapes for quotes, backslashes, newlines."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def run_hook(rt, pod_ip: str, cid: str, container: dict, handler: dict, pod_name: str, done) -> None:
    """Run one lifecycle handler; ``done(error_message | None)`` when it ends (virtual time)."""
    name = container["name"]
    if handler.get("exec") is not None:
        argv = list(handler["exec"].get("command") or [])

        def finished(res):
            if res.exit_code == 0:
                done(None)
                return
            err = f"command '{' '.join(argv)}' exited with {res.exit_code}: {res.output}"
            done(f"Exec lifecycle hook ([{' '.join(argv)}]) for Container {go_quote(name)} in Pod "
                 f"{go_quote(pod_name)} failed - error: {err}, message: {go_quote(res.output)}")
        rt.exec_async(cid, argv, finished)
    elif handler.get("httpGet") is not None:
        from ..net.podnetwork import NetworkError
        action = handler["httpGet"]
        port, err = resolve_port(action.get("port"), container)
        host = action.get("host") or pod_ip
        path = action.get("path") or ""
        if err:
            rt.clock.call_soon(done, f"HTTP lifecycle hook ({path}) for Container {go_quote(name)} in Pod "
                                     f"{go_quote(pod_name)} failed - error: {err}")
            return
        url = http_url(action.get("scheme") or "HTTP", host, port, path)
        headers = {"User-Agent": LIFECYCLE_USER_AGENT, "Accept": "*/*"}
        for h in action.get("httpHeaders") or []:
            headers["-".join(w.capitalize() for w in str(h.get("name", "")).split("-"))] = h.get("value", "")
        try:
            resp = rt.http(host, port, "GET", path or "/", headers=headers)
        except NetworkError as e:
            rt.clock.call_soon(done, f"HTTP lifecycle hook ({path}) for Container {go_quote(name)} in Pod "
                                     f"{go_quote(pod_name)} failed - error: Get {go_quote(url)}: {e}")
            return
        rt.clock.call_later(resp.delay, done, None)
    elif handler.get("sleep") is not None:
        rt.clock.call_later(float(handler["sleep"].get("seconds") or 0), done, None)
    else:
        rt.clock.call_soon(done, "invalid handler")
