"""Run by tests/test_distributed.py on 3 ranks: every collective and ReduceOp against NumPy.

Each rank's input is drawn from a generator seeded by its rank, so every rank can draw all
ranks' inputs too and compute with NumPy what the collective must give.
"""
import numpy as np

import ember as torch
import ember.distributed as dist
from ember.distributed import ReduceOp

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and dist.get_backend() == "mpi"


def inputs(r, dtype, shape=(2, 3)):
    values = np.random.default_rng(r).normal(size=shape) * 3
    if dtype == np.bool_:
        return values > 0
    if np.dtype(dtype).kind in "iu":
        return np.round(values).astype(dtype)
    if np.dtype(dtype).kind == "c":
        return (values + 1j * values[::-1]).astype(dtype)
    return values.astype(dtype)


every = {dtype: [inputs(r, dtype) for r in range(world)] for dtype in
         (np.float32, np.float64, np.float16, np.int64, np.int32, np.bool_, np.complex64)}
NUMPY = {ReduceOp.SUM: np.sum, ReduceOp.PRODUCT: np.prod, ReduceOp.MIN: np.min, ReduceOp.MAX: np.max,
         ReduceOp.AVG: np.mean, ReduceOp.BAND: np.bitwise_and.reduce, ReduceOp.BOR: np.bitwise_or.reduce,
         ReduceOp.BXOR: np.bitwise_xor.reduce}
BOOL = {ReduceOp.SUM: np.any, ReduceOp.MAX: np.any, ReduceOp.BOR: np.any, ReduceOp.PRODUCT: np.all,
        ReduceOp.MIN: np.all, ReduceOp.BAND: np.all, ReduceOp.BXOR: lambda a, axis: np.logical_xor.reduce(a, axis)}


def expected(op, dtype):
    stacked = np.stack(every[dtype])
    if dtype == np.bool_:
        return BOOL[op](stacked, axis=0)
    if op is ReduceOp.AVG and np.dtype(dtype).kind in "iu":
        return np.trunc(stacked.sum(0) / world).astype(dtype)
    return NUMPY[op](stacked, axis=0).astype(dtype)


def check(tensor, want, what):
    got = tensor.numpy()
    assert got.dtype == np.asarray(want).dtype, (what, got.dtype, np.asarray(want).dtype)
    tol = 1e-2 if got.dtype == np.float16 else 1e-5
    assert np.allclose(got, want, rtol=tol, atol=tol), (what, got, want)


checked = 0
for dtype in every:
    kind = np.dtype(dtype).kind
    for op in NUMPY:
        if (kind == "c" and op not in (ReduceOp.SUM, ReduceOp.AVG)) or (kind == "b" and op is ReduceOp.AVG) or \
                (kind in "fc" and op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR)):
            continue
        t = torch.from_numpy(every[dtype][rank].copy())
        dist.all_reduce(t, op=op)
        check(t, expected(op, dtype), f"all_reduce {op} {dtype}")
        t = torch.from_numpy(every[dtype][rank].copy())
        dist.reduce(t, dst=1, op=op)
        check(t, expected(op, dtype) if rank == 1 else every[dtype][rank], f"reduce {op} {dtype}")
        checked += 2

# refusals, before any rank could start a collective: torch's error classes
for op, dtype, error in ((ReduceOp.MAX, np.complex64, ValueError), (ReduceOp.BAND, np.float32, RuntimeError)):
    try:
        dist.all_reduce(torch.from_numpy(every[dtype][rank].copy()), op=op)
        raise AssertionError(f"all_reduce {op} on {dtype} did not raise")
    except error:
        pass

# a non-contiguous tensor (a transpose) and a view: reduced in place, through its base
base = torch.from_numpy(every[np.float64][rank].copy())
view = base.t()
dist.all_reduce(view)
check(base, expected(ReduceOp.SUM, np.float64), "all_reduce of a transposed view")

# async: the handle's wait() completes it, and the result is there only then
t = torch.from_numpy(every[np.float32][rank].copy())
work = dist.all_reduce(t, op=ReduceOp.MAX, async_op=True)
assert work.wait() is True and work.is_completed()
check(t, expected(ReduceOp.MAX, np.float32), "async all_reduce")
assert work.result()[0] is t

t = torch.from_numpy(every[np.int64][rank].copy())
dist.broadcast(t, src=2)
check(t, every[np.int64][2], "broadcast")
t = torch.from_numpy(every[np.float32][rank].copy())
dist.broadcast(t, src=None, group_src=1, async_op=True).wait()
check(t, every[np.float32][1], "broadcast group_src")

out = [torch.zeros(2, 3) for _ in range(world)]
dist.all_gather(out, torch.from_numpy(every[np.float32][rank]))
for r in range(world):
    check(out[r], every[np.float32][r], "all_gather")
flat = torch.zeros(world * 2, 3, dtype=torch.float64)
dist.all_gather_into_tensor(flat, torch.from_numpy(every[np.float64][rank]))
check(flat, np.concatenate(every[np.float64]), "all_gather_into_tensor")

gathered = [torch.zeros(2, 3, dtype=torch.int32) for _ in range(world)] if rank == 0 else None
dist.gather(torch.from_numpy(every[np.int32][rank]), gathered, dst=0)
if rank == 0:
    for r in range(world):
        check(gathered[r], every[np.int32][r], "gather")

t = torch.zeros(2, 3, dtype=torch.float64)
pieces = [torch.from_numpy(every[np.float64][r] + 100) for r in range(world)] if rank == 1 else None
dist.scatter(t, pieces, src=1)
check(t, every[np.float64][rank] + 100, "scatter")

objects = [None] * world
dist.all_gather_object(objects, {"rank": rank, "text": "x" * rank})
assert objects == [{"rank": r, "text": "x" * r} for r in range(world)], objects
sent = [f"from {rank}", rank * 10, None]
dist.broadcast_object_list(sent, src=2)
assert sent == ["from 2", 20, None], sent

# a group of ranks 0 and 2: rank 1 is no member and takes no part
pair = dist.new_group([0, 2])
t = torch.from_numpy(every[np.float64][rank].copy())
result = dist.all_reduce(t, group=pair)
if rank in (0, 2):
    check(t, every[np.float64][0] + every[np.float64][2], "all_reduce in new_group")
    assert dist.get_world_size(pair) == 2 and dist.get_rank(pair) == rank // 2
    assert dist.get_process_group_ranks(pair) == [0, 2]
else:
    assert result is None and dist.get_rank(pair) == -1
    check(t, every[np.float64][1], "non-member left alone")

if rank == 0:
    dist.send(torch.from_numpy(every[np.float32][0]), dst=2)
elif rank == 2:
    t = torch.zeros(2, 3)
    assert dist.recv(t, src=0) == 0
    check(t, every[np.float32][0], "send/recv")

# bfloat16 (MPI has no such type): reduced in float32 and rounded (the order of MPI's sum may move the last bit)
values = [torch.tensor(every[np.float32][r]).bfloat16() for r in range(world)]
t = values[rank].clone()
dist.all_reduce(t)
want = sum(v.float() for v in values).bfloat16()
assert t.dtype is torch.bfloat16 and np.allclose(t.tolist(), want.tolist(), rtol=2 ** -7), ("all_reduce bfloat16", t)
t = values[rank].clone()
dist.broadcast(t, src=1)
assert t.dtype is torch.bfloat16 and t.tolist() == values[1].tolist(), "broadcast bfloat16"

dist.barrier()
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {rank}: {checked} reductions and every collective agree with NumPy")
