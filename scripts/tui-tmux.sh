#!/usr/bin/env bash
# Drives the real kata binary in a real terminal (tmux, 80x24) through the
# main screens and saves a capture of each in $OUT (default /tmp/kata-tui).
# It works on a throw-away clone, so your own progress and files are safe.
#   scripts/tui-tmux.sh            # then look at /tmp/kata-tui/*.txt
set -euo pipefail
command -v tmux >/dev/null || { echo "needs tmux (apt-get install tmux)"; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/kata-tui}
work=$(mktemp -d)
trap 'tmux kill-session -t kata-tui 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$OUT"
git clone -q "$root" "$work/wb"
(cd "$work/wb" && go build -o "$work/kata" ./cmd/kata)

tmux new-session -d -s kata-tui -x 80 -y 24 "cd $work/wb && KATA_STATE_DIR=$work/state NO_COLOR=1 $work/kata; sleep 60"
# esc: Escape alone (followed at once by a key, a terminal reads it as Alt+key).
esc() { tmux send-keys -t kata-tui Escape; sleep 0.3; }
snap() { sleep "$2"; tmux capture-pane -p -t kata-tui > "$OUT/$1.txt"; echo "== $1"; cat "$OUT/$1.txt"; }
wait_for() { # text, seconds
  for _ in $(seq $(( $2 * 10 ))); do
    tmux capture-pane -p -t kata-tui | grep -q "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1"; tmux capture-pane -p -t kata-tui; exit 1
}
start=$(date +%s%N)
wait_for "Press enter" 10
echo "first frame after $(( ($(date +%s%N) - start) / 1000000 )) ms (includes tmux start-up)"
snap 1-welcome 0
tmux send-keys -t kata-tui Enter
wait_for "FAILING" 120
snap 2-kata-failing 0.2
tmux send-keys -t kata-tui h;  snap 3-hint 0.5
esc; tmux send-keys -t kata-tui l; snap 4-list 0.5
esc; tmux send-keys -t kata-tui '?'; snap 5-help 0.5
tmux send-keys -t kata-tui Space; sleep 0.3  # any key closes help
cp "$work/wb/solutions/01-wg-ordering/prices.go" "$work/wb/katas/01-wg-ordering/prices.go"
wait_for "SOLVED" 60
snap 6-kata-solved 0.2
tmux send-keys -t kata-tui d; snap 7-diff 0.5
esc; tmux send-keys -t kata-tui b; snap 8-book 1
esc; tmux send-keys -t kata-tui n
wait_for "02-\|04-" 30
wait_for "FAILING\|SOLVED" 120
snap 9-next-kata 0.5
sleep 3 # let the background warm-up finish before measuring idle
pid=$(pgrep -fx "$work/kata" | head -1 || true)
if [ -n "$pid" ]; then
  echo "RSS of the app: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
  t0=$(awk '{print $14+$15}' /proc/$pid/stat); sleep 5; t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  echo "CPU while idle: $(( t1 - t0 )) ticks in 5 s"
fi
tmux send-keys -t kata-tui q
sleep 1
echo "captures in $OUT"
