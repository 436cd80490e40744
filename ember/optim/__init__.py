"""ember.optim: torch.optim's optimizers and learning-rate schedulers, written with ember ops."""
from . import lr_scheduler  # noqa: F401
from .adam import Adam, AdamW
from .adaptive import Adadelta, Adagrad, Adamax, RMSprop
from .lbfgs import LBFGS
from .nadam import NAdam, RAdam
from .optimizer import Optimizer, register_optimizer_step_post_hook, register_optimizer_step_pre_hook  # noqa: F401
from .sgd import SGD

__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "NAdam", "Optimizer", "RAdam", "RMSprop", "SGD",
           "lr_scheduler"]
