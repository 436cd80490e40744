"""The cubic fit with ember.nn: the model is Linear(3, 1) over the features (x, x^2, x^3).

nn.Sequential, nn.Linear, nn.Flatten and nn.MSELoss do the work; the update is still written
by hand over model.parameters().
"""
import math

import ember as torch


def main(steps=2000, learning_rate=1e-6, verbose=True):
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    powers = torch.tensor([1, 2, 3])
    features = x.unsqueeze(-1).pow(powers)  # (2000, 3)

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    for step in range(steps):
        loss = loss_fn(model(features), y)
        if verbose and step % 500 == 499:
            print(step, round(loss.item(), 2))
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for parameter in model.parameters():
                parameter -= learning_rate * parameter.grad
    linear = model[0]
    if verbose:
        print(f"Result: y = {linear.bias.item():.4f} + {linear.weight[:, 0].item():.4f} x + "
              f"{linear.weight[:, 1].item():.4f} x^2 + {linear.weight[:, 2].item():.4f} x^3")
    return loss.item()


if __name__ == "__main__":
    print(f"final loss: {main():.6g}")
