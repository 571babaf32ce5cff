"""Trains a gated cell exported to PyTorch on the adding problem with torch.distributed.

Run through torchrun (one process per worker; gloo, CPU):

    torchrun --standalone --nproc_per_node 2 train_ddp.py --module cell.py --out DIR

Each rank draws its own batches; DistributedDataParallel averages the gradients, so every rank
holds the same parameters after every step. Rank 0 then writes, under DIR:
  trained.safetensors  the cell's parameters under gated's names (save_gated_safetensors)
  test.safetensors     a fixed test set (x [T, B, 2], y [B, 1]), the linear read-out
                       (readout.weight, readout.bias), the layer's output on x and the test loss,
                       which `gated import ... --check` recomputes in gated.
"""
import argparse
import importlib.util

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP


def adding_batch(T, B, gen):
    """The adding problem: values in [0, 1], two marked steps (one per half); target = their sum."""
    x = torch.zeros(T, B, 2, dtype=torch.float64)
    x[:, :, 0] = torch.rand(T, B, generator=gen, dtype=torch.float64)
    half = T // 2
    a = torch.randint(0, half, (B,), generator=gen)
    b = torch.randint(half, T, (B,), generator=gen)
    cols = torch.arange(B)
    x[a, cols, 1] = 1.0
    x[b, cols, 1] = 1.0
    y = (x[a, cols, 0] + x[b, cols, 0]).unsqueeze(1)
    return x, y


class Net(torch.nn.Module):
    def __init__(self, mod):
        super().__init__()
        self.layer = mod.Layer()
        self.readout = torch.nn.Linear(mod.OUTPUT_SIZE, 1)

    def forward(self, x):
        out, _ = self.layer(x, self.layer.initial_state(x.shape[1], x))
        return self.readout(out[-1]), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--module", required=True, help="the exported cell (gated export CELL --to pytorch)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--seq-len", type=int, default=20)
    ap.add_argument("--batch", type=int, default=32, help="per rank")
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.set_num_threads(1)
    spec = importlib.util.spec_from_file_location("cell", args.module)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    torch.manual_seed(args.seed)  # the same initial parameters on every rank
    net = Net(mod).double()
    model = DDP(net)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(1000 * args.seed + rank + 1)  # each rank its own data
    for step in range(args.steps):
        x, y = adding_batch(args.seq_len, args.batch, gen)
        pred, _ = model(x)
        loss = torch.mean((pred - y) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if rank == 0 and (step % 50 == 0 or step == args.steps - 1):
            print("step %d  train MSE %.5f  (%d ranks)" % (step, loss.item(), world), flush=True)

    # every rank must hold the same parameters (DDP averaged the gradients)
    flat = torch.cat([p.detach().reshape(-1) for p in net.parameters()])
    spread = flat.clone()
    dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    low = flat.clone()
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    if rank == 0:
        assert torch.equal(spread, low), "ranks disagree on the parameters"
        test_x, test_y = adding_batch(args.seq_len, 256, torch.Generator().manual_seed(12345))
        with torch.no_grad():
            pred, out = net(test_x)
            test_loss = torch.mean((pred - test_y) ** 2)
        mod.save_gated_safetensors(net.layer, "%s/trained.safetensors" % args.out)
        mod.write_safetensors(
            "%s/test.safetensors" % args.out,
            {
                "x": test_x,
                "y": test_y,
                "output": out,
                "readout.weight": net.readout.weight,
                "readout.bias": net.readout.bias,
                "loss": test_loss.reshape(1),
            },
        )
        print("test MSE (PyTorch) %.6f  (predicting the mean: 0.1667)" % test_loss.item(), flush=True)
    dist.destroy_process_group()


main()
