"""Training steps/s of PyTorch CPU for bench/throughput.ts: the same model (embedding or dense
input -> LSTM, stacked / bidirectional -> pooling -> linear head -> loss) trained with Adam on
the very samples gated trains on, float32, at a given thread count.

    python3 torch_train.py JOB.json THREADS   ->  one JSON line {steps_per_s, steps, torch}
"""
import json
import sys
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Net(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s
        d = s["bidirectional"] and 2 or 1
        self.emb = nn.Embedding(s["vocab"], s["embed"]) if s["vocab"] else None
        width = s["embed"] if s["vocab"] else s["dense"]
        self.rnn = nn.LSTM(width, s["hidden"], num_layers=s["layers"], bidirectional=s["bidirectional"])
        self.head = nn.Linear(d * s["hidden"], s["outputs"])

    def forward(self, x, lengths):
        # x: [T, B, W] (dense) or [T, B] ids; time-major like gated
        if self.emb is not None:
            x = self.emb(x)
        packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out)  # [T, B, D*H], zeros past each length
        if self.s["pool"] == "last":
            idx = (lengths - 1).view(1, -1, 1).expand(1, out.shape[1], out.shape[2])
            pooled = out.gather(0, idx).squeeze(0)
        else:
            pooled = out.sum(0) / lengths.view(-1, 1).to(out.dtype)
        return self.head(pooled)


def batches(s):
    B, out = s["batch"], []
    samples = s["samples"]
    for i in range(0, len(samples) - B + 1, B):
        chunk = samples[i : i + B]
        if s["vocab"]:
            lens = [len(c["x"]) for c in chunk]
            T = max(lens)
            x = torch.zeros(T, B, dtype=torch.long)
            for b, c in enumerate(chunk):
                x[: lens[b], b] = torch.tensor(c["x"], dtype=torch.long)
        else:
            W = s["dense"]
            lens = [len(c["x"]) // W for c in chunk]
            T = max(lens)
            x = torch.zeros(T, B, W)
            for b, c in enumerate(chunk):
                x[: lens[b], b] = torch.tensor(c["x"], dtype=torch.float32).view(-1, W)
        if s["loss"] == "mse":
            y = torch.tensor([c["y"] for c in chunk], dtype=torch.float32).view(B, -1)
        else:
            y = torch.tensor([c["y"] if isinstance(c["y"], int) else c["y"][0] for c in chunk], dtype=torch.long)
        out.append((x, torch.tensor(lens), y))
    return out


def main():
    s = json.load(open(sys.argv[1]))
    torch.set_num_threads(int(sys.argv[2]))
    torch.manual_seed(0)
    net = Net(s)
    opt = torch.optim.Adam(net.parameters(), lr=s["lr"])
    loss_fn = nn.MSELoss() if s["loss"] == "mse" else nn.CrossEntropyLoss()
    data = batches(s)

    def step(i):
        x, lens, y = data[i % len(data)]
        opt.zero_grad()
        loss = loss_fn(net(x, lens), y)
        loss.backward()
        opt.step()

    for i in range(3):
        step(i)
    steps, t0 = 0, time.perf_counter()
    while steps < 5 or time.perf_counter() - t0 < s["budget_s"]:
        step(steps)
        steps += 1
    dt = time.perf_counter() - t0
    print(json.dumps({"steps_per_s": steps / dt, "steps": steps, "torch": torch.__version__}))


main()
