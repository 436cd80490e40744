"""Run by tests/test_distributed.py on N ranks: DDP training gives one process's full-batch result.

Every rank also trains, by itself, a plain copy of the model on the whole batch (what one
process would do); after each step the DDP replica must hold the same parameters. Covered
along the way: rank 0's parameters and buffers broadcast at construction (each rank seeds
differently), several gradient buckets, no_sync() gradient accumulation, a DistributedSampler
shard per rank, and find_unused_parameters with a branch some steps do not use.
"""
import copy
import sys

import numpy as np

import ember as torch
import ember.distributed as dist
from ember import nn
from ember.nn.parallel import DistributedDataParallel as DDP
from ember.utils.data import DataLoader, DistributedSampler, TensorDataset

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
assert world == int(sys.argv[1]), (world, sys.argv)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh())
        self.head = nn.Linear(16, 3)
        self.spare = nn.Linear(16, 3)  # with find_unused_parameters, used on odd steps only
        self.register_buffer("marker", torch.full((2,), float(rank)))

    def forward(self, x, use_spare=False):
        h = self.body(x)
        return self.head(h) + (self.spare(h) if use_spare else 0)


def close(a, b):
    return np.allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


generator = np.random.default_rng(0)  # the same data on every rank
data = TensorDataset(torch.tensor(generator.normal(size=(48, 5)), dtype=torch.float32),
                     torch.tensor(generator.normal(size=(48, 3)), dtype=torch.float32))
per_rank_batch = 12 // world  # a global batch of 12, split over the ranks
loss_fn = nn.MSELoss()

for find_unused in (False, True):
    torch.manual_seed(100 + rank)  # different on purpose: DDP must broadcast rank 0's
    model = Net()
    started_before_last_gradient = []
    first_weight = model.body[0].weight  # the parameter backward reaches last; this hook runs before DDP's

    def note_started_buckets(param):
        buckets = ddp._buckets if ddp._armed and ddp.require_backward_grad_sync else []
        started_before_last_gradient.append(sum(b.request is not None for b in buckets))
    first_weight.register_post_accumulate_grad_hook(note_started_buckets)
    reference = copy.deepcopy(model)  # trained alone on the full batch, from rank 0's parameters:
    ddp = DDP(model, bucket_cap_mb=0.0005, find_unused_parameters=find_unused)  # 0.0005 MiB: several buckets
    assert ddp.module is model
    assert len(ddp._bucket_indices) > 1
    assert close(model.marker, torch.zeros(2)), model.marker  # rank 0's buffer
    with torch.no_grad():
        for p, q in zip(model.parameters(), reference.parameters()):
            q.copy_(p)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    samplers = [DistributedSampler(data, num_replicas=world, rank=r, shuffle=True, seed=7) for r in range(world)]
    mine = DistributedSampler(data, shuffle=True, seed=7)
    assert (mine.num_replicas, mine.rank) == (world, rank)
    step = 0
    for epoch in range(2):
        for s in samplers + [mine]:
            s.set_epoch(epoch)
        shards = [list(s) for s in samplers]
        assert list(mine) == shards[rank]
        loader = DataLoader(data, batch_size=per_rank_batch, sampler=mine)
        for batch_number, (x, y) in enumerate(loader):
            use_spare = step % 2 == 1 if find_unused else True  # without detection every parameter is used
            every = [shard[batch_number * per_rank_batch:(batch_number + 1) * per_rank_batch] for shard in shards]
            full = [i for part in every for i in part]
            xs, ys = data.tensors[0][full], data.tensors[1][full]
            opt.zero_grad()
            ref_opt.zero_grad()
            if step % 3 == 2:  # gradient accumulation: half the batch without communicating, then the rest
                half = per_rank_batch // 2
                with ddp.no_sync():
                    (loss_fn(ddp(x[:half], use_spare), y[:half]) / 2).backward()
                (loss_fn(ddp(x[half:], use_spare), y[half:]) / 2).backward()
                first = [i for part in every for i in part[:half]]
                second = [i for part in every for i in part[half:]]
                for part in (first, second):
                    (loss_fn(reference(data.tensors[0][part], use_spare), data.tensors[1][part]) / 2).backward()
            else:
                loss_fn(ddp(x, use_spare), y).backward()
                loss_fn(reference(xs, use_spare), ys).backward()
            if find_unused and not use_spare:
                assert model.spare.weight.grad is None or step > 1, "a globally unused parameter got a gradient"
            for (name, p), q in zip(model.named_parameters(), reference.parameters()):
                assert (p.grad is None) == (q.grad is None), (name, step)
                assert p.grad is None or close(p.grad, q.grad), (name, step, p.grad, q.grad)
            opt.step()
            ref_opt.step()
            step += 1
    for p, q in zip(model.parameters(), reference.parameters()):
        assert close(p, q), (p, q)
    # the all-reduce of the later layers' buckets had started while backward was still running
    assert max(started_before_last_gradient) == len(ddp._bucket_indices) - 1, started_before_last_gradient
    gathered = [torch.zeros_like(model.head.weight) for _ in range(world)]
    dist.all_gather(gathered, model.head.weight.detach())
    assert all(torch.equal(g, gathered[0]) for g in gathered)  # bitwise the same replica everywhere
# a parameter without a gradient and no find_unused_parameters: the next forward says so, as torch
ddp = DDP(Net())
ddp(data.tensors[0][:4]).sum().backward()  # `spare` is not used
try:
    ddp(data.tensors[0][:4])
    raise AssertionError("an unfinished reduction went unnoticed")
except RuntimeError as error:
    assert "Expected to have finished reduction in the prior iteration" in str(error) and "spare.weight" in str(error)
print(f"rank {rank}: ddp matches one process after {step} steps")
dist.destroy_process_group()
