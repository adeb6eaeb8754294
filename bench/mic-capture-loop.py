"""A capture loop as tight as an app can make it: snd_pcm_readi of 10 ms of 48 kHz stereo S16 from ALSA's
null device (which never waits), for a number of seconds once a line arrives on stdin. Prints its pid first,
then {"calls": n, "seconds": s, "callsPerS": r} as JSON. Used by bench/mic-access.ts."""
import ctypes
import json
import os
import sys
import time

SND_PCM_STREAM_CAPTURE = 1
SND_PCM_FORMAT_S16_LE = 2
SND_PCM_ACCESS_RW_INTERLEAVED = 3
FRAMES = 480

alsa = ctypes.CDLL("libasound.so.2")
alsa.snd_pcm_readi.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong]
alsa.snd_pcm_readi.restype = ctypes.c_long
pcm = ctypes.c_void_p()
assert alsa.snd_pcm_open(ctypes.byref(pcm), b"null", SND_PCM_STREAM_CAPTURE, 0) == 0
assert alsa.snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 2, 48000, 1, 100000) == 0
buf = ctypes.create_string_buffer(FRAMES * 4)
print(os.getpid(), flush=True)
sys.stdin.readline()
seconds = float(sys.argv[1])
calls = 0
start = time.perf_counter()
while time.perf_counter() - start < seconds:
    if alsa.snd_pcm_readi(pcm, buf, FRAMES) != FRAMES:
        sys.exit("snd_pcm_readi failed")
    calls += 1
took = time.perf_counter() - start
print(json.dumps({"calls": calls, "seconds": round(took, 3), "callsPerS": round(calls / took)}), flush=True)
# A moment before exiting, so that a watching agent reports its last second.
time.sleep(2)
