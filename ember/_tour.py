"""The tour behind `python -m ember`: the seed tutorial, the graph as pictures, a narrated
backward pass, and a small neural network learning two spirals, all with `import ember as torch`.

Every chapter is a function, so the docs and the tests can run them one by one. Optional
extras make it nicer and are never required: graphviz (pictures through `dot`), rich
(colour), tqdm (progress bar), matplotlib (plots).
"""
import math
import os
import runpy
import sys
import time

import ember as torch
from ember import nn
from ember.autograd import explain
from ember.viz import draw_graph


def heading(title, stream):
    print(f"\n{'=' * 72}\n{title}\n{'=' * 72}", file=stream)


# -- chapter 1 ---------------------------------------------------------------------------------
def chapter_tutorial(stream=None):
    """The seed tutorial (PyTorch Part 2, autograd), printing exactly what torch prints."""
    runpy.run_module("ember._seed_tutorial", run_name="__main__")


# -- chapter 2 ---------------------------------------------------------------------------------
def chapter_graph(out_dir, stream=sys.stdout):
    """Draw z = x**2 + 2*x*y + y**2 before and after backward, then narrate that backward pass."""
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.tensor(3.0, requires_grad=True)
    z = x**2 + 2*x*y + y**2
    names = {"x": x, "y": y, "z": z}
    written = []
    before = draw_graph(z, params=names)
    written += [before.save(os.path.join(out_dir, "graph_before_backward.svg")),
                before.save(os.path.join(out_dir, "graph_before_backward.dot"))]
    print("z = x**2 + 2*x*y + y**2 with x = 2, y = 3. Its graph as autograd recorded it, in the order the forward "
          "pass ran (the picture draws the same order left to right, each arrow from an input to what uses it):",
          file=stream)
    for node in before.model.nodes:
        print(f"  {node.kind:6}  {' | '.join([node.title, *node.lines])}", file=stream)
    print("\nEach operation is named as torch names its grad_fn (PowBackward0 ...), with what it computed. "
          "`saved self: x, scalar`\nmeans it kept its input `self` (here x, a scalar: shape ()) for the backward "
          "pass, because its derivative needs\nit (d(x**2)/dx = 2*x); torch calls it grad_fn._saved_self. An "
          "addition saves nothing: its derivative is 1.", file=stream)
    print("\nNow backward, explained step by step (the backward pass walks the arrows right to left):\n",
          file=stream)
    explain(z, file=stream, names=names)
    after = draw_graph(z, params=names)
    written += [after.save(os.path.join(out_dir, "graph_after_backward.svg")),
                after.save(os.path.join(out_dir, "graph_after_backward.dot"))]
    print(f"\nx.grad = {x.grad}, y.grad = {y.grad}  (both 2x + 2y = 10). The saved tensors are freed now: the "
          "second picture says so.", file=stream)
    print("Pictures: " + ", ".join(written), file=stream)
    return written


