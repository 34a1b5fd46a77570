"""torch.nn.functional: the stateless forms of the layers, lowered to IR ops. (No __all__: a
star import exports every public function, the losses included.)"""
# ruff: noqa: I001  (the losses' import stays last: their module is owned separately)

from __future__ import annotations

from ._functional_activation import *
from ._functional_attention import *
from ._functional_conv import *
from ._functional_misc import *
from ._functional_norm import *
from ._functional_pool import *
from ._functional_spatial import *

from ._functional_loss import *
