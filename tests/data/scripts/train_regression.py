"""A small PyTorch training script, as a tutorial would write it (run unmodified by tests/test_run.py)."""
import argparse
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from regression_data import make_points  # a sibling module: the script's folder is on sys.path
from torch import optim
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(1, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default="weights.pt")
    args = parser.parse_args()
    print("argv", sys.argv[1:])
    if int(torch.__version__.split(".")[0]) >= 2:
        print("modern torch")
    x, y = make_points(32)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=False)
    model = Net()
    with torch.no_grad():  # fixed weights, so ember and torch print the same numbers
        for index, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (index + 1) / 4)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(args.epochs):
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
        print(f"epoch {epoch} loss {total / len(loader):.4f}")
    torch.save(model.state_dict(), args.out)  # relative to the working directory
    state = torch.load(args.out)
    print(sorted(state), tuple(state["hidden.weight"].shape))
    return 0 if total < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