# -- chapter 3 ---------------------------------------------------------------------------------
def two_spirals(points_per_class, noise=0.08, turns=1.75):
    """Two interleaved spirals in the plane: inputs (2N, 2) and labels (2N,) in {0, 1}."""
    index = torch.arange(2 * points_per_class)
    label = index % 2
    radius = (index // 2).float() / points_per_class * 0.9 + 0.1
    angle = radius * (turns * 2 * math.pi) + label.float() * math.pi
    first = radius * angle.cos() + noise * torch.randn(2 * points_per_class)
    second = radius * angle.sin() + noise * torch.randn(2 * points_per_class)
    return torch.stack([first, second], dim=1), label


def _progress(total, stream):
    """A live bar (tqdm, when installed) on a terminal; else a plain line every tenth of the way,
    which reads well in a log (tqdm would write hundreds of carriage-return updates into it)."""
    if getattr(stream, "isatty", lambda: False)():
        try:
            from tqdm import tqdm
            return tqdm(total=total, file=stream, ncols=88, desc="training")
        except ImportError:
            pass
    return _PlainProgress(total, stream)


class _PlainProgress:
    def __init__(self, total, stream):
        self.total, self.stream, self.done, self.text = total, stream, 0, ""

    def set_postfix_str(self, text):
        self.text = text

    def update(self, count=1):
        before = self.done * 10 // self.total
        self.done += count
        if self.done * 10 // self.total != before or self.done == self.total:
            filled = self.done * 20 // self.total
            print(f"  training [{'#' * filled}{'.' * (20 - filled)}] {self.done:5d}/{self.total}  {self.text}",
                  file=self.stream)

    def close(self):
        pass


def train_spirals(steps=2000, points_per_class=300, hidden=32, learning_rate=0.03, seed=0, stream=sys.stdout):
    """A 2-hidden-layer MLP (ReLU) trained on two spirals: nn.Sequential, F.cross_entropy and
    optim.Adam, the loop Part 3 of the tutorial series teaches. The learning rate follows a cosine
    from `learning_rate` down to 0 (lr_scheduler.CosineAnnealingLR): big steps while the loss is
    high, small ones at the end, so the loss settles at its lowest instead of jumping around it.

    Returns (model, history, inputs, labels) where history holds (step, loss, accuracy).
    """
    torch.manual_seed(seed)
    inputs, labels = two_spirals(points_per_class)
    model = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                          nn.Linear(hidden, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    history = []
    bar = _progress(steps, stream)
    for step in range(steps):
        logits = model(inputs)
        loss = nn.functional.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 10 == 0 or step == steps - 1:
            accuracy = accuracy_of(logits, labels)
            history.append((step, loss.item(), accuracy))
            bar.set_postfix_str(f"loss {loss.item():.3f}  accuracy {accuracy:.1%}")
        bar.update(1)
    bar.close()
    return model, history, inputs, labels


def describe_curve(history):
    """What the loss curve shows, in one sentence, from the recorded (step, loss, accuracy)."""
    losses = [loss for _, loss, _ in history]
    best = min(range(len(losses)), key=losses.__getitem__)
    rises = [later - earlier for earlier, later in zip(losses, losses[1:])]
    ending = ("it ends at its lowest" if best == len(losses) - 1 else
              f"its lowest was {losses[best]:.3f} at step {history[best][0]}, and it ends at {losses[-1]:.3f}")
    rise = max(rises + [0.0])
    bumps = ("it never goes up" if rise < 0.0005 else
             f"its biggest rise between two points ten steps apart is {rise:.3f}")
    return (f"The loss curve falls from {losses[0]:.3f} (guessing: ln 2 = 0.693) to {losses[-1]:.3f}; "
            f"{ending}, and {bumps}. Accuracy climbs from {history[0][2]:.0%} to {history[-1][2]:.1%}.")


def accuracy_of(logits, labels):
    predicted = (logits[:, 1] > logits[:, 0]).long()
    return (predicted == labels).float().mean().item()


def save_plots(model, history, inputs, labels, out_dir, stream=sys.stdout):
    """Loss curve and decision boundary as PNGs (needs matplotlib; otherwise one line says so)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed, so no plots: pip install matplotlib to get the loss curve and "
              "the decision boundary)", file=stream)
        return []
    steps, losses, accuracies = zip(*history)
    figure, axis = plt.subplots(figsize=(6, 4))
    axis.plot(steps, losses, label="loss")
    axis.plot(steps, accuracies, label="accuracy")
    axis.set_xlabel("step")
    axis.set_title("two spirals: loss falls, accuracy rises")
    axis.legend()
    loss_path = os.path.join(out_dir, "loss_curve.png")
    figure.savefig(loss_path, dpi=100, bbox_inches="tight")
    plt.close(figure)

    size = 120
    line = torch.linspace(-1.3, 1.3, size)
    grid_x = (torch.ones(size, 1) @ line.reshape(1, -1)).reshape(-1)
    grid_y = (line.reshape(-1, 1) @ torch.ones(1, size)).reshape(-1)
    with torch.no_grad():
        logits = model(torch.stack([grid_x, grid_y], dim=1))
    margin = (logits[:, 1] - logits[:, 0]).reshape(size, size).tolist()
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.contourf(line.tolist(), line.tolist(), margin, levels=[-1e9, 0, 1e9], colors=["#9ecae1", "#fdae6b"])
    points = inputs.tolist()
    colours = ["#08519c" if label == 0 else "#a63603" for label in labels.tolist()]
    axis.scatter([p[0] for p in points], [p[1] for p in points], c=colours, s=8)
    axis.set_title("two spirals: decision boundary")
    boundary_path = os.path.join(out_dir, "decision_boundary.png")
    figure.savefig(boundary_path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    print(f"Plots: {loss_path}, {boundary_path}", file=stream)
    return [loss_path, boundary_path]


def _one_blas_thread():
    """Matrices this small multiply fastest on one thread; BLAS threads waiting on a busy CPU can
    make each product take milliseconds. threadpoolctl (optional) pins them; without it, nothing."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def chapter_training(out_dir, quick=False, stream=sys.stdout):
    settings = dict(steps=300, points_per_class=100) if quick else dict(steps=2000, points_per_class=300)
    print(f"A multilayer perceptron 2 -> 32 -> 32 -> 2 (ReLU) learns to tell two spirals apart: "
          f"{2 * settings['points_per_class']} points, {settings['steps']} steps of Adam with a cosine learning-rate "
          "schedule, nn.Sequential + F.cross_entropy + optim.Adam.", file=stream)
    started = time.perf_counter()
    with _one_blas_thread():
        model, history, inputs, labels = train_spirals(stream=stream, **settings)
    seconds = time.perf_counter() - started
    step, loss, accuracy = history[-1]
    print(f"After {step + 1} steps ({seconds:.1f} s): loss {loss:.3f}, accuracy {accuracy:.1%}", file=stream)
    print(describe_curve(history), file=stream)
    return history, save_plots(model, history, inputs, labels, out_dir, stream)


def run(out_dir="ember-tour", quick=False, train=True, tutorial_only=False, stream=sys.stdout):
    if tutorial_only:
        chapter_tutorial()
        return
    os.makedirs(out_dir, exist_ok=True)
    heading("1. The autograd tutorial (PyTorch Part 2), run with `import ember as torch`", stream)
    stream.flush()
    chapter_tutorial()
    sys.stdout.flush()
    heading("2. The computation graph, drawn and explained", stream)
    chapter_graph(out_dir, stream)
    if train:
        heading("3. A small neural network: two spirals", stream)
        chapter_training(out_dir, quick, stream)
    print(f"\nThe tour's files are in {out_dir}/. Next: the docs' \"coming from PyTorch\" page, or "
          "ember.viz.draw_graph / ember.autograd.explain on your own code.", file=stream)
