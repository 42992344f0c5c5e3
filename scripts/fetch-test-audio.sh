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
. scripts/apt-download.sh
apt_download "$work" fetch-test-audio warzone2100-music
dpkg-deb -x "$work"/warzone2100-music_*.deb "$work/x"
for f in "${want[@]}"; do
  cp "$work/x/usr/share/games/warzone2100/music/albums/aftermath_soundtrack/$f" "$dest/$f.tmp"
  mv "$dest/$f.tmp" "$dest/$f"
done
cp "$work/x/usr/share/doc/warzone2100-music/copyright" "$dest/COPYRIGHT"
echo "fetch-test-audio: ${want[*]} in $dest"
