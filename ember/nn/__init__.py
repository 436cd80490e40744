"""ember.nn: modules, parameters, functional forms and initialisers, with torch.nn's paths."""
from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from .parameter import Buffer, Parameter  # noqa: F401
# (a plain `from . import attention` would keep modules/attention.py, which the star import brought in)
from .attention import SDPBackend as _SDPBackend  # noqa: F401,E402  binds ember.nn.attention
from . import parallel  # noqa: F401,E402  (DistributedDataParallel needs Module)
from .parallel import DataParallel  # noqa: F401,E402
