"""The cubic fit as a custom nn.Module: four Parameters and a forward method."""
import math

import ember as torch


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f"y = {self.a.item():.4f} + {self.b.item():.4f} x + {self.c.item():.4f} x^2 + {self.d.item():.4f} x^3"


def main(steps=2000, learning_rate=1e-6, verbose=True):
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    torch.manual_seed(0)
    model = Polynomial3()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    for step in range(steps):
        loss = criterion(model(x), y)
        if verbose and step % 500 == 499:
            print(step, round(loss.item(), 2))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if verbose:
        print(f"Result: {model.string()}")
    return loss.item()


if __name__ == "__main__":
    print(f"final loss: {main():.6g}")
