#!/usr/bin/python3
"""Export a trained generator (VAE + vocoder + VM-UNet checkpoints) to a filmscore model
folder: ONNX files (opset 17) and manifest.json, the contract the TypeScript runtime reads
(src/generator/model-folder.ts; DESIGN.md decision 5).

  /usr/bin/python3 training/export_model.py --vae runs/vae/checkpoint.pt \
      --vocoder runs/vocoder/checkpoint.pt --unet runs/unet/checkpoint.pt --out models/default

Graphs and what they take (B = batch, any size):
- unet.onnx: latent [B, C, L], timestep [B] (float, 0…999), affect [B, K] (0–1, manifest
  condition.names order), keep [B] (1 = condition, 0 = the null condition) → noise [B, C, L];
  a model trained on (video, music) pairs (condition.kind "film") also takes the film
  encoder's branches semantic [B, S], aesthetic [B, 7], emotion [B, 6]
- vae_decoder.onnx: latent [B, C, L] (diffusion scale) → mel [B, M, 4·L] (log-mel, M = the front end's bands)
- vae_encoder.onnx: mel [B, M, 4·L] (log-mel) → latent [B, C, L] (posterior mean, diffusion scale)
- vocoder.onnx: mel [B, M, T] (log-mel, any T) → audio [B, 160·T] (16 kHz)
- with --control (manifest version 2): control.onnx, S-Control's branch (LoRA merged): latent,
  timestep, affect, keep as the UNet's, melody [B, 12, 4·L] (pitch-class one-hot per mel frame),
  dynamics [B, 1, 4·L] (dB), melody_keep [B], dynamics_keep [B] (0 = that control absent) →
  residual_0 … residual_{n−1} (one per UNet level), residual_mid; unet.onnx then also takes
  those residuals (zeros give exactly the base model's output)
The mel normalisation and the latent scale live inside the graphs, so the runtime deals in
log-mel (the front end's own units) and in the diffusion's latent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import copy

import torch
import torch.nn.utils.parametrize as parametrize
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from filmscore_training.control import DYNAMICS_CLIP, ControlBranch, load_branch, merge_lora, standardise_dynamics  # noqa: E402
from filmscore_training.diffusion import SCHEDULE  # noqa: E402
from filmscore_training.run import config_kwargs  # noqa: E402
from filmscore_training.unet import VMUNet  # noqa: E402
from filmscore_training.front_end import FrontEnd  # noqa: E402
from filmscore_training.vae import MelVAE, build_vae, latent_channels  # noqa: E402
from filmscore_training.vocoder import Vocoder  # noqa: E402

MANIFEST_VERSION = 1
# Version 2: the manifest has a `control` entry and unet.onnx takes the branch's residuals.
MANIFEST_VERSION_CONTROL = 2


class BranchGraph(nn.Module):
    """S-Control's branch with the frozen UNet's embedding of t and the film condition (only
    those layers of the UNet reach the graph), the dynamics standardised inside."""

    def __init__(self, unet: VMUNet, branch: ControlBranch, dynamics: dict):
        super().__init__()
        self.unet, self.branch, self.dynamics = unet, branch, dynamics

    def forward(self, latent, timestep, affect, keep, melody, dynamics, melody_keep, dynamics_keep):
        temb, cond = self.unet.embed(timestep, affect, keep)
        dyn = standardise_dynamics(dynamics, self.dynamics)
        return tuple(self.branch(latent, temb, cond, {"melody": melody, "dynamics": dyn},
                                 {"melody": melody_keep, "dynamics": dynamics_keep}))


def residual_shapes(unet: VMUNet, frames: int) -> list[dict]:
    """The branch's residuals (unet.onnx's extra inputs): one per level, halving time, then the middle."""
    ch = unet.config["channels"]
    out = [{"name": f"residual_{i}", "channels": c, "frames": frames >> i} for i, c in enumerate(ch)]
    return out + [{"name": "residual_mid", "channels": ch[-1], "frames": frames >> (len(ch) - 1)}]


class Decoder(nn.Module):
    def __init__(self, vae: MelVAE, mean: float, std: float, scale: float):
        super().__init__()
        self.decoder, self.mean, self.std, self.scale = vae.decoder, mean, std, scale

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.decoder(latent / self.scale) * self.std + self.mean


class Encoder(nn.Module):
    def __init__(self, vae: MelVAE, mean: float, std: float, scale: float):
        super().__init__()
        self.encoder, self.mean, self.std, self.scale = vae.encoder, mean, std, scale

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.encoder((mel - self.mean) / self.std)[0] * self.scale


class NormalisedVocoder(nn.Module):
    def __init__(self, vocoder: Vocoder, mean: float, std: float):
        super().__init__()
        self.vocoder, self.mean, self.std = vocoder, mean, std

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.vocoder((mel - self.mean) / self.std)


class _ToFloat(nn.Module):
    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return w.float()


def half_weights(module: nn.Module) -> nn.Module:
    """A copy whose weight matrices and kernels are stored as float16 and cast to float32 where
    used: the ONNX file holds fp16 initialisers and Cast nodes (half the size), and ONNX
    Runtime computes in float32. Biases, norms and fixed buffers (the iSTFT bases) stay fp32."""
    m = copy.deepcopy(module)
    for mod in list(m.modules()):
        for name, p in list(mod.named_parameters(recurse=False)):
            if p.dim() >= 2:
                setattr(mod, name, nn.Parameter(p.detach().half(), requires_grad=False))
                parametrize.register_parametrization(mod, name, _ToFloat(), unsafe=True)
    return m


def _export(module: nn.Module, args: tuple, names: list[str], outputs: list[str], dynamic: dict, path: Path,
            fp16: bool = False) -> None:
    module.eval()
    if fp16:
        module = half_weights(module)
    tmp = path.with_suffix(".partial")
    with torch.no_grad():
        # No constant folding: it would fold the fp16 → fp32 casts back into fp32 initialisers,
        # and it renames the parameters it touches (onnx::Mul_…), which recover_checkpoints.py
        # reads back by their state-dict names. ONNX Runtime folds constants itself at load.
        torch.onnx.export(module, args, str(tmp), input_names=names, output_names=outputs,
                          dynamic_axes=dynamic, opset_version=17, do_constant_folding=False)
    os.replace(tmp, path)


def export_folder(vae: MelVAE, vocoder: Vocoder, unet: VMUNet, mel: dict, scale: float, out: Path,
                  conditions: list[str], quantiles: list[list[float]] | None, info: dict, fp16: bool = False,
                  defaults: dict | None = None, control: dict | None = None, content_frames: int = 1000) -> dict:
    """Write the four graphs (five with `control`: {"branch", "dynamics", "info"}) and
    manifest.json into `out`; returns the manifest."""
    defaults = defaults or {}
    out.mkdir(parents=True, exist_ok=True)
    c, frames = unet.config["latent"], 256
    n_mels = vae.config.get("n_mels", 64)
    if vocoder.config.get("n_mels", 64) != n_mels:
        sys.exit(f"the VAE decodes {n_mels} mel bands but the vocoder takes {vocoder.config.get('n_mels', 64)}: "
                 "train the vocoder on the VAE's front end (train_vocoder.py --n-mels, --mel-stats)")
    if latent_channels(vae.config) != c:
        sys.exit(f"the UNet was trained on {c} latent channels but the VAE gives {latent_channels(vae.config)}")
    front_end = FrontEnd(n_mels=n_mels)
    latent = torch.randn(2, c, frames)
    batch = {0: "batch"}
    film_dims = unet.config.get("film_dims")
    branches = ("semantic", "aesthetic", "emotion") if film_dims else ()
    unet_args = (latent, torch.tensor([10.0, 500.0]), torch.rand(2, len(conditions)), torch.tensor([1.0, 0.0]),
                 *(torch.rand(2, film_dims[b]) for b in branches))
    residuals = residual_shapes(unet, frames) if control else []
    names = [r["name"] for r in residuals]
    if control:
        if film_dims:
            sys.exit("--control: the branch is built for affect-conditioned UNets")
        # The residuals reach VMUNet.forward as its `control` keyword (a trailing dict of the
        # export's arguments), so unet.onnx keeps the UNet's own parameter names.
        zeros = [torch.zeros(2, r["channels"], r["frames"]) for r in residuals]
        unet_args = (*unet_args, {"control": zeros})
    _export(unet, unet_args, ["latent", "timestep", "affect", "keep", *branches, *names], ["noise"],
            {n: batch for n in ("latent", "timestep", "affect", "keep", *branches, *names, "noise")}, out / "unet.onnx", fp16)
    if control:
        t_mel = 4 * frames
        _export(BranchGraph(unet, control["branch"], control["dynamics"]),
                (latent, torch.tensor([10.0, 500.0]), torch.rand(2, len(conditions)), torch.tensor([1.0, 0.0]),
                 torch.nn.functional.one_hot(torch.randint(0, 12, (2, t_mel)), 12).float().transpose(1, 2),
                 torch.rand(2, 1, t_mel) * 30 + 20, torch.tensor([1.0, 0.0]), torch.tensor([1.0, 1.0])),
                ["latent", "timestep", "affect", "keep", "melody", "dynamics", "melody_keep", "dynamics_keep"], names,
                {n: batch for n in ("latent", "timestep", "affect", "keep", "melody", "dynamics", "melody_keep",
                                    "dynamics_keep", *names)}, out / "control.onnx", fp16)
    _export(Decoder(vae, mel["mean"], mel["std"], scale), (latent,), ["latent"], ["mel"],
            {"latent": batch, "mel": batch}, out / "vae_decoder.onnx", fp16)
    _export(Encoder(vae, mel["mean"], mel["std"], scale), (torch.randn(2, n_mels, 4 * frames) - 5,), ["mel"], ["latent"],
            {"mel": batch, "latent": batch}, out / "vae_encoder.onnx", fp16)
    _export(NormalisedVocoder(vocoder, mel["mean"], mel["std"]), (torch.randn(1, n_mels, 50) - 5,), ["mel"], ["audio"],
            {"mel": {0: "batch", 2: "frames"}, "audio": {0: "batch", 1: "samples"}}, out / "vocoder.onnx", fp16)
    manifest = {
        "format": "filmscore-model",
        "version": MANIFEST_VERSION_CONTROL if control else MANIFEST_VERSION,
        "sampleRate": 16000,
        "mel": {**front_end.manifest(), "mean": mel["mean"], "std": mel["std"]},
        "frames": 4 * frames,
        # The training clips' music (10 s); the UNet learnt the padding after it as silence.
        "contentFrames": min(content_frames, 4 * frames),
        "latent": {"channels": c, "frames": frames, "scale": scale},
        "schedule": SCHEDULE,
        "condition": {"kind": "film" if film_dims else "affect", "names": conditions,
                      **({"branches": film_dims} if film_dims else {}),
                      **({"quantiles": dict(zip(conditions, quantiles))} if quantiles else {})},
        "vocoder": {"kind": "istft", "nFft": vocoder.config["n_fft"], "hopLength": vocoder.config["hop"]},
        "files": {"unet": "unet.onnx", "vaeDecoder": "vae_decoder.onnx", "vaeEncoder": "vae_encoder.onnx",
                  "vocoder": "vocoder.onnx", **({"control": "control.onnx"} if control else {})},
        **({"control": {"controls": {"melody": {"channels": 12, "input": "pitch-class one-hot per mel frame"},
                                     "dynamics": {"channels": 1, "input": "dB per mel frame (Savitzky-Golay)",
                                                  "mean": control["dynamics"]["mean"], "std": control["dynamics"]["std"],
                                                  "clip": DYNAMICS_CLIP}},
                        "residuals": residuals, "training": control["info"]}} if control else {}),
        "defaults": {"steps": defaults.get("steps", 25), "guidance": defaults.get("guidance", 3.0),
                     "scheduler": "dpm-solver++", "vocoder": defaults.get("vocoder", "neural")},
        "weights": "float16" if fp16 else "float32",
        "training": info,
    }
    tmp = out / "manifest.json.partial"
    tmp.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(tmp, out / "manifest.json")
    return manifest


def load_control(path: str, unet: VMUNet, raw: bool = False) -> dict:
    """train_control.py's checkpoint as a plain branch on `unet` (LoRA merged into its copies)."""
    c = torch.load(path, map_location="cpu")
    if c["unet"]["config"] != unet.config:
        sys.exit(f"--control {path} was trained on a UNet of another shape ({c['unet']['config']})")
    lora = c["config"].get("lora")
    branch = load_branch(c, unet, "model" if raw else "ema")
    if lora:
        branch = merge_lora(branch)
    info = {"steps": c["step"] + c.get("init_steps", 0), "unetSteps": c["unet"]["step"], "lora": lora,
            "config": branch.config}
    return {"branch": branch.eval(), "dynamics": c["dynamics"], "info": info}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vae", required=True)
    ap.add_argument("--vocoder", required=True)
    ap.add_argument("--unet", required=True)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--raw", action="store_true", help="export the UNet's (and the control branch's) raw weights instead of their EMA")
    ap.add_argument("--fp16", action="store_true", help="store weight matrices as float16 (half the size; computed in float32)")
    ap.add_argument("--default-steps", type=int, default=25, help="default denoising steps of `filmscore score`")
    ap.add_argument("--default-guidance", type=float, default=3.0, help="default guidance scale (pick it by measurement)")
    ap.add_argument("--default-vocoder", choices=["neural", "griffin-lim", "hybrid"], default="neural",
                    help="default vocoder (pick the one that measures better on held-out clips)")
    ap.add_argument("--content-frames", type=int, default=1000,
                    help="mel frames of music in a window: the training clips' length (10 s = 1000); the runtime "
                         "keeps only these of each generated window")
    ap.add_argument("--control", metavar="CHECKPOINT",
                    help="S-Control's branch (train_control.py's checkpoint.pt, its EMA weights; LoRA merged): "
                         "adds control.onnx and the UNet's residual inputs (manifest version 2)")
    a = ap.parse_args()
    v, w, u = (torch.load(p, map_location="cpu") for p in (a.vae, a.vocoder, a.unet))
    vae = build_vae(v["config"])
    vae.load_state_dict(v["model"])
    vocoder = Vocoder(**{k: val for k, val in w["config"].items()})
    vocoder.load_state_dict(w["model"])
    unet = VMUNet(**config_kwargs(u["config"]))
    unet.load_state_dict(u["model"] if a.raw else u["ema"])
    control = load_control(a.control, unet, a.raw) if a.control else None
    conditions = u["conditions"]
    quantiles = [row for row in u["affect_quantiles"][: len(conditions)]] if "affect_quantiles" in u else None
    # A network fine-tuned from another run (--init) counts that run's steps too.
    info = {"vaeSteps": v["step"] + v.get("init_steps", 0), "vocoderSteps": w["step"] + w.get("init_steps", 0),
            "unetSteps": u["step"] + u.get("init_steps", 0),
            # The networks' shapes, so recover_checkpoints.py can rebuild them from this folder.
            "configs": {"vae": vae.config, "vocoder": vocoder.config, "unet": unet.config}}
    tmp_out = a.out.with_name(a.out.name + ".partial")
    shutil.rmtree(tmp_out, ignore_errors=True)
    m = export_folder(vae, vocoder, unet, v["mel"], v["scale"] or 1.0, tmp_out, conditions, quantiles, info, a.fp16,
                      {"steps": a.default_steps, "guidance": a.default_guidance, "vocoder": a.default_vocoder}, control, a.content_frames)
    for extra in ("MODEL_CARD.md",):
        if (a.out / extra).exists():
            shutil.copyfile(a.out / extra, tmp_out / extra)
    shutil.rmtree(a.out, ignore_errors=True)
    os.replace(tmp_out, a.out)
    print(json.dumps({"out": str(a.out), **m["training"]}))


if __name__ == "__main__":
    main()
