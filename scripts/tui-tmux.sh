#!/usr/bin/env bash
# Drives the real kata binary in a real terminal (tmux, 80x24) through the
# main screens, saves a capture of each in $OUT (default /tmp/kata-tui), and
# measures: first frame after exec, file save -> run started, RSS, idle CPU.
# It works on a throw-away clone, so your own progress and files are safe.
#   scripts/tui-tmux.sh            # then look at /tmp/kata-tui/*.txt
set -euo pipefail
command -v tmux >/dev/null || { echo "needs tmux (apt-get install tmux)"; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/kata-tui}
S=kata-tui-$$
work=$(mktemp -d)
trap 'tmux kill-session -t $S 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$OUT"
git clone -q "$root" "$work/wb"
# The working tree's runner, on the committed katas.
(cd "$root" && go build -o "$work/kata" ./cmd/kata)
ms() { echo $(( $(date +%s%N) / 1000000 )); }
pane() { tmux capture-pane -p -t $S; }

# The wrapper records the time right before exec, so the first frame is
# measured from the binary's start, not tmux's.
tmux new-session -d -s $S -x 80 -y 24 \
  "cd $work/wb && echo \$((\$(date +%s%N)/1000000)) > $work/t0 && KATA_STATE_DIR=$work/state NO_COLOR=1 EDITOR=true exec $work/kata"
esc() { tmux send-keys -t $S Escape; sleep 0.3; }
snap() { sleep "$2"; pane > "$OUT/$1.txt"; echo "== $1"; cat "$OUT/$1.txt"; check_screen "$1"; }
# The first hour's promises, checked on every screen: with NO_COLOR=1 no
# colour escape at all; no finding cut with "…"; a footer that keeps q.
problems=0
check_screen() {
  if tmux capture-pane -e -p -t $S | grep -qP '\x1b\[([0-9]+;)*(3[0-9]|4[0-9]|9[0-7]|10[0-7])(;[0-9]+)*m'; then
    echo "FAIL $1: a colour escape with NO_COLOR=1:"; tmux capture-pane -e -p -t $S | grep -P '\x1b\[' | cat -v | head -3
    problems=$((problems + 1))
  fi
  case "$1" in
  *kata*|*next*|*small*)
    if grep -E '^(▸ |  )?[A-Z]+ [^ ]+:[0-9]+' "$OUT/$1.txt" | grep -q '…'; then
      echo "FAIL $1: a finding cut with …"; problems=$((problems + 1))
    fi
    if ! tail -n 3 "$OUT/$1.txt" | grep -q 'q quit'; then
      echo "FAIL $1: the footer lost q quit"; problems=$((problems + 1))
    fi
    ;;
  esac
}
wait_for() { # text, seconds
  for _ in $(seq $(( $2 * 100 ))); do
    pane | grep -q "$1" && return 0
    sleep 0.01
  done
  echo "timed out waiting for: $1"; pane; exit 1
}
wait_for "Press enter" 10
echo "first frame: $(( $(ms) - $(cat $work/t0) )) ms after exec (polling every 10 ms)" | tee "$OUT/numbers.txt"
snap 1-welcome 0
tmux send-keys -t $S Enter
wait_for "FAILING" 180
snap 2-kata-failing 0.2
tmux send-keys -t $S h;  snap 3-hint 0.8
tmux send-keys -t $S h;  snap 3b-hint-2 0.8
esc; tmux send-keys -t $S l; snap 4-list 0.5
esc; tmux send-keys -t $S '?'; snap 5-help 0.5
tmux send-keys -t $S Space; sleep 0.3  # any key closes the help
tmux send-keys -t $S o; snap 5b-output 0.5
esc
# A save: measure until the status line says the run started.
t0=$(ms)
cp "$work/wb/solutions/01-wg-ordering/prices.go" "$work/wb/katas/01-wg-ordering/prices.go"
wait_for "building\|testing\|vetting" 5
echo "file save -> run started on screen: $(( $(ms) - t0 )) ms (200 ms of it is the debounce)" | tee -a "$OUT/numbers.txt"
wait_for "SOLVED" 60
snap 6-kata-solved 0.2
# The timeline of the fixed run, then of the kata as shipped (v).
tmux send-keys -t $S t
wait_for "goroutines of your code" 120
snap 6b-timeline-fixed 0.2
tmux send-keys -t $S v
wait_for "left blocked" 120
snap 6c-timeline-shipped 0.2
esc
tmux send-keys -t $S s; snap 7-solution 1
tmux send-keys -t $S d; snap 7b-diff 1
esc; tmux send-keys -t $S b; snap 8-book 1.5
esc; tmux send-keys -t $S x; snap 8b-reset-confirm 0.5
tmux send-keys -t $S n; sleep 0.3
tmux send-keys -t $S n
wait_for "02-" 30
wait_for "FAILING\|SOLVED" 120
snap 9-next-kata 0.5
tmux resize-window -t $S -x 60 -y 16 2>/dev/null || true
snap 10-small-60x16 0.5
tmux resize-window -t $S -x 80 -y 24 2>/dev/null || true
sleep 2
pid=$(pgrep -f "^$work/kata" | head -1 || true)
if [ -n "$pid" ]; then
  echo "RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)" | tee -a "$OUT/numbers.txt"
  t0=$(awk '{print $14+$15}' /proc/$pid/stat); sleep 10; t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  echo "CPU while idle: $(( t1 - t0 )) ticks of 1/$(getconf CLK_TCK) s in 10 s" | tee -a "$OUT/numbers.txt"
fi
tmux send-keys -t $S q
sleep 1
echo "captures in $OUT"
if tmux has-session -t $S 2>/dev/null; then
  echo "still running 1 s after q"; pane; exit 1
fi
echo "quit: the app exited"
if [ "$problems" -gt 0 ]; then
  echo "$problems screen problem(s) above"; exit 1
fi
