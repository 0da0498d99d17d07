"""``gradlab.tensor.special``: PyTensor's module path for the softmax family.

``pytensor.tensor.special.softmax(x, axis=-1)`` is :func:`gradlab.tensor.nnet.softmax`
(``exp(x - max x) / sum exp(x - max x)`` along ``axis``) and ``log_softmax`` its
logarithm (``x - logsumexp(x)``); the ops, their derivatives and their rewrites live in
:mod:`gradlab.tensor.nnet`, this module only gives them the path PyTensor 3.0 code imports.
"""
from gradlab.tensor.nnet import LogSoftmax, Softmax, log_softmax, softmax  # noqa: F401

__all__ = ["Softmax", "LogSoftmax", "softmax", "log_softmax"]
