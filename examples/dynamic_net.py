"""A dynamic graph: each forward pass uses a random number (0 to 3) of extra cubic terms.

The computation graph is rebuilt on every call, so ordinary Python control flow decides its
shape, and the same Parameter e is reused several times in one pass (its gradients add up).
"""
import math
import random

import ember as torch


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y


def main(steps=5000, learning_rate=1e-8, verbose=True):
    random.seed(0)
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9)
    for step in range(steps):
        loss = criterion(model(x), y)
        if verbose and step % 1000 == 999:
            print(step, round(loss.item(), 2))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


if __name__ == "__main__":
    print(f"final loss: {main():.6g}")
