"""MuteScope's bridge to pip's `frida` package.

Speaks JSON lines over stdio. Requests: {"id", "op", ...}; replies: {"id", "ok": true, "result"} or
{"id", "ok": false, "error": {"type", "message"}}. Events: {"event": "message" | "detached" | "log", ...}. A script message with binary data says {"bytes": N} and its N raw bytes follow the line's newline
(no base64: captures are most of the traffic). Each request runs on its own thread so that a slow rpc call
never holds up the others. Closing stdin detaches everything and exits.

Besides attaching, the bridge hosts Frida's own remoting for a lab of machines: remote devices with a token and
a TLS certificate ("remote"), the workbench's portal (PortalService, "portal_start", its node and controller
events as {"event": "portal"}), and a lab machine's side of it (an attached process joins a portal: "join").

The protocol runs on private copies of stdin and stdout; fds 0 and 1 then point at /dev/null and stderr, so
neither a spawned target (which inherits them) nor a library that prints can write into the protocol.
"""

import json
import os
import signal
import sys
import threading

# Ctrl-C in a terminal reaches the whole process group: the host stops the capture and then closes stdin,
# which is when the bridge ends (detaching first), never at the keypress.
signal.signal(signal.SIGINT, signal.SIG_IGN)

proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8", errors="replace")
proto_out = os.fdopen(os.dup(1), "wb")
devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(devnull, 0)
os.dup2(2, 1)
sys.stdout = sys.stderr

out_lock = threading.Lock()


def write(obj, data=None):
    line = (json.dumps(obj, separators=(",", ":")) + "\n").encode("utf-8")
    with out_lock:
        proto_out.write(line)
        if data is not None:
            proto_out.write(data)
        proto_out.flush()


try:
    import frida
except ImportError as exc:
    write({"event": "fatal", "code": "no_frida", "message": str(exc)})
    sys.exit(3)

devices = {}
devices_lock = threading.Lock()
# How to reach each remote address: {"token", "certificate"} as Frida's RemoteDeviceOptions take them.
remotes = {}
sessions = {}
sessions_lock = threading.Lock()
next_session = [1]
portal = {"service": None}


def forget_remote(host):
    try:
        frida.get_device_manager().remove_remote_device(host)
    except (frida.InvalidArgumentError, frida.InvalidOperationError):
        pass


def device_for(host):
    key = host or ""
    with devices_lock:
        device = devices.get(key)
        # A remote device whose connection dropped stays lost: it is asked for anew (a portal back after a drop).
        if device is not None and host and device.is_lost:
            forget_remote(host)
            device = None
        if device is None:
            if host:
                device = frida.get_device_manager().add_remote_device(host, **remotes.get(host, {}))
            else:
                device = frida.get_local_device()
            devices[key] = device
        return device


def open_session(device, pid, source):
    session = device.attach(pid)
    # A session that only joins a portal carries no script of ours.
    script = session.create_script(source) if source is not None else None
    with sessions_lock:
        sid = next_session[0]
        next_session[0] += 1
        sessions[sid] = (session, script)

    def on_message(message, data):
        write(
            {"event": "message", "session": sid, "message": message, "bytes": len(data) if data is not None else None},
            data,
        )

    def on_log(level, text):
        write({"event": "log", "session": sid, "level": level, "text": text})

    def on_detached(reason, crash):
        with sessions_lock:
            sessions.pop(sid, None)
        write({
            "event": "detached",
            "session": sid,
            "reason": reason,
            "crash": {"summary": crash.summary, "report": crash.report} if crash is not None else None,
        })

    session.on("detached", on_detached)
    if script is not None:
        script.on("message", on_message)
        script.set_log_handler(on_log)
        script.load()
    return {"session": sid, "pid": pid}


def op_version(req):
    return {"frida": frida.__version__, "python": sys.version.split()[0]}


def op_processes(req):
    device = device_for(req.get("host"))
    return [
        {
            "pid": p.pid,
            "name": p.name,
            "ppid": p.parameters.get("ppid"),
            "path": p.parameters.get("path"),
            "argv": p.parameters.get("argv"),
        }
        for p in device.enumerate_processes(scope="full")
    ]


def op_attach(req):
    device = device_for(req.get("host"))
    return open_session(device, req["pid"], req.get("source"))


def op_remote(req):
    options = {k: req[k] for k in ("token", "certificate") if req.get(k)}
    with devices_lock:
        remotes[req["address"]] = options
        # Frida's device manager keeps one device per address: new options need a new device.
        if devices.pop(req["address"], None) is not None:
            forget_remote(req["address"])
    return None


