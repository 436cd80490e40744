"""The cubic fit with an optimiser: RMSprop from ember.optim replaces the hand-written update."""
import math

import ember as torch


def main(steps=2000, learning_rate=1e-3, verbose=True):
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    features = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    for step in range(steps):
        loss = loss_fn(model(features), y)
        if verbose and step % 500 == 499:
            print(step, round(loss.item(), 2))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


if __name__ == "__main__":
    print(f"final loss: {main():.6g}")
