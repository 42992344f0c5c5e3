#!/usr/bin/env bash
# Real music that is NOT in the training corpus, for measuring what the audio representation
# keeps of music the model never saw: Debian's asc-music (Advanced Strategic Command's
# orchestral score, Michael Kievernagel, GPL-2+) and singularity-music (Endgame: Singularity's
# score, Max McCracken, CC-BY-SA-3.0). Unpacked into .cache/outside-music/; idempotent; never
# committed.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/outside-music
if [ -f "$dest/.complete" ]; then exit 0; fi
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. scripts/apt-download.sh
apt_download "$work" fetch-outside-music asc-music singularity-music
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
cp "$work/x/usr/share/games/asc/music/"*.mp3 "$dest/"
find "$work/x/usr/share/games/singularity/music" -maxdepth 1 -name '*.ogg' -exec cp {} "$dest/" \;
cp "$work/x/usr/share/doc/asc-music/copyright" "$dest/COPYRIGHT.asc-music"
cp "$work/x/usr/share/doc/singularity-music/copyright" "$dest/COPYRIGHT.singularity-music"
touch "$dest/.complete"
echo "fetch-outside-music: $(ls "$dest" | grep -c -E '\.(mp3|ogg)$') tracks in $dest"
