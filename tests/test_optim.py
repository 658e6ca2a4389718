"""nn.optim and nn.schedulers against torch.optim (recorded trajectories) and against hand computation."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from autograd import Value
from nn import optim, schedulers

REFERENCE = json.loads((Path(__file__).parent / "data" / "torch_reference.json").read_text())


def _replay(name, kwargs, grads, start):
    params = [Value(x) for x in start]
    opt = getattr(optim, name)(params, **{k: tuple(v) if k == "betas" else v for k, v in kwargs.items()})
    steps = []
    for g in grads:
        for p, gi in zip(params, g, strict=True):
            p.grad = gi
        opt.step()
        steps.append([p.data for p in params])
    return steps, opt


@pytest.mark.parametrize("case", REFERENCE["optimizers"], ids=lambda c: f"{c['name']}-{sorted(c['kwargs'])}")
def test_trajectories_match_torch_step_by_step(case):
    steps, _ = _replay(case["name"], case["kwargs"], REFERENCE["grads"], REFERENCE["start"])
    for t, (ours, theirs) in enumerate(zip(steps, case["steps"], strict=True), start=1):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15), f"step {t}"


@pytest.mark.parametrize("case", REFERENCE["optimizers"], ids=lambda c: f"{c['name']}-{sorted(c['kwargs'])}")
def test_the_vector_step_matches_torch_and_the_per_parameter_step(case):
    """The step a replayed fit takes, on one array of parameters, follows the same trajectory."""
    kwargs = {k: tuple(v) if k == "betas" else v for k, v in case["kwargs"].items()}
    params = [Value(x) for x in REFERENCE["start"]]
    opt = getattr(optim, case["name"])(params, **kwargs)
    vector = opt.vector_step(params)
    theta = np.array(REFERENCE["start"])
    for t, (g, theirs) in enumerate(zip(REFERENCE["grads"], case["steps"], strict=True), start=1):
        vector.step(theta, np.array(g))
        assert theta.tolist() == pytest.approx(theirs, rel=1e-12, abs=1e-15), f"step {t}"
    vector.close()
    steps, scalar = _replay(case["name"], case["kwargs"], REFERENCE["grads"], REFERENCE["start"])
    assert theta.tolist() == steps[-1]
    assert [opt.state[p] for p in params] == [scalar.state[p] for p in scalar.param_groups[0]["params"]]


def test_a_vector_step_needs_every_parameter_at_the_same_point_of_its_state():
    a, b = Value(1.0), Value(2.0)
    opt = optim.Adam([a, b])
    a.grad = 1.0
    opt.param_groups[0]["params"] = [a]
    opt.step()
    opt.param_groups[0]["params"] = [a, b]
    with pytest.raises(ValueError, match="at different points of their state"):
        opt.vector_step([a, b])
    with pytest.raises(ValueError, match="is not among the ones stepped"):
        optim.SGD([a, b], lr=0.1).vector_step([a])


def test_the_torch_reference_ran_in_float64():
    assert REFERENCE["default_dtype"] == "torch.float64"


def test_every_optimizer_has_a_torch_reference():
    names = {case["name"] for case in REFERENCE["optimizers"]}
    assert names == {"SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam"}
    assert any(case["kwargs"].get("amsgrad") for case in REFERENCE["optimizers"] if case["name"] == "Adam")
    assert any(case["kwargs"].get("nesterov") for case in REFERENCE["optimizers"])


def first_step(name, g=0.5, theta=1.0, **kwargs):
    p = Value(theta)
    opt = getattr(optim, name)([p], **kwargs)
    p.grad = g
    opt.step()
    return p.data, opt.state[p]


def test_first_steps_by_hand():
    # SGD: θ − γg
    assert first_step("SGD", lr=0.1)[0] == pytest.approx(1.0 - 0.1 * 0.5)
    # SGD with momentum: the buffer starts as g, so the first step equals plain SGD's
    theta, state = first_step("SGD", lr=0.1, momentum=0.9)
    assert theta == pytest.approx(0.95)
    assert state == {"momentum_buffer": 0.5}
    # Nesterov: g + μb = 0.5 + 0.9·0.5
    assert first_step("SGD", lr=0.1, momentum=0.9, nesterov=True)[0] == pytest.approx(1.0 - 0.1 * 0.95)
    # weight decay adds λθ to g
    assert first_step("SGD", lr=0.1, weight_decay=0.1)[0] == pytest.approx(1.0 - 0.1 * 0.6)
    # Adagrad: s = g², θ − γg/(|g| + ε)
    assert first_step("Adagrad", lr=0.1)[0] == pytest.approx(1.0 - 0.1 * 0.5 / (0.5 + 1e-10))
    # RMSprop: v = (1 − α)g²
    assert first_step("RMSprop", lr=0.01)[0] == pytest.approx(1.0 - 0.01 * 0.5 / (math.sqrt(0.01 * 0.25) + 1e-8))
    # Adadelta: Δ = √ε / √((1 − ρ)g² + ε) · g
    delta = math.sqrt(1e-6) / math.sqrt(0.1 * 0.25 + 1e-6) * 0.5
    theta, state = first_step("Adadelta")
    assert theta == pytest.approx(1.0 - delta)
    assert state["acc_delta"] == pytest.approx(0.1 * delta * delta)
    # Adam: m̂ = g, v̂ = g², so the first step is γ·g/(|g| + ε), about γ
    theta, state = first_step("Adam", lr=0.01)
    assert theta == pytest.approx(1.0 - 0.01 * 0.5 / (0.5 + 1e-8))
    assert state == {"step": 1.0, "exp_avg": pytest.approx(0.05), "exp_avg_sq": pytest.approx(0.00025)}
    assert "max_exp_avg_sq" in first_step("Adam", amsgrad=True)[1]
    # AdamW: θ(1 − γλ) then the Adam step
    assert first_step("AdamW", lr=0.01, weight_decay=0.1)[0] == pytest.approx(1.0 * (1 - 0.001) - 0.01 * 0.5 / 0.5)
    # Adamax: u = |g| + ε, m̂ = g
    assert first_step("Adamax", lr=0.02)[0] == pytest.approx(1.0 - 0.02 * 0.05 / 0.1 / (0.5 + 1e-8))
    # NAdam: μ₁ = 0.9(1 − ½·0.96^0.004), μ₂ likewise with t = 2, and the product Π₁ = μ₁, in float64
    mu1, mu2 = 0.9 * (1 - 0.5 * 0.96**0.004), 0.9 * (1 - 0.5 * 0.96**0.008)
    product = mu1
    d = math.sqrt(0.001 * 0.25 / 0.001) + 1e-8
    want = 1.0 - 0.02 * (1 - mu1) / (1 - product) * 0.5 / d - 0.02 * mu2 / (1 - product * mu2) * 0.05 / d
    assert first_step("NAdam", lr=0.02)[0] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("SGD", {"lr": -1}, "Invalid learning rate: -1"),
        ("SGD", {"lr": 0.1, "momentum": -0.5}, "Invalid momentum value: -0.5"),
        ("SGD", {"lr": 0.1, "nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
        ("SGD", {"lr": 0.1, "weight_decay": -1}, "Invalid weight_decay value: -1"),
        ("Adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
        ("Adam", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
        ("Adam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
        ("Adam", {"lr": "fast"}, "Invalid learning rate: 'fast'"),
        ("Adam", {"lr": float("nan")}, "Invalid learning rate: nan"),
        ("Adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
        ("RMSprop", {"alpha": -0.1}, "Invalid alpha value: -0.1"),
        ("Adagrad", {"lr_decay": -1}, "Invalid lr_decay value: -1"),
        ("NAdam", {"momentum_decay": -1}, "Invalid momentum_decay value: -1"),
    ],
)
def test_invalid_hyperparameters_raise_at_construction(name, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        getattr(optim, name)([Value(1.0)], **kwargs)


def test_parameters_must_be_values_once_each():
    p = Value(1.0)
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(TypeError, match="must be Values"):
        optim.SGD([1.0], lr=0.1)


def test_param_groups_with_their_own_rates():
    a, b = Value(1.0), Value(1.0)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = b.grad = 1.0
    opt.step()
    assert (a.data, b.data) == (pytest.approx(0.9), pytest.approx(0.5))


def test_add_param_group_takes_the_defaults_it_does_not_set():
    a, b, c = Value(1.0), Value(1.0), Value(1.0)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 0.5})
    opt.add_param_group({"params": c})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5, 0.1]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9, 0.9]
    a.grad = b.grad = c.grad = 1.0
    opt.step()
    assert (a.data, b.data, c.data) == (pytest.approx(0.9), pytest.approx(0.5), pytest.approx(0.9))
    with pytest.raises(ValueError, match="appears more than once"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        opt.add_param_group({"params": [Value(0.0)], "lr": -1})
    with pytest.raises(TypeError, match="'params' list"):
        opt.add_param_group([Value(0.0)])


def test_zero_grad_and_state_is_keyed_by_parameter():
    ps = [Value(1.0), Value(2.0)]
    opt = optim.Adam(ps, lr=0.1)
    for p in ps:
        p.grad = 1.0
    opt.step()
    assert set(opt.state) == set(ps)
    opt.zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_state_dict_round_trip_continues_identically():
    grads = REFERENCE["grads"]
    steps, opt = _replay("Adam", {"lr": 0.01, "amsgrad": True}, grads[:4], REFERENCE["start"])
    saved = json.loads(json.dumps(opt.state_dict()))  # positions, not objects: survives JSON
    params = [Value(x) for x in steps[-1]]
    fresh = optim.Adam(params, lr=0.5)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == 0.01
    for g in grads[4:]:
        for p, gi in zip(params, g, strict=True):
            p.grad = gi
        fresh.step()
    full, _ = _replay("Adam", {"lr": 0.01, "amsgrad": True}, grads, REFERENCE["start"])
    assert [p.data for p in params] == pytest.approx(full[-1], rel=1e-15)
    with pytest.raises(ValueError, match="size differs"):
        optim.Adam([Value(1.0)]).load_state_dict(saved)


@pytest.mark.parametrize("case", REFERENCE["schedules"], ids=lambda c: c["name"])
def test_schedules_match_torch(case):
    p = Value(1.0)
    opt = optim.SGD([p], lr=0.5)
    kwargs = dict(case["kwargs"])
    if case["name"] == "LambdaLR":
        kwargs["lr_lambda"] = lambda epoch: 1 / (1 + epoch)
    sched = getattr(schedulers, case["name"])(opt, **kwargs)
    rates = [sched.get_last_lr()[0]]
    for _ in range(len(case["lr"]) - 1):
        opt.step()
        sched.step()
        rates.append(sched.get_last_lr()[0])
    assert rates == pytest.approx(case["lr"], rel=1e-12)


def test_schedule_errors():
    opt = optim.SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="step_size must be a whole number of at least 1, got 0"):
        schedulers.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="gamma must be a positive number"):
        schedulers.ExponentialLR(opt, gamma=-1)
    with pytest.raises(TypeError, match=r"expected an nn\.optim optimizer"):
        schedulers.StepLR("opt", step_size=1)
    with pytest.raises(ValueError, match=r"lr_lambda\(0\) must return a finite number"):
        schedulers.LambdaLR(opt, lambda e: "x")
