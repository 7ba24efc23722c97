#!/usr/bin/env bash
# `make run`: boots ISO in QEMU with the same machine as the tests (tools/qemu_run.py
# --print-cmd). With a display ($DISPLAY / $WAYLAND_DISPLAY) the screen opens in a
# window; otherwise it goes to a local VNC port. The serial console is on this
# terminal either way (Ctrl-A X quits, Ctrl-A C toggles the QEMU monitor).
# UEFI=1 boots with OVMF instead of SeaBIOS. HOME_IMG=PATH attaches that disk image
# (make run's build/home.img, the user's home) as virtio-blk.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iso=${1:-$root/build/oscortex.iso}
[ -f "$iso" ] || { echo "run: $iso not found (run make first)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fw=()
if [ "${UEFI:-0}" = 1 ]; then
    fw=(--uefi)
    [ -f /usr/share/OVMF/OVMF_VARS_4M.fd ] && cp /usr/share/OVMF/OVMF_VARS_4M.fd "$tmp/vars.fd" && fw+=(--vars "$tmp/vars.fd")
fi
mapfile -t cmd < <(python3 "$root/tools/qemu_run.py" --print-cmd "${fw[@]}" "$iso")
[ ${#cmd[@]} -gt 0 ] || exit 1

disk=()
if [ -n "${HOME_IMG:-}" ]; then
    [ -f "$HOME_IMG" ] && disk=(-drive "file=$HOME_IMG,if=virtio,format=raw") ||
        echo "run: no $HOME_IMG: the home stays in memory" >&2
fi

display=()
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    bash "$root/tools/setup.sh" --quiet --gui || echo "run: could not install qemu-system-gui; using VNC" >&2
    backends=$(qemu-system-x86_64 -display help 2>/dev/null || true)
    for b in gtk sdl; do
        if grep -qx "$b" <<<"$backends"; then display=(-display "$b"); break; fi
    done
    [ ${#display[@]} -gt 0 ] && echo "run: screen in a QEMU window (${display[1]})"
fi
if [ ${#display[@]} -eq 0 ]; then
    # First free display number: VNC display N listens on port 5900+N.
    n=$(python3 - <<'PY'
import socket
for n in range(0, 100):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 5900 + n))
    except OSError:
        continue
    finally:
        s.close()
    print(n)
    break
PY
)
    display=(-display none -vnc "127.0.0.1:$n")
    echo "run: no display; screen on VNC 127.0.0.1:$((5900 + n))"
fi
echo "run: serial console below; Ctrl-A X quits QEMU, Ctrl-A C toggles the monitor"
echo "run: ${cmd[*]} ${disk[*]} ${display[*]} -serial mon:stdio"
# Not exec: the trap removes the OVMF variable copy when QEMU ends.
"${cmd[@]}" "${disk[@]}" "${display[@]}" -serial mon:stdio
