"""Run by tests/test_distributed.py: rank 1 raises while the others wait in a collective."""
import ember as torch
import ember.distributed as dist

dist.init_process_group("gloo")
if dist.get_rank() == 1:
    raise ValueError("rank 1 fails on purpose")
dist.all_reduce(torch.ones(3))  # never completes: rank 1 is gone; the launcher must end this rank
print("unreachable: the all_reduce completed without rank 1")
