"""MuteScope's bridge to pip's `frida` package.

Speaks JSON lines over stdio. Requests: {"id", "op", ...}; replies: {"id", "ok": true, "result"} or
{"id", "ok": false, "error": {"type", "message"}}. Events: {"event": "message" | "detached" | "log", ...}. A script message with binary data says {"bytes": N} and its N raw bytes follow the line's newline
(no base64: captures are most of the traffic). Each request runs on its own thread so that a slow rpc call
never holds up the others. Closing stdin detaches everything and exits.

The protocol runs on private copies of stdin and stdout; fds 0 and 1 then point at /dev/null and stderr, so
neither a spawned target (which inherits them) nor a library that prints can write into the protocol.
"""

import json
import os
import sys
import threading

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
sessions = {}
sessions_lock = threading.Lock()
next_session = [1]


def device_for(host):
    key = host or ""
    with devices_lock:
        if key not in devices:
            device = frida.get_device_manager().add_remote_device(host) if host else frida.get_local_device()

            devices[key] = device
        return devices[key]


def open_session(device, pid, source):
    session = device.attach(pid)
    script = session.create_script(source)
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

    script.on("message", on_message)
    script.set_log_handler(on_log)
    session.on("detached", on_detached)
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
    return open_session(device, req["pid"], req["source"])


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


main()
