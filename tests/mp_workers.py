"""Functions the multiprocessing tests run in child processes (importable, and importing only ember)."""
import ember


def add_one(rank, tensor, queue):
    tensor.add_(1)  # shared: the parent sees it
    queue.put((rank, ember.full((2,), float(rank)), tensor.sum().item()))

def fail(rank):
    if rank == 1:
        raise ValueError("rank one fails")

def exit_code(rank):
    import os
    if rank == 0:
        os._exit(3)

def train(rank, model):
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    x = ember.ones(4, 2)
    for _ in range(5):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
