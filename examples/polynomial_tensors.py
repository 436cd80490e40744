"""Fit y = sin(x) on [-pi, pi] with a cubic, computing the gradients by hand.

The first of the classic "learning PyTorch with examples" steps, in ember: tensors only, no
autograd. The forward pass and the backward pass are both written out, so you can compare this
file with polynomial_autograd.py, where ember derives the backward pass for you.
"""
import math

import ember as torch


def main(steps=2000, learning_rate=1e-6, verbose=True):
    dtype = torch.float32
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)

    torch.manual_seed(0)
    a, b, c, d = (torch.randn((), dtype=dtype) for _ in range(4))
    for step in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        if verbose and step % 500 == 499:
            print(step, round(loss, 2))
        # d(loss)/d(y_pred) = 2 (y_pred - y); the chain rule through each term gives the rest.
        grad_y_pred = 2.0 * (y_pred - y)
        a -= learning_rate * grad_y_pred.sum()
        b -= learning_rate * (grad_y_pred * x).sum()
        c -= learning_rate * (grad_y_pred * x ** 2).sum()
        d -= learning_rate * (grad_y_pred * x ** 3).sum()
    if verbose:
        print(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")
    return loss


if __name__ == "__main__":
    print(f"final loss: {main():.6g}")
