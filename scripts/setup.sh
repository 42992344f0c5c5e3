#!/usr/bin/env bash
# Installs everything filmscore needs on Debian 12 (idempotent), builds it, makes the demo
# clip, analyses it and scores it with the bundled model (the main job). Run from anywhere:
# bash scripts/setup.sh
#   --no-demo   install and build only
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: ffmpeg for media I/O; torch/torchaudio/scipy/aubio/mir_eval are the
# independent references of the tests and the training stack; OpenBLAS makes torch 50× faster;
# chromium runs the listening page's browser test (playwright-core drives it).
PACKAGES=(ffmpeg python3-numpy python3-torch python3-torchaudio python3-scipy python3-aubio
  python3-mir-eval libopenblas0-pthread fonts-dejavu-core chromium)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# onnxruntime-node's install script would download CUDA files; package.json denies it
# ("allowScripts"), and this keeps older npm from running it too.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund
npm run build

if [ "${1:-}" != "--no-demo" ]; then
  node dist/scripts/make-demo.js examples/demo.mp4
  node dist/src/cli/main.js analyze examples/demo.mp4 --png examples/demo.analysis.png
  # The main job: score the demo clip with the bundled model (models/default), offline.
  node dist/src/cli/main.js score examples/demo.mp4 -o examples/demo.scored.mp4 \
    --wav examples/demo.score.wav
fi
