"""Optimizers with ``torch.optim``'s update rules and defaults, step for step.

Each optimizer updates ``p.data`` from ``p.grad``. Per-parameter state is a dict in ``optimizer.state``,
keyed by the parameter and filled on first use; hyperparameters live in ``param_groups`` (a list of dicts,
as in torch, so that schedules can change ``lr``). ``state_dict()`` saves positions, not objects.

In the formulas, g is the gradient, θ the parameter, t the step count (from 1) and γ the learning rate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from autograd import Value, sqrt
from autograd.extend import Backend, any_array, arrays_like, float_of, get_backend, is_real, namespace, np, paused_gc

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer", "RMSprop", "VectorStep"]

Params = Iterable[Value] | Iterable[dict[str, Any]]


def _plain(x: Any) -> Any:
    """An update's result as a Python float, or as the array it is when the optimizer steps a vector."""
    return float(x) if type(x) is float or not any_array(x) else x


def _maximum(a: Any, b: Any) -> Any:
    """max(a, b) for floats, element-wise for arrays (of NumPy, or of the library a replay runs on)."""
    if (type(a) is float and type(b) is float) or not (any_array(a) or any_array(b)):
        return max(a, b)
    xp = namespace(a, b)
    if xp is np:
        return np.maximum(a, b)
    a, b = arrays_like((a, b), a if any_array(a) else b)
    return xp.maximum(a, b)


def _number(value: object, what: str) -> float:
    if not is_real(value) or math.isnan(value):
        raise ValueError(f"Invalid {what}: {value!r}")
    return float(value)


def _at_least_zero(value: object, what: str) -> float:
    number = _number(value, what)
    if number < 0:
        raise ValueError(f"Invalid {what}: {value!r}")
    return number


def _betas(betas: object) -> tuple[float, float]:
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r}; expected a pair (beta1, beta2)")
    for index, beta in enumerate(betas):
        if not 0.0 <= _number(beta, f"beta parameter at index {index}") < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta!r}")
    return float(betas[0]), float(betas[1])


