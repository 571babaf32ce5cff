"""Runs exported gated cells in PyTorch (float64, eager and TorchScript): forward and autograd.

Reads a JSON list of cases from argv[1], writes a JSON list of results to argv[2]. Each case:
module (path of the exported .py), params {gated name: {shape, data}}, x [T,B,I] flat, T, B,
initial {state: flat [B,n]}, lengths (list or null), R (cotangent of output, flat),
Rf {state: flat}. Loss = sum(output * R) + sum_s sum(final_s * Rf_s). One process for all cases.
"""
import importlib.util
import json
import math
import sys

import torch


def load(path, idx):
    spec = importlib.util.spec_from_file_location("gated_export_%d" % idx, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def flat(t):
    """Values as a list; NaN and infinities become null (JSON has neither), which the test reports."""
    return [v if math.isfinite(v) else None for v in t.detach().reshape(-1).tolist()]


def run(mod, layer, case, T, B, I):
    x = torch.tensor(case["x"], dtype=torch.float64).reshape(T, B, I).requires_grad_(True)
    init = {
        s: torch.tensor(v, dtype=torch.float64).reshape(B, -1).requires_grad_(True)
        for s, v in case["initial"].items()
    }
    lengths = None if case["lengths"] is None else torch.tensor(case["lengths"], dtype=torch.int64)
    for p in layer.parameters():
        p.grad = None
    out, final = layer(x, dict(init), lengths)
    loss = (out * torch.tensor(case["R"], dtype=torch.float64).reshape(out.shape)).sum()
    for s, v in case["Rf"].items():
        loss = loss + (final[s] * torch.tensor(v, dtype=torch.float64).reshape(final[s].shape)).sum()
    loss.backward()
    names = mod.GATED_NAMES
    cell = layer.cell
    grads = {}
    for attr, p in cell.named_parameters():
        grads[names[attr]] = flat(p.grad) if p.grad is not None else [0.0] * p.numel()
    return {
        "output": flat(out),
        "final": {s: flat(v) for s, v in final.items()},
        "grads": grads,
        "x": flat(x.grad) if x.grad is not None else [0.0] * x.numel(),
        "initial": {s: flat(v.grad) if v.grad is not None else [0.0] * v.numel() for s, v in init.items()},
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    results = []
    for idx, case in enumerate(cases):
        try:
            mod = load(case["module"], idx)
            layer = mod.Layer().double()
            tensors = {
                k: torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"]) for k, v in case["params"].items()
            }
            mod.load_gated_state_dict(layer, tensors)
            if case.get("weights_file"):
                # gated's file → a fresh Layer → save_gated_safetensors: names and values round-trip
                fresh = mod.Layer().double()
                mod.load_gated_safetensors(fresh, case["weights_file"])
                mod.save_gated_safetensors(fresh, case["save_to"])
            T, B, I = case["T"], case["B"], mod.INPUT_SIZE
            eager = run(mod, layer, case, T, B, I)
            scripted = run(mod, torch.jit.script(layer), case, T, B, I)
            results.append({"eager": eager, "script": scripted})
        except Exception as e:  # reported per case, so one bad export names itself
            results.append({"error": "%s: %s" % (type(e).__name__, e)})
    with open(sys.argv[2], "w") as f:
        json.dump(results, f)


main()
