"""chainrule's neural-network library, built on the ``autograd`` engine, with PyTorch's conventions.

>>> import nn
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> len(model.parameters())
17
"""

import autograd as _autograd

if getattr(_autograd, "__distribution__", None) != "chainrule":
    _REPAIR = (
        "To repair: 'pip uninstall -y autograd chainrule', then 'pip install chainrule' (best in a fresh "
        "virtual environment: the two distributions share the import name autograd and cannot be installed "
        "together)."
    )
    if getattr(_autograd, "__file__", None) is None:
        raise ImportError(
            f"nn needs chainrule's autograd engine, but the autograd package at {list(_autograd.__path__)} has "
            "lost its __init__.py, most likely to 'pip uninstall autograd', which removes the HIPS autograd "
            f"distribution's files and, with them, the ones chainrule shares with it. {_REPAIR}"
        )
    raise ImportError(
        f"nn needs chainrule's autograd engine, but 'import autograd' found another package at "
        f"{_autograd.__file__} (probably the HIPS 'autograd' distribution, which uses the same import name). "
        f"{_REPAIR}"
    )

from autograd import __version__
from nn import datasets, optim, schedulers
from nn.losses import binary_cross_entropy, cross_entropy, half_sse, hinge, log_softmax, mse, softmax
from nn.module import ACTIVATIONS, INITS, MLP, RNN, Layer, Module, Neuron, gradcheck_parameters, load
from nn.train import accuracy, evaluate, fit

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "RNN",
    "Layer",
    "Module",
    "Neuron",
    "__version__",
    "accuracy",
    "binary_cross_entropy",
    "cross_entropy",
    "datasets",
    "evaluate",
    "fit",
    "gradcheck_parameters",
    "half_sse",
    "hinge",
    "load",
    "log_softmax",
    "mse",
    "optim",
    "schedulers",
    "softmax",
]
