"""One rank of bench/distributed.py (started by its launcher): W4 data-parallel steps, then allreduce
bandwidth. argv: framework (ember | torch), steps. Rank 0 prints one JSON line per measurement."""
import json
import sys
import time

import numpy as np

framework, steps = sys.argv[1], int(sys.argv[2])
if framework == "ember":
    import ember as torch
else:
    import torch
    torch.set_num_threads(1)
from bench.workloads import MLP_LARGE, data, labels, mlp  # noqa: E402

dist = torch.distributed
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
DDP = torch.nn.parallel.DistributedDataParallel


def report(**row):
    if rank == 0:
        print("BENCH " + json.dumps(dict(framework=framework, world=world, **row)), flush=True)


# W4 with the global batch of 256 split over the ranks (what data parallelism promises to speed up)
(x,) = data((256, 784), seed=2)
y = labels(256, 10)
share = slice(rank * 256 // world, (rank + 1) * 256 // world)
x, y = torch.tensor(x[share]), torch.tensor(y[share])
model = DDP(mlp(torch, MLP_LARGE))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)


def step():
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


for _ in range(2):
    step()
dist.barrier()
start = time.perf_counter()
for _ in range(steps):
    step()
dist.barrier()
report(kind="W4", ms_per_step=(time.perf_counter() - start) / steps * 1e3)

if world > 1:  # allreduce of float32 buffers: algorithm bandwidth (bytes / time) and bus bandwidth
    for size in (1 << 10, 1 << 16, 1 << 20, 1 << 24):
        buffer = torch.tensor(np.ones(size // 4, np.float32))
        repeats = max(3, min(200, (1 << 26) // size))
        dist.all_reduce(buffer)
        dist.barrier()
        start = time.perf_counter()
        for _ in range(repeats):
            dist.all_reduce(buffer)
        seconds = (time.perf_counter() - start) / repeats
        report(kind="allreduce", bytes=size, us=seconds * 1e6, algbw_gbs=size / seconds / 1e9,
               busbw_gbs=size / seconds / 1e9 * 2 * (world - 1) / world)
dist.destroy_process_group()
