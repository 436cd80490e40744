"""The errors a torch name ember lacks raises, so a script stops with a sentence that says so.

``torch.X`` for a missing X raises :class:`NotImplementedByEmber`, an ``AttributeError`` (so
``hasattr(torch, "X")`` and ``getattr(torch, "X", default)`` keep working); ``import torch.x`` and
``from torch import X`` raise :class:`ModuleNotImplementedByEmber`, a ``ModuleNotFoundError``.
"""


def torch_name(ember_name):
    """'ember.nn.functional' -> 'torch.nn.functional' (the name the user's code spelled)."""
    return "torch" + ember_name[len("ember"):] if ember_name.split(".")[0] == "ember" else ember_name


def _message(torch_qualname):
    return (f"ember does not implement {torch_qualname} yet (docs/missing.md lists what is missing; "
            "issues and pull requests welcome)")


class NotImplementedByEmber(AttributeError):
    """A torch attribute ember does not have yet."""

    def __init__(self, module_name, attribute):
        super().__init__(_message(f"{torch_name(module_name)}.{attribute}"), name=attribute)


class ModuleNotImplementedByEmber(ModuleNotFoundError):
    """A torch module (or a name imported with ``from torch... import``) ember does not have yet.

    ``name`` is the other spelling of the module than the one imported (``ember.x`` for ``torch.x``
    and back): the import system swallows a ModuleNotFoundError whose name is the one a
    from-import asked for, and this error must reach the user.
    """

    def __init__(self, ember_name, name=None):
        super().__init__(_message(torch_name(ember_name)), name=name or torch_name(ember_name))


def module_getattr(module_name):
    """A module-level ``__getattr__`` that raises NotImplementedByEmber for names the module lacks."""
    def __getattr__(attribute):
        raise NotImplementedByEmber(module_name, attribute)
    return __getattr__
