"""Writes tests/data/torch_reference.json: parameter trajectories of torch.optim optimizers and the rates of
torch.optim.lr_scheduler schedules, for a fixed sequence of gradients. The tests replay the same gradients
through nn.optim and compare, in float64 throughout. Needs torch (e.g. `pip install torch==2.13.0` in a
scratch venv):

    python scripts/torch_reference.py
"""

import json
import math
from pathlib import Path

import torch

START = [0.5, -1.5, 2.0]
GRADS = [
    [0.3, -0.2, 1.5], [0.1, 0.0, -2.0], [-0.4, 0.25, 0.5], [0.0, 0.0, 0.0],
    [2.5, -1.0, 0.01], [-0.05, 0.8, -0.3], [0.6, 0.6, 0.6], [-1.2, 0.02, 0.9],
]
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.2}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.02}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}),
    ("Adamax", {"lr": 0.02}),
    ("Adamax", {"lr": 0.02, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.02}),
    ("NAdam", {"lr": 0.02, "weight_decay": 0.1, "momentum_decay": 0.01}),
]
SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": "1 / (1 + epoch)"}),
]


def trajectory(name: str, kwargs: dict) -> list[list[float]]:
    theta = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    extra = {} if name == "LBFGS" else {"foreach": False}
    opt = getattr(torch.optim, name)([theta], **kwargs, **extra)
    steps = []
    for g in GRADS:
        theta.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        steps.append(theta.detach().tolist())
    return steps


def rates(name: str, kwargs: dict) -> list[float]:
    theta = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([theta], lr=0.5)
    if name == "LambdaLR":
        kwargs = {"lr_lambda": lambda epoch: 1 / (1 + epoch)}
    sched = getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    out = [sched.get_last_lr()[0]]
    for _ in range(24):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


def main() -> None:
    # Every scalar torch keeps inside an optimizer (NAdam's running product of momentum factors) in float64,
    # as the algorithms are written: with the default float32 those would round where chainrule does not.
    torch.set_default_dtype(torch.float64)
    data = {
        "torch": torch.__version__,
        "default_dtype": str(torch.get_default_dtype()),
        "start": START,
        "grads": GRADS,
        "optimizers": [
            {"name": n, "kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()},
             "steps": trajectory(n, kw)}
            for n, kw in CASES
        ],
        "schedules": [{"name": n, "kwargs": kw, "lr": rates(n, dict(kw))} for n, kw in SCHEDULES],
    }
    assert all(math.isfinite(x) for case in data["optimizers"] for step in case["steps"] for x in step)
    target = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_reference.json"
    target.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {target} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
