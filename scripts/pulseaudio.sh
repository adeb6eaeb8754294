#!/bin/sh
# Starts a PulseAudio daemon for this user when none answers, then waits until `pactl info` does.
# Used by the audio tests and .ci/run; harmless when PulseAudio or PipeWire is already running.
set -eu

if pactl info >/dev/null 2>&1; then
  exit 0
fi
if ! command -v pulseaudio >/dev/null 2>&1; then
  echo "pulseaudio.sh: pulseaudio is not installed (sudo apt install pulseaudio pulseaudio-utils)" >&2
  exit 1
fi

set -- --daemonize=yes --exit-idle-time=-1 --system=false
# As root PulseAudio refuses to run without being told this is deliberate (containers, CI).
if [ "$(id -u)" = 0 ]; then
  set -- "$@" --disallow-exit
fi
pulseaudio "$@"

i=0
until pactl info >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 100 ]; then
    echo "pulseaudio.sh: PulseAudio did not answer within 10 s" >&2
    exit 1
  fi
  sleep 0.1
done
