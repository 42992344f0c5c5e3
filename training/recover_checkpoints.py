#!/usr/bin/python3
"""Training checkpoints recovered from an exported model folder, to fine-tune the shipped
networks when their original run folders are gone (runs/ is kept out of git).

  /usr/bin/python3 training/recover_checkpoints.py --model models/default --out runs/shipped

writes runs/shipped/{vae,vocoder,unet}/checkpoint.pt (and control/, S-Control's branch, for a
version-2 folder: LoRA comes back merged, as a full copy): the weights (fp16-stored ones come back
exactly as shipped, in float32), each network's configuration, the mel normalisation and
latent scale, the UNet's conditions and quantiles, and the steps each had. They are what
`train_*.py --init` and `export_model.py` read; they hold no optimiser state, so they start a
new run rather than `--resume` an old one. Exporting them again gives the same model back.

The configuration comes from the manifest's `training.configs` (export_model.py writes it);
for an older manifest without it, from the training scripts' defaults adjusted by what the
manifest says (latent channels, conditions, film branches, vocoder FFT) and by the weights
present (the pooled condition path). Either way the weights must fit it exactly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.onnx_weights import state_dict_from_onnx  # noqa: E402
from filmscore_training.run import config_kwargs  # noqa: E402
from filmscore_training.control import CONTROLS, ControlBranch  # noqa: E402
from filmscore_training.unet import VMUNet  # noqa: E402
from filmscore_training.vae import build_vae  # noqa: E402
from filmscore_training.vocoder import Vocoder  # noqa: E402


def _fit(network: torch.nn.Module, weights: dict[str, torch.Tensor], what: str) -> None:
    missing, unexpected = network.load_state_dict(weights, strict=False)
    if missing or unexpected:
        sys.exit(f"{what}: the exported weights do not fit the network's configuration "
                 f"(missing {', '.join(missing[:3]) or 'nothing'}; unexpected {', '.join(unexpected[:3]) or 'nothing'})")


def recover_vocoder(model_dir: Path) -> Vocoder:
    """The folder's vocoder alone, its weights read back from vocoder.onnx."""
    manifest = json.loads((model_dir / "manifest.json").read_text())
    configs = manifest.get("training", {}).get("configs", {})
    config = configs.get("vocoder", {"n_fft": manifest["vocoder"]["nFft"], "hop": manifest["vocoder"]["hopLength"]})
    vocoder = Vocoder(**config)
    _fit(vocoder, state_dict_from_onnx(model_dir / manifest["files"]["vocoder"], "vocoder."), "vocoder")
    return vocoder


def recover(model_dir: Path) -> dict[str, dict]:
    manifest = json.loads((model_dir / "manifest.json").read_text())
    files, training = manifest["files"], manifest.get("training", {})
    configs = training.get("configs", {})
    mel = {"mean": manifest["mel"]["mean"], "std": manifest["mel"]["std"]}
    scale = manifest["latent"]["scale"]

    vae_config = configs.get("vae", {"latent": manifest["latent"]["channels"]})
    vae = build_vae(vae_config)
    _fit(vae, {**state_dict_from_onnx(model_dir / files["vaeEncoder"]),
               **state_dict_from_onnx(model_dir / files["vaeDecoder"])}, "VAE")

    vocoder = recover_vocoder(model_dir)

    condition = manifest["condition"]
    unet_weights = state_dict_from_onnx(model_dir / files["unet"])
    unet_config = configs.get("unet", {
        "latent": manifest["latent"]["channels"], "cond_count": len(condition["names"]),
        "film_dims": condition.get("branches"),
        "pooled_condition": any(k.startswith("pooled.") for k in unet_weights)})
    unet = VMUNet(**config_kwargs(unet_config))
    _fit(unet, unet_weights, "UNet")
    quantiles = condition.get("quantiles")

    control = {}
    if manifest.get("control") and files.get("control"):
        # S-Control's branch (LoRA, if any, was merged at export: it comes back as a full copy).
        spec = manifest["control"]
        info = spec.get("training", {})
        config = info.get("config", {"down": manifest["frames"] // manifest["latent"]["frames"], "controls": CONTROLS})
        branch = ControlBranch(unet, config["down"], config["controls"])
        _fit(branch, state_dict_from_onnx(model_dir / files["control"], "branch."), "control branch")
        dyn = spec["controls"]["dynamics"]
        control = {"control": {"model": branch.state_dict(), "ema": branch.state_dict(), "config": branch.config,
                               "step": info.get("steps", 0), "dynamics": {"mean": dyn["mean"], "std": dyn["std"]},
                               "unet": {"path": str(model_dir), "step": training.get("unetSteps", 0), "config": unet.config}}}

    return {
        "vae": {"model": vae.state_dict(), "config": vae.config, "mel": mel, "scale": scale,
                "step": training.get("vaeSteps", 0)},
        "vocoder": {"model": vocoder.state_dict(), "config": vocoder.config, "mel": mel,
                    "step": training.get("vocoderSteps", 0)},
        "unet": {"model": unet.state_dict(), "ema": unet.state_dict(), "config": unet.config, "step": training.get("unetSteps", 0),
                 "conditions": condition["names"],
                 "vae": {"mel": mel, "scale": scale, "config": vae.config},
                 **({"affect_quantiles": [quantiles[n] for n in condition["names"]]} if quantiles else {})},
        **control,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, type=Path, help="an exported model folder (manifest.json + ONNX files)")
    ap.add_argument("--out", required=True, type=Path,
                    help="folder for vae/, vocoder/ and unet/ checkpoints (and control/, for a folder with a control branch)")
    a = ap.parse_args()
    if not (a.model / "manifest.json").exists():
        sys.exit(f"{a.model}: no manifest.json (not a model folder written by training/export_model.py)")
    for name, state in recover(a.model).items():
        folder = a.out / name
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "checkpoint.pt.partial"
        torch.save(state, tmp)
        os.replace(tmp, folder / "checkpoint.pt")
    print(json.dumps({"out": str(a.out), "from": str(a.model)}))


if __name__ == "__main__":
    main()