def frida_version_in(device, pid, timeout):
    """The Frida version a joined process runs (its lab agent's), asked by a one-line script."""
    answered = threading.Event()
    got = {}
    session = device.attach(pid)
    try:
        script = session.create_script("send(Frida.version)")
        script.on("message", lambda message, data: (got.update(message), answered.set()))
        script.load()
        answered.wait(timeout)
        return got.get("payload") if got.get("type") == "send" else None
    finally:
        session.detach()


def op_device_info(req):
    """What a device says about itself; a portal says nothing, so its joined processes speak for it."""
    device = device_for(req.get("host"))
    try:
        return {"system": device.query_system_parameters(), "processes": None}
    except frida.NotSupportedError:
        pass
    joined = []
    for p in device.enumerate_processes(scope="full"):
        try:
            version = frida_version_in(device, p.pid, req.get("timeout", 3))
        except frida.InvalidOperationError:
            version = None
        except frida.ProcessNotFoundError:
            continue
        joined.append({"pid": p.pid, "name": p.name, "system": p.parameters.get("system"), "frida": version})
    return {"system": None, "processes": joined}


def op_join(req):
    with sessions_lock:
        entry = sessions.get(req["session"])
    if entry is None:
        raise frida.InvalidOperationError("session %s is gone" % req["session"])
    options = {k: req[k] for k in ("token", "certificate") if req.get(k)}
    entry[0].join_portal(req["portal"], **options)
    return None


def portal_event(what, connection, app=None):
    event = {"event": "portal", "what": what, "connection": connection}
    if app is not None:
        event["app"] = {"pid": app.pid, "name": app.name, "identifier": app.identifier}
    write(event)


def op_portal_start(req):
    if portal["service"] is not None:
        raise frida.InvalidOperationError("the portal is already running")

    def endpoint(where):
        return frida.EndpointParameters(
            address=where["address"],
            port=where["port"],
            certificate=req.get("certificate"),
            authentication=("token", req["token"]),
        )

    def reporter(what):
        # node-joined and node-left pass the application; the others the peer's socket address (not shown).
        with_app = what in ("node-joined", "node-left")
        return lambda connection, detail, *_: portal_event(what, connection, detail if with_app else None)

    service = frida.PortalService(endpoint(req["cluster"]), endpoint(req["control"]))
    for what in (
        "node-connected",
        "node-joined",
        "node-left",
        "node-disconnected",
        "controller-connected",
        "controller-disconnected",
    ):
        service.on(what, reporter(what))
    service.start()
    portal["service"] = service
    return None


def op_portal_stop(req):
    service, portal["service"] = portal["service"], None
    if service is not None:
        service.stop()
    return None


def op_spawn(req):
    device = device_for(req.get("host"))
    env = req.get("env")
    # inherit: the target writes where the host's stderr goes and keeps running after the bridge is gone
    if env:
        pid = device.spawn(req["argv"], env={**os.environ, **env}, stdio="inherit")
    else:
        pid = device.spawn(req["argv"], stdio="inherit")
    try:
        return open_session(device, pid, req["source"])
    except Exception:
        device.kill(pid)
        raise


def op_resume(req):
    device_for(req.get("host")).resume(req["pid"])
    return None


def op_kill(req):
    device_for(req.get("host")).kill(req["pid"])
    return None


def op_call(req):
    with sessions_lock:
        entry = sessions.get(req["session"])
    if entry is None:
        raise frida.InvalidOperationError("session %s is gone" % req["session"])
    return getattr(entry[1].exports_sync, req["method"])(*req.get("args", []))


def op_detach(req):
    with sessions_lock:
        entry = sessions.get(req["session"])
    if entry is not None:
        entry[0].detach()
    return None


ops = {
    "version": op_version,
    "processes": op_processes,
    "attach": op_attach,
    "spawn": op_spawn,
    "resume": op_resume,
    "kill": op_kill,
    "call": op_call,
    "detach": op_detach,
    "remote": op_remote,
    "device_info": op_device_info,
    "join": op_join,
    "portal_start": op_portal_start,
    "portal_stop": op_portal_stop,
}


def handle(req):
    try:
        write({"id": req["id"], "ok": True, "result": ops[req["op"]](req)})
    except Exception as exc:  # every failure goes back to the host as a reply, never kills the bridge
        write({"id": req.get("id"), "ok": False, "error": {"type": type(exc).__name__, "message": str(exc)}})


def main():
    write({"event": "ready", "frida": frida.__version__})
    for line in proto_in:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except ValueError as exc:
            write({"event": "fatal", "code": "bad_request", "message": "not JSON: %s" % exc})
            continue
        threading.Thread(target=handle, args=(req,), daemon=True).start()
    with sessions_lock:
        open_sessions = list(sessions.values())
    for session, _ in open_sessions:
        try:
            session.detach()
        except frida.InvalidOperationError:
            pass
    op_portal_stop(None)


main()
