"""ember.cuda: there is no GPU here, and code that asks gets a straight answer.

Scripts written for torch commonly ask ``torch.cuda.is_available()`` and seed the GPU's
generator unconditionally; both work under ember (the answer is False, the seeding does
nothing, as in a CPU-only torch build).
"""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Seeds the (absent) GPU generators: nothing to do, as in a CPU-only torch."""


manual_seed_all = manual_seed
