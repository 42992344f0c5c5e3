#!/usr/bin/env bash
# Real soundtrack audio for the reference tests: two tracks of Debian's warzone2100-music
# (GPL-2+, see the package's copyright file), unpacked into .cache/test-audio/. Idempotent;
# never committed. Needs only Debian's archive (it refreshes the package index if it must).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/test-audio
want=(track17.opus track20.opus)
if [ -f "$dest/${want[0]}" ] && [ -f "$dest/${want[1]}" ]; then exit 0; fi
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
download() { ( cd "$work" && apt-get download warzone2100-music >/dev/null 2>&1 ); }
if ! download; then
  # A machine whose package index is missing or stale: refresh it once and retry.
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq || true
  download || {
    echo "fetch-test-audio: apt-get download warzone2100-music failed (is Debian's archive reachable?)" >&2
    exit 1
  }
fi
dpkg-deb -x "$work"/warzone2100-music_*.deb "$work/x"
for f in "${want[@]}"; do
  cp "$work/x/usr/share/games/warzone2100/music/albums/aftermath_soundtrack/$f" "$dest/$f.tmp"
  mv "$dest/$f.tmp" "$dest/$f"
done
cp "$work/x/usr/share/doc/warzone2100-music/copyright" "$dest/COPYRIGHT"
echo "fetch-test-audio: ${want[*]} in $dest"