class Optimizer:
    """The base of every optimizer: parameter groups, per-parameter state, zero_grad and state_dict."""

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        """The hyperparameters a parameter group gets where it does not set its own."""
        self.state: dict[Value, dict[str, float]] = {}
        self.param_groups: list[dict[str, Any]] = []
        items = list(params)
        if not items:
            raise ValueError(f"{type(self).__name__}: got an empty list of parameters")
        groups: list[Any] = items if all(isinstance(item, dict) for item in items) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters; those it leaves out come from
        ``defaults``. Useful to train a layer at another rate, or to unfreeze it later."""
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{name}: params must be Values or dicts with a 'params' list, got {param_group!r}")
        params = param_group["params"]
        params_list = [params] if isinstance(params, Value) else list(params)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for p in params_list:
            if not isinstance(p, Value):
                raise TypeError(f"{name}: parameters must be Values, got {type(p).__name__} {p!r}")
            if id(p) in seen:
                raise ValueError(f"{name}: parameter {p.label or p!r} appears more than once")
            seen.add(id(p))
        full = {**self.defaults, **{k: v for k, v in param_group.items() if k != "params"}, "params": params_list}
        self._validate(full)
        self.param_groups.append(full)

    non_negative: tuple[str, ...] = ()
    """Hyperparameters that must be numbers of at least 0, checked for every group."""

    def _validate(self, group: dict[str, Any]) -> None:
        _at_least_zero(group["lr"], "learning rate")
        for name in self.non_negative:
            _at_least_zero(group[name], f"{'epsilon' if name == 'eps' else name} value")
        if "betas" in group:
            group["betas"] = _betas(group["betas"])

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its ``.grad``."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad if type(p.grad) is float else float_of(p.grad)
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                p.data = self._update(p.data, grad, state, group)

    def _update(self, theta: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        """One update of θ from g: on floats for one parameter, or element-wise on arrays for many at once,
        with ``state`` holding floats or arrays to match. An array g may be a view of a vector the caller
        writes anew at the next step (a batched fit's gradients): ``state`` must keep copies, never g itself."""
        raise NotImplementedError

    def _update_in_place(self, theta: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> bool:
        """``_update`` written into the array ``theta`` itself, with the same numbers, where the rule allows it
        cheaply; False (the default) where it does not, and ``_update``'s result is copied in instead."""
        return False

    def vector_step(self, parameters: list[Value], backend: Backend | None = None) -> VectorStep:
        """The optimizer's step over a vector of ``parameters``' data and gradients, as a batched ``fit``
        needs, in arrays of ``backend`` (NumPy's float64 by default): see ``VectorStep``. Raises ValueError if
        it cannot be done (a parameter of the optimizer is not among ``parameters``, or the parameters of a
        group are at different points of their state)."""
        return VectorStep(self, parameters, backend)

    def state_dict(self) -> dict[str, Any]:
        """The state and the hyperparameters, with parameters referred to by position."""
        index = 0
        groups, state = [], {}
        for group in self.param_groups:
            positions = []
            for p in group["params"]:
                if p in self.state:
                    state[index] = dict(self.state[p])
                positions.append(index)
                index += 1
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": positions})
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` saved, for the same parameters in the same order."""
        groups = state_dict.get("param_groups")
        if not isinstance(groups, list) or len(groups) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the number of parameter groups differs")
        params = [p for group in self.param_groups for p in group["params"]]
        for saved, group in zip(groups, self.param_groups, strict=True):
            if len(saved.get("params", ())) != len(group["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: a parameter group's size differs")
        new_state = {}
        for key, value in dict(state_dict.get("state", {})).items():
            position = int(key)
            if not 0 <= position < len(params) or not isinstance(value, dict):
                raise ValueError(f"{type(self).__name__}.load_state_dict: bad state entry {key!r}")
            new_state[params[position]] = {k: float(v) for k, v in value.items()}
        for saved, group in zip(groups, self.param_groups, strict=True):
            candidate = {**group, **{k: v for k, v in saved.items() if k != "params"}}
            self._validate(candidate)
        for saved, group in zip(groups, self.param_groups, strict=True):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = new_state

    def __repr__(self) -> str:
        hyper = {k: v for k, v in self.param_groups[0].items() if k != "params"}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in hyper.items())})"


class VectorStep:
    """An optimizer's ``step`` on arrays: the same ``_update`` applied once to each parameter group's slice
    of a vector of parameters, with the per-parameter state held as arrays meanwhile.

    ``step(theta, grad)`` updates ``theta`` and returns it (the same array, updated in place, except on JAX,
    whose arrays cannot be written); ``close()`` writes the state back to the optimizer's per-parameter dicts,
    so that ``state_dict()`` and later steps on Values carry on where it stopped. The vectors and the state
    are arrays of ``backend`` (NumPy's by default), on its device."""

    def __init__(self, optimizer: Optimizer, parameters: list[Value], backend: Backend | None = None) -> None:
        position = {id(p): i for i, p in enumerate(parameters)}
        self.optimizer = optimizer
        self.backend = backend if backend is not None else get_backend()
        self.indices: list[Any] = []
        self.reads: list[Any] = []  # each index as the backend reads it
        self.writes: list[Any] = []  # and as it writes it
        self.states: list[dict[str, Any]] = []
        name = type(optimizer).__name__
        for group in optimizer.param_groups:
            missing = [p for p in group["params"] if id(p) not in position]
            if missing:
                raise ValueError(f"{name}: parameter {missing[0].label or missing[0]!r} is not among the ones stepped")
            index = np.array([position[id(p)] for p in group["params"]], dtype=np.intp)
            consecutive = index.size and np.array_equal(index, np.arange(index[0], index[0] + index.size))
            self.indices.append(slice(int(index[0]), int(index[0]) + index.size) if consecutive else index)
            native = self.backend.native or consecutive
            self.reads.append(self.indices[-1] if native else self.backend.indices(index))
            self.writes.append(self.indices[-1] if native else self.backend.put_index(index))
            state = optimizer.state
            keys = {tuple(sorted(state.get(p, {}))) for p in group["params"]} if state else {()}
            if len(keys) > 1:
                raise ValueError(f"{name}: the parameters of a group are at different points of their state")
            (names,) = keys
            self.states.append({k: self._array([optimizer.state[p][k] for p in group["params"]]) for k in names})

    def _array(self, numbers: list[float]) -> Any:
        vector = np.array(numbers)
        return vector if self.backend.native and self.backend.dtype_name == "float64" else self.backend.asarray(vector)

    def step(self, theta: Any, grad: Any) -> Any:
        """One update of every group's parameters in ``theta`` from ``grad``; returns ``theta``."""
        optimizer, backend = self.optimizer, self.backend
        if backend.native:
            for group, index, state in zip(optimizer.param_groups, self.indices, self.states, strict=True):
                if isinstance(index, slice) and optimizer._update_in_place(theta[index], grad[index], state, group):
                    continue
                theta[index] = optimizer._update(theta[index], grad[index], state, group)
            return theta
        for group, read, write, state in zip(optimizer.param_groups, self.reads, self.writes, self.states, strict=True):
            part = backend.take(theta, read)
            if backend.views and isinstance(read, slice) and optimizer._update_in_place(part, backend.take(grad, read),
                                                                                          state, group):
                continue
            theta = backend.put(theta, write, optimizer._update(part, backend.take(grad, read), state, group))
        return theta

    def close(self) -> None:
        """Write the state back to the optimizer's per-parameter dicts."""
        with paused_gc():
            self._close()

    def _close(self) -> None:
        for group, state in zip(self.optimizer.param_groups, self.states, strict=True):
            if not state:  # a rule with no state (SGD without momentum): an empty dict each, as step() leaves
                self.optimizer.state.update({p: {} for p in group["params"]})
                continue
            size = len(group["params"])
            host = {k: self.backend.to_numpy(v) if any_array(v) else v for k, v in state.items()}
            columns = {k: np.broadcast_to(v, (size,)).tolist() for k, v in host.items()}
            for i, p in enumerate(group["params"]):
                self.optimizer.state[p] = {k: float(column[i]) for k, column in columns.items()}


class SGD(Optimizer):
    """Stochastic gradient descent, with optional Polyak momentum or Nesterov momentum.

    g ← g + λθ (weight decay λ);
    with momentum μ: b ← g at t = 1, else b ← μb + (1 − τ)g (dampening τ); g ← g + μb (Nesterov) or g ← b;
    θ ← θ − γg.
    """

    non_negative = ("momentum", "weight_decay")

    def __init__(
        self, params: Params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
        nesterov: bool = False, weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "nesterov": nesterov, "weight_decay": weight_decay})

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        _number(group["dampening"], "dampening value")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, theta: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        if group["weight_decay"]:
            g = g + group["weight_decay"] * theta
        momentum = group["momentum"]
        if momentum:
            if "momentum_buffer" not in state:
                buf = g * 1.0  # a copy of an array: the state must not share the caller's gradient vector, which
                # a batched fit writes anew at every batch
            else:
                buf = momentum * state["momentum_buffer"] + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + momentum * buf if group["nesterov"] else buf
        return theta - float(group["lr"]) * g

    def _update_in_place(self, theta: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> bool:
        if group["weight_decay"] or group["momentum"]:
            return False
        theta -= float(group["lr"]) * g  # θ − lr·g as _update computes it, without a new vector and its copy
        return True


class Adagrad(Optimizer):
    """Adagrad: per-parameter learning rates from the sum of squared gradients.

    g ← g + λθ; γ_t = γ / (1 + (t − 1)η) (lr_decay η); s ← s + g²; θ ← θ − γ_t g / (√s + ε).
    """

    non_negative = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(
        self, params: Params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0, eps: float = 1e-10,
    ) -> None:
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value, "eps": eps})

    def _update(self, theta: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        step = state["step"] = state.get("step", 0.0) + 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * theta
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = state["sum"] = state.get("sum", group["initial_accumulator_value"]) + g * g
        return _plain(theta - clr * g / (sqrt(total) + group["eps"]))


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of recent gradients.

    g ← g + λθ; v ← αv + (1 − α)g²; centered: ḡ ← ḡ + (1 − α)(g − ḡ), d = √(v − ḡ²) + ε, else d = √v + ε;
    with momentum μ: b ← μb + g/d, θ ← θ − γb; without: θ ← θ − γg/d.
    """

    non_negative = ("alpha", "eps", "momentum", "weight_decay")

    def __init__(
        self, params: Params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
        weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
    ) -> None:
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                                  "momentum": momentum, "centered": centered})

    def _update(self, theta: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        state["step"] = state.get("step", 0.0) + 1
        alpha, eps = group["alpha"], group["eps"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * theta
        v = state["square_avg"] = alpha * state.get("square_avg", 0.0) + (1 - alpha) * g * g
        if group["centered"]:
            mean = state.get("grad_avg", 0.0)
            mean = state["grad_avg"] = mean + (1 - alpha) * (g - mean)
            denom = sqrt(v - mean * mean) + eps
        else:
            denom = sqrt(v) + eps
        if group["momentum"] > 0:
            buf = state["momentum_buffer"] = group["momentum"] * state.get("momentum_buffer", 0.0) + g / denom
            return _plain(theta - group["lr"] * buf)
        return _plain(theta - group["lr"] * g / denom)


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of running RMS of past updates to that of gradients.

    g ← g + λθ; v ← ρv + (1 − ρ)g²; Δ = √(u + ε) / √(v + ε) · g; u ← ρu + (1 − ρ)Δ²; θ ← θ − γΔ.
    """

    non_negative = ("eps", "weight_decay")

    def __init__(
        self, params: Params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay})

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        if not 0.0 <= _number(group["rho"], "rho value") <= 1.0:
            raise ValueError(f"Invalid rho value: {group['rho']!r}")

    def _update(self, theta: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        state["step"] = state.get("step", 0.0) + 1
        rho, eps = group["rho"], group["eps"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * theta
        v = state["square_avg"] = rho * state.get("square_avg", 0.0) + (1 - rho) * g * g
        u = state.get("acc_delta", 0.0)
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        state["acc_delta"] = rho * u + (1 - rho) * delta * delta
        return theta - float(group["lr"]) * delta


class Adam(Optimizer):
    """Adam, and AMSGrad with ``amsgrad=True``.

    g ← g + λθ; m ← m + (1 − β₁)(g − m); v ← β₂v + (1 − β₂)g²; AMSGrad: v̂ ← max(v̂, v), else v̂ = v;
    θ ← θ − γ/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε).
    """

    decoupled = False

    non_negative = ("eps", "weight_decay")

    def __init__(
        self, params: Params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0.0, amsgrad: bool = False,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "amsgrad": amsgrad})

    def _update(self, theta: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        step = state["step"] = state.get("step", 0.0) + 1
        beta1, beta2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        if self.decoupled:
            theta = theta * (1 - lr * wd)
        elif wd:
            g = g + wd * theta
        m = state.get("exp_avg", 0.0)
        m = state["exp_avg"] = m + (1 - beta1) * (g - m)
        v = state["exp_avg_sq"] = beta2 * state.get("exp_avg_sq", 0.0) + (1 - beta2) * g * g
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = _maximum(state.get("max_exp_avg_sq", 0.0), v)
        step_size = lr / (1 - beta1**step)
        denom = sqrt(v) / sqrt(1 - beta2**step) + group["eps"]
        return _plain(theta - step_size * m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ(1 − γλ) first, then the Adam step without λ in g."""

    decoupled = True

    def __init__(
        self, params: Params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 1e-2, amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm.

    g ← g + λθ; m ← m + (1 − β₁)(g − m); u ← max(β₂u, |g| + ε); θ ← θ − γ/(1 − β₁ᵗ) · m/u.
    """

    non_negative = ("eps", "weight_decay")

    def __init__(
        self, params: Params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})

    def _update(self, theta: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        step = state["step"] = state.get("step", 0.0) + 1
        beta1, beta2 = group["betas"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * theta
        m = state.get("exp_avg", 0.0)
        m = state["exp_avg"] = m + (1 - beta1) * (g - m)
        u = state["exp_inf"] = _maximum(beta2 * state.get("exp_inf", 0.0), abs(g) + group["eps"])
        return _plain(theta - group["lr"] / (1 - beta1**step) * m / u)


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat), with torch's momentum schedule.

    g ← g + λθ; μ_t = β₁(1 − ½·0.96^(tψ)) (momentum_decay ψ); Π_t = Π μᵢ; m ← m + (1 − β₁)(g − m);
    v ← β₂v + (1 − β₂)g²; d = √(v/(1 − β₂ᵗ)) + ε;
    θ ← θ − γ(1 − μ_t)/(1 − Π_t) · g/d − γμ_(t+1)/(1 − Π_t μ_(t+1)) · m/d.
    """

    non_negative = ("eps", "weight_decay", "momentum_decay")

    def __init__(
        self, params: Params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0.0, momentum_decay: float = 4e-3,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "momentum_decay": momentum_decay})

    def _update(self, theta: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        step = state["step"] = state.get("step", 0.0) + 1
        beta1, beta2 = group["betas"]
        lr, psi = group["lr"], group["momentum_decay"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * theta
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product = state["mu_product"] = state.get("mu_product", 1.0) * mu
        m = state.get("exp_avg", 0.0)
        m = state["exp_avg"] = m + (1 - beta1) * (g - m)
        v = state["exp_avg_sq"] = beta2 * state.get("exp_avg_sq", 0.0) + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2**step)) + group["eps"]
        theta = theta + (-lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
        return _plain(theta + (-lr * mu_next / (1.0 - mu_product * mu_next)) * (m / denom))
