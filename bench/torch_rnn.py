"""PyTorch CPU contender of the benchmark (bench/torch.ts drives it): torch.nn.LSTM / GRU,
forward and forward+backward (loss = sum of outputs, gradients of the parameters and of x),
float32 or float64, one thread.

  python3 torch_rnn.py --probe          prints one JSON line: version, BLAS, sgemm GFLOP/s
  python3 torch_rnn.py --serve REQ RES  reads commands from the FIFO REQ, answers on RES:
      setup <cell> <B> <T> <I> <H> <dtype>   -> {"ok": true}
      run <fwd|fwd+bwd> [K]                  -> {"cpu": ms, "wall": ms, "runs": K}
      quit

run times K runs back to back (default 1) in one timed region and answers the totals (this
process's CPU time, time.process_time, and wall time; the caller divides by K): the gradients
are cleared (set to None) before each run, the first time before the clocks start, the other
K - 1 times inside the timed region, between runs (a few attribute writes: the old gradients
are kept alive until the clocks stop). Every tensor of the K runs (outputs, graphs, gradients)
is freed after the clocks stop, outside the timed region, as with one run per sample before.

Threads: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 (set by the caller, and again here before
torch loads) and torch.set_num_threads(1).
"""
import json
import os
import sys
import time

for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(v, "1")

import torch  # noqa: E402

torch.set_num_threads(1)


def blas():
    """Which BLAS serves torch's sgemm: the build config, else the shared library mapped in."""
    cfg = torch.__config__.show()
    a = torch.randn(64, 64)
    (a @ a).sum().item()
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if "blas" in p.lower() or "mkl" in p.lower():
                    libs.add(os.path.basename(p))
    except OSError:
        pass
    openblas = "openblas" in cfg.lower() or any("openblas" in l.lower() for l in libs)
    return {"openblas": openblas, "libraries": sorted(libs)}


def sgemm_gflops():
    a, b = torch.randn(512, 512), torch.randn(512, 512)
    for _ in range(3):
        a @ b
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 0.3:
        a @ b
        n += 1
    return 2 * 512**3 * n / (time.perf_counter() - t0) / 1e9


class Job:
    def __init__(self, cell, B, T, I, H, dtype):
        torch.manual_seed(1)
        dt = torch.float32 if dtype == "float32" else torch.float64
        mod = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
        self.m = mod(I, H).to(dt)
        self.x = (torch.rand(T, B, I, dtype=dt) * 2 - 1).requires_grad_(True)

    def clear(self, kept):
        """Sets the gradients to None; `kept` holds the old ones until the clocks stop."""
        for t in (*self.m.parameters(), self.x):
            kept.append(t.grad)
            t.grad = None

    def run(self, mode, k=1):
        """k runs back to back, timed as one: total CPU and wall ms."""
        if mode not in ("fwd", "fwd+bwd") or k < 1:
            raise ValueError(f"run {mode} {k}")
        kept = []  # each run's output and gradients: freed after the clocks stop, as with k = 1
        self.clear(kept)
        c0, t0 = time.process_time(), time.perf_counter()
        for i in range(k):
            if i:
                self.clear(kept)
            out, _ = self.m(self.x)
            kept.append(out)
            if mode == "fwd+bwd":
                out.sum().backward()
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        del kept[:]
        return {"cpu": cpu * 1e3, "wall": wall * 1e3, "runs": k}


def serve(req_path, res_path):
    req = open(req_path, "r")
    res = open(res_path, "w")
    job = None
    for line in req:
        cmd = line.split()
        if not cmd:
            continue
        try:
            if cmd[0] == "quit":
                break
            if cmd[0] == "setup":
                job = Job(cmd[1], *map(int, cmd[2:6]), cmd[6])
                out = {"ok": True}
            elif cmd[0] == "run":
                out = job.run(cmd[1], *map(int, cmd[2:3]))
            else:
                out = {"error": "unknown command " + cmd[0]}
        except Exception as e:  # reported to the caller, which fails the row
            out = {"error": repr(e)}
        res.write(json.dumps(out) + "\n")
        res.flush()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        info = {"version": torch.__version__, "threads": torch.get_num_threads(), **blas()}
        info["sgemmGflops"] = round(sgemm_gflops(), 2)
        print(json.dumps(info))
    elif sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: torch_rnn.py --probe | --serve REQ RES")
