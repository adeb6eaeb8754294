"""MuteScope's bridge to pip's `frida` package.

Speaks JSON lines over stdio. Requests: {"id", "op", ...}; replies: {"id", "ok": true, "result"} or
{"id", "ok": false, "error": {"type", "message"}}. Events: {"event": "message" | "detached", ...}, with a
script message's binary data in base64. Each request runs on its own thread so that a slow rpc call never
holds up the others. Closing stdin detaches everything and exits.
"""

import base64
import json
import sys
import threading

try:
    import frida
except ImportError as exc:
    sys.stdout.write(json.dumps({"event": "fatal", "code": "no_frida", "message": str(exc)}) + "\n")
    sys.stdout.flush()
    sys.exit(3)

out_lock = threading.Lock()
devices = {}
sessions = {}
sessions_lock = threading.Lock()
next_session = [1]


def write(obj):
    line = json.dumps(obj, separators=(",", ":")) + "\n"
    with out_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def device_for(host):
    key = host or ""
    if key not in devices:
        devices[key] = frida.get_device_manager().add_remote_device(host) if host else frida.get_local_device()
    return devices[key]


def open_session(device, target, source):
    session = device.attach(target)
    script = session.create_script(source)
    with sessions_lock:
        sid = next_session[0]
        next_session[0] += 1
        sessions[sid] = (session, script)

    def on_message(message, data):
        write({
            "event": "message",
            "session": sid,
            "message": message,
            "data": base64.b64encode(data).decode("ascii") if data is not None else None,
        })

    def on_detached(reason, crash):
        with sessions_lock:
            sessions.pop(sid, None)
        write({
            "event": "detached",
            "session": sid,
            "reason": reason,
            "crash": {"summary": crash.summary, "report": crash.report} if crash is not None else None,
        })

    script.on("message", on_message)
    session.on("detached", on_detached)
    script.load()
    return {"session": sid}


def find_pid(device, name):
    # get_process raises for no match; several processes may share a name: take the oldest (lowest pid).
    matches = [p for p in device.enumerate_processes() if p.name == name]
    if not matches:
        raise frida.ProcessNotFoundError("unable to find process with name '%s'" % name)
    return min(p.pid for p in matches)


def op_version(req):
    return {"frida": frida.__version__, "python": sys.version.split()[0]}


def op_processes(req):
    device = device_for(req.get("host"))
    return [{"pid": p.pid, "name": p.name} for p in device.enumerate_processes()]


def op_attach(req):
    device = device_for(req.get("host"))
    pid = req["pid"] if req.get("pid") is not None else find_pid(device, req["name"])
    result = open_session(device, pid, req["source"])
    result["pid"] = pid
    return result


def op_spawn(req):
    device = device_for(req.get("host"))
    pid = device.spawn(req["argv"], stdio="pipe")
    try:
        result = open_session(device, pid, req["source"])
    except Exception:
        device.kill(pid)
        raise
    result["pid"] = pid
    return result


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
}


def handle(req):
    try:
        write({"id": req["id"], "ok": True, "result": ops[req["op"]](req)})
    except Exception as exc:  # every failure goes back to the host as a reply, never kills the bridge
        write({"id": req.get("id"), "ok": False, "error": {"type": type(exc).__name__, "message": str(exc)}})


def main():
    write({"event": "ready", "frida": frida.__version__})
    for line in sys.stdin:
        if line.strip():
            threading.Thread(target=handle, args=(json.loads(line),), daemon=True).start()
    with sessions_lock:
        open_sessions = list(sessions.values())
    for session, _ in open_sessions:
        try:
            session.detach()
        except frida.InvalidOperationError:
            pass


main()
