#!/usr/bin/env bash
# Real footage for the film-analysis tests (DESIGN.md lists it): cockatoo.mp4 (python3-imageio),
# diver.mov (pd-extendedview) and movie-hello.mp4 (forensics-samples-files), plus a portrait
# for the face tests (astronaut.png, scikit-image's public-domain NASA photo of Eileen
# Collins, smiling), taken from the Debian packages into .cache/test-footage/. Idempotent;
# never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/test-footage
declare -A files=(
  [cockatoo.mp4]="python3-imageio:usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4"
  [diver.mov]="pd-extendedview:usr/share/doc/pd-extendedview/media/diver.mov"
  [movie-hello.mp4]="forensics-samples-files:usr/share/forensics-samples/original-files/movie2/movie-hello.mp4"
  [astronaut.png]="python3-skimage:usr/lib/python3/dist-packages/skimage/data/astronaut.png"
)
missing=0
for f in "${!files[@]}"; do [ -f "$dest/$f" ] || missing=1; done
[ "$missing" = 1 ] || exit 0
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. scripts/apt-download.sh
for f in "${!files[@]}"; do
  pkg=${files[$f]%%:*}
  path=${files[$f]#*:}
  [ -f "$dest/$f" ] && continue
  apt_download "$work" fetch-test-footage "$pkg"
  dpkg-deb -x "$work/${pkg}"_*.deb "$work/x-$pkg"
  cp "$work/x-$pkg/$path" "$dest/$f.tmp"
  mv "$dest/$f.tmp" "$dest/$f"
done
echo "fetch-test-footage: ${!files[*]} in $dest"
