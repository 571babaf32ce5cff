"""Writes ONNX models of torch.nn.LSTM / torch.nn.GRU (one layer, ONNX's own LSTM/GRU ops) with
given weights, for the inference benchmark: reads one JSON job from stdin
  {"kind": "lstm"|"gru", "I": .., "H": .., "T": .., "B": .., "out": path,
   "state": {"weight_ih_l0": [...], ...}, "x": [...]}
and prints {"output": [...]} (torch's own output on x, float32) so the harness can check that
gated, onnxruntime-node and onnxruntime-web agree before timing them.
Debian: apt-get install python3-torch (torch.onnx needs no other package).
"""
import json
import sys
import warnings

import torch

warnings.filterwarnings("ignore")
job = json.load(sys.stdin)
I, H, T, B = job["I"], job["H"], job["T"], job["B"]
cls = torch.nn.LSTM if job["kind"] == "lstm" else torch.nn.GRU
m = cls(I, H)
with torch.no_grad():
    for name, p in m.named_parameters():
        p.copy_(torch.tensor(job["state"][name], dtype=torch.float32).reshape(p.shape))
x = torch.tensor(job["x"], dtype=torch.float32).reshape(T, B, I)
h0 = torch.zeros(1, B, H)
args = (x, (h0, torch.zeros(1, B, H))) if job["kind"] == "lstm" else (x, h0)
names = ["x", "h0", "c0"] if job["kind"] == "lstm" else ["x", "h0"]
torch.onnx.export(m, args, job["out"], input_names=names, output_names=["y"], opset_version=17)
with torch.no_grad():
    y = m(*args)[0]
print(json.dumps({"output": y.reshape(-1).tolist()}))
