"""Learning-rate schedules with ``torch.optim.lr_scheduler`` semantics: construct after the optimizer,
call ``step()`` once per epoch after ``optimizer.step()``; ``get_last_lr()`` gives the rates in force."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autograd.extend import is_real, whole_number
from nn.optim import Optimizer

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LambdaLR", "StepLR"]


class LRScheduler:
    """Sets each parameter group's ``lr`` from its initial rate and the epoch count ``last_epoch``."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an nn.optim optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """The learning rate at ``epoch`` for a group that started at ``base_lr``."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set the new rates."""
        self.last_epoch += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = self.lr_at(base, self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The rates set by the last ``step()``."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The epoch count and the initial rates."""
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` saved."""
        self.last_epoch = int(state["last_epoch"])
        self.base_lrs = [float(x) for x in state["base_lrs"]]


def _gamma(value: object, where: str) -> float:
    if not is_real(value) or not value > 0:
        raise ValueError(f"{where}: gamma must be a positive number, got {value!r}")
    return float(value)


class StepLR(LRScheduler):
    """γ_epoch = γ₀ · gamma^⌊epoch / step_size⌋."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = whole_number(step_size, "step_size", "StepLR")
        self.gamma = _gamma(gamma, "StepLR")
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """γ_epoch = γ₀ · gamma^epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _gamma(gamma, "ExponentialLR")
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """γ_epoch = η_min + (γ₀ − η_min)(1 + cos(π · epoch / T_max)) / 2."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803 - torch's name
        self.T_max = whole_number(T_max, "T_max", "CosineAnnealingLR")
        if not is_real(eta_min) or eta_min < 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be a non-negative number, got {eta_min!r}")
        self.eta_min = float(eta_min)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class LambdaLR(LRScheduler):
    """γ_epoch = γ₀ · lr_lambda(epoch)."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"LambdaLR: lr_lambda must be callable, got {lr_lambda!r}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        factor = self.lr_lambda(epoch)
        if not is_real(factor) or not math.isfinite(factor):
            raise ValueError(f"LambdaLR: lr_lambda({epoch}) must return a finite number, got {factor!r}")
        return base_lr * factor
