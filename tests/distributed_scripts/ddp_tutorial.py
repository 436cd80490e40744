"""PyTorch's DDP tutorial (tutorials/intermediate_source/ddp_tutorial, the torchrun version) on the
CPU: plain torch code, run by tests/test_distributed.py through ember.run (ember as torch)."""
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.optim as optim
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


class ToyModel(nn.Module):
    def __init__(self):
        super(ToyModel, self).__init__()
        self.net1 = nn.Linear(10, 10)
        self.relu = nn.ReLU()
        self.net2 = nn.Linear(10, 5)

    def forward(self, x):
        return self.net2(self.relu(self.net1(x)))


def demo_basic():
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    print(f"Start running basic DDP example on rank {rank}.")
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(64, 10), torch.randn(64, 5))
    sampler = DistributedSampler(data)
    loader = DataLoader(data, batch_size=8, sampler=sampler)
    model = ToyModel()
    ddp_model = DDP(model)
    loss_fn = nn.MSELoss()
    optimizer = optim.SGD(ddp_model.parameters(), lr=0.01)
    for epoch in range(2):
        sampler.set_epoch(epoch)
        for inputs, labels in loader:
            optimizer.zero_grad()
            loss_fn(ddp_model(inputs), labels).backward()
            optimizer.step()
    checksum = sum(p.sum() for p in model.parameters()).item()
    sums = [None] * dist.get_world_size()
    dist.all_gather_object(sums, checksum)
    assert len(set(sums)) == 1, sums
    dist.destroy_process_group()
    print(f"Finished running basic DDP example on rank {rank}; parameter sum {checksum:.6f}.")


if __name__ == "__main__":
    demo_basic()
