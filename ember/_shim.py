"""``import torch`` answered by ember: a meta-path finder that maps every ``torch.*`` module to ``ember.*``.

No files are copied and nothing is generated: ``import torch.nn.functional as F`` imports
``ember.nn.functional`` and registers that same module object as ``sys.modules["torch.nn.functional"]``,
so ``torch.nn.functional is ember.nn.functional``. Only the top-level ``torch`` is a separate module
object (a thin view of ``ember``), because ``torch.__version__`` must report the torch version
ember follows while ``ember.__version__`` stays ember's own.
"""
import importlib
import importlib.abc
import importlib.util
import re
import sys
import types

from ._missing import ModuleNotImplementedByEmber, module_getattr

TORCH_VERSION = "2.13.0"  # the torch release whose behaviour ember follows


class TorchVersion(str):
    """torch's version string: a ``str`` that also compares with version strings and tuples by release.

    ``TorchVersion("2.13.0") >= "2.1"`` and ``>= (1, 12)`` are True, as with torch's TorchVersion
    (which orders through the ``packaging`` package; here the release numbers decide, pre-release
    tags are ignored).
    """

    __slots__ = ()

    @staticmethod
    def _release(version):
        if isinstance(version, (tuple, list)):
            numbers = [int(part) for part in version]
        else:
            match = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(version))
            if match is None:
                return None
            numbers = [int(part) for part in match.group(1).split(".")]
        while len(numbers) > 1 and numbers[-1] == 0:  # 2.13 == 2.13.0
            numbers.pop()
        return tuple(numbers)

    def _compare(self, other, method):
        mine, theirs = self._release(self), self._release(other)
        if mine is None or theirs is None:
            return getattr(str, method)(self, other)
        return getattr(tuple, method)(mine, theirs)

    __lt__ = lambda self, other: self._compare(other, "__lt__")
    __le__ = lambda self, other: self._compare(other, "__le__")
    __gt__ = lambda self, other: self._compare(other, "__gt__")
    __ge__ = lambda self, other: self._compare(other, "__ge__")
    __eq__ = lambda self, other: self._compare(other, "__eq__")
    __hash__ = str.__hash__  # (and != stays str's, as in torch: "2.13.0" != "2.13" is True)


class _TorchModule(types.ModuleType):
    """The ``torch`` module under the shim: every attribute is ember's, except ``__version__``."""

    def __getattr__(self, name):
        return getattr(sys.modules["ember"], name)

    def __setattr__(self, name, value):  # torch.x = ... changes what ember.x is, as it would torch's
        if name.startswith("__"):
            super().__setattr__(name, value)
        else:
            setattr(sys.modules["ember"], name, value)

    def __dir__(self):
        return sorted(set(dir(sys.modules["ember"])) | {"__version__"})


def _torch_module():
    ember = sys.modules["ember"]
    torch = _TorchModule("torch", ember.__doc__)
    for name in ("__file__", "__path__", "__package__"):
        object.__setattr__(torch, name, getattr(ember, name))
    object.__setattr__(torch, "__package__", "torch")
    object.__setattr__(torch, "__version__", ember.__torch_version__)
    return torch


class _Alias(importlib.abc.Loader):
    """Loads a torch module name as an already-imported ember module (the same object)."""

    def __init__(self, module):
        self.module = module
        self.ember_spec = getattr(module, "__spec__", None)

    def create_module(self, spec):
        return self.module

    def get_code(self, fullname):
        """runpy's `-m torch.x.y` asks for the code to run as __main__: ember's module's own code."""
        loader = getattr(self.ember_spec, "loader", None)
        if loader is None or not hasattr(loader, "get_code"):
            raise ImportError(f"ember's {self.module.__name__} has no code that can run as a script")
        return loader.get_code(self.ember_spec.name)

    def exec_module(self, module):
        # The import system stamps the torch-named spec onto the module; ember's own relative
        # imports and importlib.reload need ember's spec back.
        if self.ember_spec is not None:
            module.__spec__ = self.ember_spec


class TorchFinder(importlib.abc.MetaPathFinder):
    """Finds ``torch`` and ``torch.<anything>`` as ember's modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        if fullname == "torch":
            module = _torch_module()
        else:
            module = _import_ember(fullname)
        return importlib.util.spec_from_loader(fullname, _Alias(module), is_package=hasattr(module, "__path__"))


def _import_ember(torch_name):
    ember_name = "ember" + torch_name[len("torch"):]
    try:
        module = importlib.import_module(ember_name)
    except ModuleNotImplementedByEmber as error:
        raise ModuleNotImplementedByEmber(error.name, name=ember_name) from None
    except ModuleNotFoundError as error:
        if error.name != ember_name and not ember_name.startswith(f"{error.name}."):
            raise  # something ember's module itself needs is missing (an optional extra): say that
        raise ModuleNotImplementedByEmber(error.name, name=ember_name) from None
    if "__getattr__" not in vars(module):  # a missing torch.nn.X says so, not a bare AttributeError
        module.__getattr__ = module_getattr(ember_name)
    return module


class MissingFinder(importlib.abc.MetaPathFinder):
    """Last on ``sys.meta_path``: an ``ember.*`` module nobody found is a torch name ember lacks.

    ``from torch.nn import X`` imports ``ember.nn.X`` (the package's own name) when ember.nn has no X;
    this turns the import system's silent skip into "ember does not implement torch.nn.X yet".
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("ember."):
            raise ModuleNotImplementedByEmber(fullname)
        return None


_FINDER, _MISSING = TorchFinder(), MissingFinder()


def install_as_torch():
    """Make ``import torch`` (and every ``torch.*`` submodule) resolve to ember in this process.

    For notebooks and programs that import torch after a line of setup; ``python -m ember.run
    script.py`` calls it before running the script. Returns the ``torch`` module (ember's view).
    Raises RuntimeError if the real torch is already imported here (restart and call this first).
    """
    existing = sys.modules.get("torch")
    if existing is not None and not isinstance(existing, _TorchModule):
        raise RuntimeError("torch is already imported in this process, so ember cannot stand in for it; call "
                           "ember.install_as_torch() before anything imports torch (restart the kernel first)")
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
        sys.meta_path.append(_MISSING)
    return importlib.import_module("torch")


def uninstall_as_torch():
    """Undo install_as_torch: drop the finder and every ``torch`` / ``torch.*`` entry it made."""
    for finder in (_FINDER, _MISSING):
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
    for name in [name for name, module in sys.modules.items() if name == "torch" or name.startswith("torch.")]:
        if isinstance(sys.modules[name], _TorchModule) or getattr(sys.modules[name], "__name__", "").startswith(
                "ember"):
            del sys.modules[name]
