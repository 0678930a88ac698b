#!/usr/bin/env bash
# make demo: start the device simulators, officed and the kiosk with --demo.
# Without a display the kiosk runs under Xvfb; a screenshot is saved and its path
# printed. Everything lives in demo-out/ (simulator links, databases, logs).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${DEMO_OUT:-demo-out}
rm -rf "$out/devices"
mkdir -p "$out"
# Fyne reads the locale while packages initialise; a C locale only logs an error,
# but the kiosk's language is its own setting, so give it a well-formed one.
export LANG=zh_CN.UTF-8

pids=()
cleanup() {
  # Newest first: the kiosk goes before the X server it draws on.
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

port=${DEMO_PORT:-8080}
bin/kioskctl sim all --dir "$out/devices" --capture "$out/printer.capture" >"$out/sim.log" 2>&1 &
pids+=($!)
bin/officed serve --addr "127.0.0.1:$port" --data "$out/office" >"$out/officed.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$out/devices/control" ] && break; sleep 0.1; done
[ -S "$out/devices/control" ] || { echo "demo: the simulators did not start; see $out/sim.log" >&2; exit 1; }
echo "demo: simulators in $out/devices; inject events with bin/kioskctl sim ctl --dir $out/devices EVENT"
echo "      (card-insert, bill 2000, scan CODE, paper end, unplug printer …)"
echo "demo: officed on http://127.0.0.1:$port/guides/ (log $out/officed.log)"
echo "demo: printed bytes are appended to $out/printer.capture"
echo "demo: 临时身份证: 'card-insert' puts the sample card (张秀英) on the reader; without a card type 230103198503121239 and spell zhang xiu ying"

# Enroll the demo kiosk once, so what residents do there reaches officed.
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
if ! bin/kioskctl queue --data "$out/kiosk" >/dev/null 2>&1 || [ ! -s "$out/kiosk/.enrolled" ]; then
  code=$(bin/officed enroll-code --data "$out/office" --kiosk "花园街道便民服务中心 1号机" 2>/dev/null)
  if bin/kioskctl enroll --data "$out/kiosk" --server "http://127.0.0.1:$port" --code "$code" >"$out/enroll.log" 2>&1; then
    touch "$out/kiosk/.enrolled"
    echo "demo: kiosk enrolled with officed ($(cat "$out/enroll.log"))"
  else
    echo "demo: enrollment failed, the kiosk runs unsynced: $(cat "$out/enroll.log")" >&2
  fi
fi

# A back-office account for the demo (created once; the password is the demo's,
# change it on the password page for anything beyond a demo).
if ! printf '%s\n' 'bianmin-demo' | bin/officed user add admin --role admin --data "$out/office" >"$out/user.log" 2>&1 &&
  ! grep -q '已被使用' "$out/user.log"; then
  echo "demo: creating the back-office account failed: $(cat "$out/user.log")" >&2
fi
echo "demo: back office on http://127.0.0.1:$port/staff/ (user admin, password bianmin-demo)"

# Demo bills for 生活缴费 (scripts/demo-bills/<biller>.csv). Importing replaces
# a biller's bills, so running the demo again changes nothing; the simulated ID
# card's holder (张秀英) has a bill with several billers for the household lookup.
for f in scripts/demo-bills/*.csv; do
  biller=$(basename "$f" .csv)
  bin/officed import-bills --data "$out/office" --biller "$biller" "$f" >>"$out/bills.log" 2>&1 ||
    echo "demo: importing $f failed; see $out/bills.log" >&2
done
echo "demo: bills imported (e.g. 供热费 1200345678, 水费 W-0042); pay codes: any 18 digits starting 13, last digit 0–4 paid, 5 declined, 6 confirm on phone, 8 never; digits 3–4 \"99\" expired"

kiosk_args=(--demo --data "$out/kiosk" --devices "$out/devices" --public-url "http://127.0.0.1:$port")
if [ -n "${DISPLAY:-}" ]; then
  echo "demo: kiosk full screen on $DISPLAY; technician mode: tap the red 便民 emblem 5 times, PIN 246810; Ctrl-C here to stop"
  bin/kiosk "${kiosk_args[@]}" 2>"$out/kiosk.log"
  exit 0
fi

# No display: a virtual one, a screenshot, and a clean stop.
disp=:${DEMO_DISPLAY:-97}
Xvfb "$disp" -screen 0 1080x1920x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do xdpyinfo -display "$disp" >/dev/null 2>&1 && break; sleep 0.1; done
DISPLAY=$disp bin/kiosk "${kiosk_args[@]}" 2>"$out/kiosk.log" &
pids+=($!)
kpid=$!
sleep "${DEMO_WAIT:-8}"
if ! kill -0 "$kpid" 2>/dev/null; then
  echo "demo: the kiosk exited early; see $out/kiosk.log" >&2
  tail -5 "$out/kiosk.log" >&2
  exit 1
fi
shot="$out/kiosk-home.png"
DISPLAY=$disp import -window root "$shot"
echo "demo: no display, so the kiosk ran under Xvfb $disp; screenshot saved to $(realpath "$shot")"
