"""A model trained in PyTorch, continued in ember, handed back to PyTorch: checkpoints cross over.

1. torch trains a small classifier on three noisy rings and saves its state_dict and its Adam state
   with torch.save (torch's zip format).
2. ember loads that file with ember.load (a data-only reader: the file cannot run code), puts it into
   the same architecture built with ember.nn, and evaluates it: the same predictions as torch, logits
   equal to float32 rounding.
3. ember fine-tunes the model (resuming torch's Adam state) on rings that grew by 40%, where the torch
   model does worse, and saves the result with ember.save.
4. torch loads ember's file with torch.load(weights_only=True) and gets ember's predictions exactly.

Needs torch installed (pip install torch); everything else is made in code, in a temporary folder.
"""
import os
import tempfile

import numpy as np
import torch

import ember


def rings(count, scale, seed):
    """Points on rings of radius 1, 2 and 3 (times `scale`); the ring is the class."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, count)
    angle = rng.uniform(0, 2 * np.pi, count)
    radius = scale * (labels + 1) + 0.12 * rng.standard_normal(count)
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1).astype(np.float32)
    return points, labels.astype(np.int64)


def build(nn):
    """The same architecture in torch.nn or ember.nn (the module paths are the same)."""
    return nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))


def train(lib, model, optimizer, points, labels, steps):
    x, y = lib.tensor(points), lib.tensor(labels)
    for _ in range(steps):
        optimizer.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def logits_of(lib, model, points):
    with lib.no_grad():
        return model(lib.tensor(points)).numpy()


def accuracy(logits, labels):
    return float((logits.argmax(axis=1) == labels).mean())


def main():
    train_points, train_labels = rings(600, 1.0, seed=0)
    test_points, test_labels = rings(300, 1.0, seed=1)
    grown_points, grown_labels = rings(600, 1.4, seed=2)
    grown_test_points, grown_test_labels = rings(300, 1.4, seed=3)
    folder = tempfile.mkdtemp()

    # 1. torch trains and saves
    torch.manual_seed(0)
    theirs = build(torch.nn)
    torch_optimizer = torch.optim.Adam(theirs.parameters(), lr=0.01)
    train(torch, theirs, torch_optimizer, train_points, train_labels, steps=300)
    torch_path = os.path.join(folder, "trained_in_torch.pt")
    torch.save({"model": theirs.state_dict(), "optimizer": torch_optimizer.state_dict()}, torch_path)
    torch_logits = logits_of(torch, theirs, test_points)
    print(f"torch: test accuracy {accuracy(torch_logits, test_labels):.3f}")

    # 2. ember loads and evaluates
    checkpoint = ember.load(torch_path, weights_only=True)
    ours = build(ember.nn)
    ours.load_state_dict(checkpoint["model"])
    ember_logits = logits_of(ember, ours, test_points)
    print(f"ember: test accuracy {accuracy(ember_logits, test_labels):.3f}")
    print(f"same predictions as torch: {bool((ember_logits.argmax(1) == torch_logits.argmax(1)).all())}")
    print(f"largest logit difference: {np.abs(ember_logits - torch_logits).max():.2e}")

    # 3. ember fine-tunes on the grown rings, resuming torch's optimizer state
    before = accuracy(logits_of(ember, ours, grown_test_points), grown_test_labels)
    ember_optimizer = ember.optim.Adam(ours.parameters(), lr=0.01)
    ember_optimizer.load_state_dict(checkpoint["optimizer"])
    train(ember, ours, ember_optimizer, grown_points, grown_labels, steps=150)
    after_logits = logits_of(ember, ours, grown_test_points)
    print(f"grown rings: accuracy {before:.3f} before fine-tuning, {accuracy(after_logits, grown_test_labels):.3f} "
          "after")
    ember_path = os.path.join(folder, "fine_tuned_in_ember.pt")
    ember.save({"model": ours.state_dict(), "optimizer": ember_optimizer.state_dict()}, ember_path)

    # 4. torch loads ember's checkpoint
    back = build(torch.nn)
    back.load_state_dict(torch.load(ember_path, weights_only=True)["model"])
    back_logits = logits_of(torch, back, grown_test_points)
    same = bool((back_logits.argmax(1) == after_logits.argmax(1)).all())
    print(f"torch reads ember's file, same predictions: {same}")
    print(f"largest logit difference after the round trip: {np.abs(back_logits - after_logits).max():.2e}")


if __name__ == "__main__":
    main()
