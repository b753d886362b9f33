#!/usr/bin/env bash
# The README's Linux set-up, run as written on a fresh Debian 12 (bookworm).
#
# NOT run by CI: it needs root, the network (Debian's mirror and PyPI) and 15 minutes on an
# idle 2-core machine (the whole test suite inside the chroot is 10 of them; under load, up
# to an hour). Run it by hand on a Debian host after changing the README's set-up or the
# dependencies:
#
#     sudo tests/setup/fresh_debian.sh [OUT_DIR] [-- PYTEST_ARGS…]
#     tests/setup/fresh_debian.sh --print-steps   # what it would run, read from README.md
#
# What it does:
#   1. debootstrap a minimal bookworm (variant minbase) once into $DEBROOT/base, then copy
#      it to $DEBROOT/run for each run, so every run starts from the same fresh system;
#   2. make the first user `newcomer` with sudo, as Debian's installer does when root has
#      no password, and clone this repository's committed HEAD into ~newcomer/khdesk (what
#      `git clone` gives a newcomer; uncommitted changes are not part of the run);
#   3. run the README's Linux block (the ```bash fence under "**Debian 12 / Ubuntu.**"),
#      read from README.md itself, line by line as that user in the clone;
#   4. before its last line (`khdesk demo --open`), install the harness only — Xvfb, xauth,
#      x11-utils, imagemagick, xdotool, none of them the README's — then run that line on the
#      real xcb platform (no QT_QPA_PLATFORM), wait for the sign-in, take a screenshot, press
#      Enter (the demo's password is filled in), screenshot the committee's window, and check
#      that every shared library the running app mapped belongs to a package that was
#      installed before the harness (so the harness cannot hide a missing README package);
#   5. run the README's test command (the ```bash fence under "## Chạy kiểm thử"), with
#      PYTEST_ARGS appended if given (e.g. `-- tests/unit` for a shorter run).
# Mounts are undone and processes inside stopped on any exit (trap). Results in OUT_DIR
# (default /tmp/khdesk-fresh-debian): step log with timings, screenshot, pytest output.
# Remove $DEBROOT (default /work/debroot, ~2 GB after a run) when done.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
# The fenced ```bash block after the first line starting with $1, continuation lines joined.
readme_block() {
  awk -v head="$1" '
    index($0, head) == 1 { found = 1; next }
    found && /^```bash$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }
  ' "$REPO/README.md" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta'
}

if [ "${1:-}" = "--print-steps" ]; then  # tests/integration/test_setup_docs.py reads this
  readme_block "**Debian 12 / Ubuntu.**"
  readme_block "## Chạy kiểm thử"
  exit 0
fi
DEBROOT="${DEBROOT:-/work/debroot}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
OUT="/tmp/khdesk-fresh-debian"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then OUT="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
PYTEST_EXTRA=("$@")
ROOT="$DEBROOT/run"
USER_NAME=newcomer
HOME_IN=/home/$USER_NAME
NICE=(nice -n 10)  # the machine is shared

[ "$(id -u)" = 0 ] || { echo "needs root (debootstrap, chroot, mounts)" >&2; exit 2; }
mkdir -p "$OUT"
LOG="$OUT/steps.log"
: >"$LOG"
exec 3>&2  # say() reaches the terminal even where a step's output goes to the log
say() { echo "== $*" >>"$LOG"; echo "== $*" >&3; }

MOUNTS=()
cleanup() {
  local rc=$?
  # Anything the run left inside the chroot (the app, Xvfb) holds the mounts.
  if [ -d "$ROOT/proc" ]; then
    for link in /proc/[0-9]*/root; do
      if [ "$(readlink "$link" 2>/dev/null)" = "$ROOT" ]; then
        pid="${link#/proc/}"; pid="${pid%/root}"
        kill "$pid" 2>/dev/null || true
      fi
    done
    sleep 1
  fi
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" || true
  done
  say "exit $rc"
  exit $rc
}
trap cleanup EXIT INT TERM

mount_in() {  # mount_in TARGET MOUNT-ARGS…
  local target="$ROOT$1"; shift
  mount "$@" "$target"
  MOUNTS+=("$target")
}

# As the newcomer, in the clone, through a file (no quoting of the README's lines).
as_user() {  # as_user NAME COMMAND
  local file="/tmp/step-$1.sh"
  printf 'set -eo pipefail\ncd ~/khdesk\n%s\n' "$2" >"$ROOT$file"
  chmod 755 "$ROOT$file"
  chroot "$ROOT" su - "$USER_NAME" -c "${NICE[*]} bash $file"
}

timed() {  # timed LABEL COMMAND… : runs it, logs its seconds, returns its status
  local start=$SECONDS rc=0
  "${@:2}" || rc=$?
  say "$1: $((SECONDS - start)) s"
  return $rc
}

# 1. A fresh minimal Debian.
if [ ! -x "$DEBROOT/base/bin/bash" ]; then
  command -v debootstrap >/dev/null || apt-get install -y debootstrap
  timed "debootstrap" "${NICE[@]}" debootstrap --variant=minbase bookworm "$DEBROOT/base" "$MIRROR"
fi
rm -rf "$ROOT"
cp -a "$DEBROOT/base" "$ROOT"
mount_in /proc -t proc proc
mount_in /sys -t sysfs sys
mount_in /dev --bind /dev
mount_in /dev/pts --bind /dev/pts
mount_in /dev/shm -t tmpfs tmpfs
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# This machine's network, not the README's business: where the host's pip trusts a local
# CA bundle (an egress proxy that inspects TLS), pip in the chroot trusts the same one.
host_cert="${PIP_CERT:-}"
if [ -n "$host_cert" ] && [ -f "$host_cert" ]; then
  cp "$host_cert" "$ROOT/etc/host-ca-bundle.crt"
  printf '[global]\ncert = /etc/host-ca-bundle.crt\n' >"$ROOT/etc/pip.conf"
  say "pip trusts the host's CA bundle ($host_cert)"
fi

# 2. The first user with sudo, and the repository as `git clone` gives it.
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive "${NICE[@]}" apt-get install -y -qq sudo >/dev/null
chroot "$ROOT" useradd -m -s /bin/bash -G sudo "$USER_NAME"
echo "$USER_NAME ALL=(ALL) NOPASSWD: ALL" >"$ROOT/etc/sudoers.d/$USER_NAME"
git clone -q "$REPO" "$ROOT$HOME_IN/khdesk"
chroot "$ROOT" chown -R "$USER_NAME:$USER_NAME" "$HOME_IN/khdesk"
say "clone of $(git -C "$REPO" rev-parse --short HEAD) into $HOME_IN/khdesk"

# 3. The README's Linux block, line by line.
mapfile -t steps < <(readme_block "**Debian 12 / Ubuntu.**")
[ "${#steps[@]}" -ge 3 ] || { echo "README: the Linux block was not found" >&2; exit 1; }
demo_line="${steps[-1]}"
case "$demo_line" in *"demo --open"*) ;; *) echo "README: last line is not demo --open" >&2; exit 1 ;; esac
n=0
for line in "${steps[@]:0:${#steps[@]}-1}"; do
  n=$((n + 1))
  say "README step $n: $line"
  timed "step $n" as_user "$n" "$line" >>"$LOG" 2>&1 || { say "step $n FAILED (see $LOG)"; exit 1; }
done
chroot "$ROOT" dpkg-query -W -f '${Package}\n' | sort >"$OUT/packages-after-readme.txt"

# 4. The harness (not the README's), then the demo on the real xcb platform.
say "harness: xvfb xauth x11-utils imagemagick xdotool"
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive "${NICE[@]}" apt-get install -y -qq \
  --no-install-recommends xvfb xauth x11-utils imagemagick xdotool >/dev/null
install -d -m 1777 "$ROOT/tmp/.X11-unix"
chroot "$ROOT" su - "$USER_NAME" -c "Xvfb :99 -screen 0 1366x768x24 -nolisten tcp >/tmp/xvfb.log 2>&1 &"
sleep 2
say "README step $((n + 1)): $demo_line"
printf 'cd ~/khdesk\nexport DISPLAY=:99\nexec %s\n' "$demo_line" >"$ROOT/tmp/step-demo.sh"
start=$SECONDS
chroot "$ROOT" su - "$USER_NAME" -c "bash /tmp/step-demo.sh >/tmp/demo.log 2>&1 & echo \$! >/tmp/demo.pid; wait" &
# A mapped top-level window of the app (Qt also makes hidden helper windows).
shown_window() {
  chroot "$ROOT" env DISPLAY=:99 xwininfo -root -tree 2>/dev/null | grep khdesk \
    | while read -r id rest; do
        if chroot "$ROOT" env DISPLAY=:99 xwininfo -id "$id" 2>/dev/null | grep -q 'IsViewable'; then
          echo "$id $rest"
        fi
      done
}
shown=""
for _ in $(seq 240); do
  shown="$(shown_window || true)"
  [ -n "$shown" ] && break
  if [ -s "$ROOT/tmp/demo.pid" ] && ! kill -0 "$(cat "$ROOT/tmp/demo.pid")" 2>/dev/null; then
    break  # the app ended without a window
  fi
  sleep 1
done
if [ -z "$shown" ]; then
  say "the demo's window did not show"; cat "$ROOT/tmp/demo.log" | tee -a "$LOG"; exit 1
fi
say "demo --open: a khdesk window after $((SECONDS - start)) s"
sleep 5  # let it paint
chroot "$ROOT" env DISPLAY=:99 import -window root /tmp/demo.png
cp "$ROOT/tmp/demo.png" "$OUT/demo-open.png"
say "screenshot: $OUT/demo-open.png"
say "window: $(shown_window || true)"
# Sign in as a newcomer would: the pointer over the dialog gives it the keyboard (no window
# manager here), Enter presses "Mở" with the demo's password already filled in.
chroot "$ROOT" env DISPLAY=:99 xdotool mousemove 683 300 sleep 0.5 key Return
opened=""
for _ in $(seq 120); do
  opened="$(shown_window | grep -v 'Đăng nhập' || true)"
  [ -n "$opened" ] && break
  sleep 1
done
[ -n "$opened" ] || { say "no window after signing in"; cat "$ROOT/tmp/demo.log" >>"$LOG"; exit 1; }
sleep 8  # the home page and its figures
chroot "$ROOT" env DISPLAY=:99 import -window root /tmp/signed-in.png
cp "$ROOT/tmp/signed-in.png" "$OUT/demo-signed-in.png"
say "signed in: $opened"
say "screenshot: $OUT/demo-signed-in.png"
# The app's process is the venv's python (the khdesk script is its child or itself).
app_pid="$(pgrep -n -f 'khdesk demo --open' | head -1)"
# Paths as the host sees them: strip the chroot's prefix.
awk '$6 ~ /\.so/ { print $6 }' "/proc/$app_pid/maps" | sed "s|^$ROOT||" | sort -u \
  >"$OUT/demo-libraries.txt"
grep -v "$HOME_IN/khdesk/.venv" "$OUT/demo-libraries.txt" \
  | sed 's|^/usr||' | sort -u >"$OUT/system-libraries.txt"
: >"$OUT/library-owners.txt"
while read -r lib; do
  owner="$(chroot "$ROOT" dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1 || true)"
  [ -n "$owner" ] || owner="$(chroot "$ROOT" dpkg -S "/usr$lib" 2>/dev/null | head -1 | cut -d: -f1 || true)"
  echo "$lib ${owner:-?}" >>"$OUT/library-owners.txt"
done <"$OUT/system-libraries.txt"
late="$(awk '{print $2}' "$OUT/library-owners.txt" | sort -u \
  | comm -23 - "$OUT/packages-after-readme.txt" || true)"
say "system libraries mapped by the app: $(wc -l <"$OUT/system-libraries.txt"), from $(awk '{print $2}' "$OUT/library-owners.txt" | sort -u | wc -l) packages"
if [ -n "$late" ]; then
  say "libraries from packages the README did not install: $late"; exit 1
fi
kill "$app_pid"
wait || true
say "demo closed"

# 5. The README's test command.
mapfile -t tests < <(readme_block "## Chạy kiểm thử")
[ "${#tests[@]}" -eq 1 ] || { echo "README: the test command was not found" >&2; exit 1; }
test_line="${tests[0]}${PYTEST_EXTRA[*]:+ ${PYTEST_EXTRA[*]}}"
say "README tests: $test_line"
status=0
timed "tests" as_user tests "$test_line" >"$OUT/pytest.log" 2>&1 || status=$?
tail -5 "$OUT/pytest.log" | tee -a "$LOG"
say "tests exit $status"
exit $status
