"""The functions of ``gradlab.tensor``: one place that gathers every op
module's public builders (the operators on variables call through here).

The elementwise functions (``def exp`` …) are in ``math.py``; each op module
defines its own builders next to its ops.
"""
from __future__ import annotations

from typing import Any, Optional  # noqa: F401  (gradlab.tensor has always re-exported these names)

import numpy as np  # noqa: F401

from gradlab.tensor.math import *  # noqa: F401,F403
from gradlab.tensor.elemwise import Elemwise, cast_op, elemwise_op  # noqa: F401
from gradlab.tensor.scalar_ops import TABLE  # noqa: F401
from gradlab.tensor.variable import as_tensor_variable, constant  # noqa: F401
from gradlab.tensor.shape_ops import *  # noqa: F401,F403
from gradlab.tensor.dimshuffle_ops import *  # noqa: F401,F403
from gradlab.tensor.alloc_ops import *  # noqa: F401,F403
from gradlab.tensor.join_ops import *  # noqa: F401,F403
from gradlab.tensor.reduce import *  # noqa: F401,F403
from gradlab.tensor.linalg import *  # noqa: F401,F403
from gradlab.tensor.subtensor import *  # noqa: F401,F403
from gradlab.tensor.advanced_subtensor import *  # noqa: F401,F403
from gradlab.tensor.nnet import *  # noqa: F401,F403
