#!/usr/bin/env bash
# Makes resources/demo/demo-episode.opus: two minutes of pink noise and speech whose level steps every 15 s,
# so that a 5 s telemetry interval sees several intervals at each level. Needs sox, espeak-ng and ffmpeg.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
levels=(-42 -18 -34 -10 -26 -46 -14 -30)
espeak-ng -s 150 -w "$tmp/speech.wav" "This is the MuteScope demo episode. The level of what you hear steps up and down every fifteen seconds, so that the gains the muted app reports can be seen to follow it."
sox "$tmp/speech.wav" -r 48000 -c 1 "$tmp/speech48.wav" repeat 3 trim 0 15 norm -1
parts=()
for i in "${!levels[@]}"; do
  sox -n -r 48000 -c 1 "$tmp/noise$i.wav" synth 15 pinknoise
  sox -m -v 0.5 "$tmp/noise$i.wav" -v 0.5 "$tmp/speech48.wav" "$tmp/mix$i.wav"
  sox "$tmp/mix$i.wav" "$tmp/step$i.wav" norm "${levels[$i]}"
  parts+=("$tmp/step$i.wav")
done
sox "${parts[@]}" "$tmp/episode.wav"
ffmpeg -loglevel error -y -i "$tmp/episode.wav" -c:a libopus -b:a 40k resources/demo/demo-episode.opus
echo "wrote resources/demo/demo-episode.opus"
