"""ember.nn.functional: the stateless forms of the layers, activations and losses (torch.nn.functional).

Each area lives in its own private module and is star-imported here.
"""
from ._activation import *  # noqa: F401,F403
from ._linear import *  # noqa: F401,F403
from ._loss import *  # noqa: F401,F403
from ._attention import *  # noqa: F401,F403
from ._conv import *  # noqa: F401,F403
from ._misc import *  # noqa: F401,F403
from ._norm import *  # noqa: F401,F403
from ._pooling import *  # noqa: F401,F403
from ._vision import *  # noqa: F401,F403
from ._loss_margin import *  # noqa: F401,F403
from ._activation_extra import *  # noqa: F401,F403
from ._volumetric import *  # noqa: F401,F403
from ._pooling_extra import *  # noqa: F401,F403
from ._embedding_bag import *  # noqa: F401,F403
