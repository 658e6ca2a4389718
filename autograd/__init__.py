"""chainrule's autograd engine: scalar ``Value``s that record their ops, one table of derivative rules,
and reverse-mode ``backward`` over a topologically sorted graph.

>>> from autograd import Value
>>> a, b = Value(2.0, "a"), Value(-3.0, "b")
>>> c = a * b + a
>>> c.backward()
>>> a.grad, b.grad
(-2.0, 2.0)
"""

from autograd.backprop import backward, grad, local_partials, zero_grad
from autograd.define import define_op
from autograd.errors import AnomalyError, GradcheckError, StaleGraphError
from autograd.explain import Explanation, explain
from autograd.explore import ExploreOptions, Explorer, explore
from autograd.forward import hessian, jacobian, jvp
from autograd.gradient_checks import gradcheck, gradgradcheck
from autograd.graph import Graph, topological_order
from autograd.modes import allow_stale, detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad
from autograd.passes import BackwardStep, EdgeStep, Pass, record
from autograd.render import (
    DrawOptions,
    GraphvizError,
    GraphvizFallbackWarning,
    GraphvizNotFoundError,
    draw,
    label_prefix,
    register_notebook_display,
    save,
    to_dot,
)
from autograd.rules import RULES, Rule, UndefinedPartialError, cos, exp, log, sigmoid, sin, sqrt, tanh
from autograd.steps import backward_steps
from autograd.teach import Drill, Exercise, drill, exercise
from autograd.trace import Trace, TraceError, trace
from autograd.value import Value, dot, logsumexp, sum

__version__ = "0.1.0"
"""chainrule's version, for the engine and ``nn`` alike."""

__distribution__ = "chainrule"
"""Marks this package as chainrule's engine, not the HIPS ``autograd`` distribution of the same name."""

__all__ = [
    "RULES",
    "AnomalyError",
    "BackwardStep",
    "DrawOptions",
    "Drill",
    "EdgeStep",
    "Exercise",
    "Explanation",
    "ExploreOptions",
    "Explorer",
    "GradcheckError",
    "Graph",
    "GraphvizError",
    "GraphvizFallbackWarning",
    "GraphvizNotFoundError",
    "Pass",
    "Rule",
    "StaleGraphError",
    "Trace",
    "TraceError",
    "UndefinedPartialError",
    "Value",
    "allow_stale",
    "backward",
    "backward_steps",
    "cos",
    "define_op",
    "detect_anomaly",
    "dot",
    "draw",
    "drill",
    "enable_grad",
    "exercise",
    "exp",
    "explain",
    "explore",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "label_prefix",
    "local_partials",
    "log",
    "logsumexp",
    "no_grad",
    "record",
    "save",
    "sigmoid",
    "sin",
    "sqrt",
    "sum",
    "tanh",
    "to_dot",
    "topological_order",
    "trace",
    "zero_grad",
]

register_notebook_display()
