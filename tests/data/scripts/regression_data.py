import torch


def make_points(n):
    x = torch.linspace(-2, 2, n).unsqueeze(1)
    return x, torch.sin(x)
