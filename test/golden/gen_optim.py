#!/usr/bin/python3
"""Writes test/golden/optim.json: PyTorch optimizer trajectories and LR-scheduler sequences that
test/optim/*.test.ts check webtorch against.

Run with Debian's torch 1.13 (`apt-get install python3-torch`):

    /usr/bin/python3 test/golden/gen_optim.py

Optimizers: a small fixed network written with plain tensor ops,

    loss = mean((tanh(x @ w1.T + b1) @ w2.T + b2 - y) ** 2)

on fixed data (numpy RandomState(0), float32). For each optimizer case, 10 steps of
`zero_grad(); loss.backward(); step()`, recording the loss before each step and every parameter
after it. Options are recorded in webtorch's names (camelCase); `groups`, when present, lists
param groups as {"params": [names], "options": {...}}.

Schedulers: an SGD or Adam optimizer over one dummy parameter (one or two param groups), a
scheduler built from a JSON spec (the same spec the TS test builds from), and the learning rate
of every group after construction (index 0) and after each of `steps` calls of
`optimizer.step(); scheduler.step()`. OneCycleLR cases also record SGD's momentum or Adam's
beta1. LambdaLR functions are named (LAMBDAS below; the TS test has the same table).
"""

import json
import os
import warnings

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)
warnings.filterwarnings("ignore")

STEPS = 10


def camel(s):
    parts = s.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def ts_options(kwargs):
    return {camel(k): (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()}


def enc(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


# ---------------------------------------------------------------------------------------------
# the network

rs = np.random.RandomState(0)
X = torch.tensor(rs.randn(8, 3).astype(np.float32))
Y = torch.tensor(rs.randn(8, 2).astype(np.float32))
INIT = {
    "w1": (rs.randn(4, 3) * 0.5).astype(np.float32),
    "b1": (rs.randn(4) * 0.1).astype(np.float32),
    "w2": (rs.randn(2, 4) * 0.5).astype(np.float32),
    "b2": (rs.randn(2) * 0.1).astype(np.float32),
}
ORDER = ["w1", "b1", "w2", "b2"]


def loss_fn(p):
    h = torch.tanh(X @ p["w1"].T + p["b1"])
    return ((h @ p["w2"].T + p["b2"] - Y) ** 2).mean()


# name, torch class, torch kwargs, webtorch class (None: same), webtorch options override, groups
OPTIM_CASES = [
    ("sgd/plain", "SGD", dict(lr=0.1), None, None, None),
    ("sgd/momentum", "SGD", dict(lr=0.1, momentum=0.9), None, None, None),
    ("sgd/dampening", "SGD", dict(lr=0.1, momentum=0.9, dampening=0.5), None, None, None),
    ("sgd/nesterov", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True), None, None, None),
    ("sgd/weight_decay", "SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.1), None, None, None),
    ("sgd/maximize", "SGD", dict(lr=0.05, momentum=0.9, maximize=True), None, None, None),
    ("sgd/groups", "SGD", dict(lr=0.05, momentum=0.9), None, None,
     [{"params": ["w1", "b1"], "options": {"lr": 0.2}}, {"params": ["w2", "b2"], "options": {"momentum": 0.5}}]),
    ("momentum/default", "SGD", dict(lr=0.05, momentum=0.9), "Momentum", {"lr": 0.05}, None),
    ("momentum/nesterov", "SGD", dict(lr=0.05, momentum=0.9, nesterov=True), "Momentum", {"lr": 0.05, "nesterov": True}, None),
    ("momentum/custom", "SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.01), "Momentum", {"lr": 0.05, "momentum": 0.5, "weightDecay": 0.01}, None),
    ("adagrad/default", "Adagrad", dict(lr=0.1), None, None, None),
    ("adagrad/lr_decay", "Adagrad", dict(lr=0.1, lr_decay=0.05), None, None, None),
    ("adagrad/wd_init_eps", "Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6), None, None, None),
    ("adagrad/large_eps", "Adagrad", dict(lr=0.1, eps=0.3), None, None, None),
    ("adagrad/maximize", "Adagrad", dict(lr=0.05, maximize=True), None, None, None),
    ("adagrad/groups", "Adagrad", dict(lr=0.1), None, None,
     [{"params": ["w1", "w2"], "options": {"lr_decay": 0.1}}, {"params": ["b1", "b2"], "options": {"lr": 0.3}}]),
    ("rmsprop/default", "RMSprop", dict(lr=0.01), None, None, None),
    ("rmsprop/centered", "RMSprop", dict(lr=0.01, centered=True), None, None, None),
    ("rmsprop/momentum", "RMSprop", dict(lr=0.01, momentum=0.9), None, None, None),
    ("rmsprop/centered_momentum_wd", "RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1, eps=1e-6), None, None, None),
    ("rmsprop/large_eps_centered", "RMSprop", dict(lr=0.01, eps=0.05, centered=True), None, None, None),
    ("rmsprop/maximize", "RMSprop", dict(lr=0.01, maximize=True), None, None, None),
    ("adam/default", "Adam", dict(lr=0.01), None, None, None),
    ("adam/amsgrad", "Adam", dict(lr=0.01, betas=(0.9, 0.9), amsgrad=True), None, None, None),
    ("adam/weight_decay", "Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), None, None, None),
    # eps comparable to sqrt(v): pins down where eps goes (after the bias correction)
    ("adam/large_eps_amsgrad", "Adam", dict(lr=0.01, eps=0.05, amsgrad=True), None, None, None),
    ("adam/maximize", "Adam", dict(lr=0.01, maximize=True), None, None, None),
    ("adam/groups", "Adam", dict(lr=0.01), None, None,
     [{"params": ["w1", "b1"], "options": {"lr": 0.05}}, {"params": ["w2", "b2"], "options": {"amsgrad": True, "betas": [0.5, 0.9]}}]),
    ("adamw/default", "AdamW", dict(lr=0.01), None, None, None),
    ("adamw/amsgrad_wd", "AdamW", dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.1, amsgrad=True), None, None, None),
    ("adamw/large_eps", "AdamW", dict(lr=0.01, eps=0.05), None, None, None),
    ("adamw/maximize", "AdamW", dict(lr=0.01, weight_decay=0.5, maximize=True), None, None, None),
]


def run_optim_case(name, torch_cls, kwargs, ts_cls, ts_opts, groups):
    params = {k: torch.tensor(v, requires_grad=True) for k, v in INIT.items()}
    if groups:
        torch_groups = []
        for g in groups:
            opts = {k: (tuple(v) if isinstance(v, list) else v) for k, v in g["options"].items()}
            torch_groups.append({"params": [params[n] for n in g["params"]], **opts})
        opt = getattr(torch.optim, torch_cls)(torch_groups, **kwargs)
    else:
        opt = getattr(torch.optim, torch_cls)([params[n] for n in ORDER], **kwargs)
    losses, trajectory = [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(params)
        loss.backward()
        opt.step()
        losses.append(float(loss))
        trajectory.append({n: enc(params[n]) for n in ORDER})
    return {
        "name": name,
        "class": ts_cls or torch_cls,
        "options": ts_opts if ts_opts is not None else ts_options(kwargs),
        "groups": [{"params": g["params"], "options": ts_options(g["options"])} for g in groups] if groups else None,
        "losses": losses,
        "trajectory": trajectory,
    }


# ---------------------------------------------------------------------------------------------
# schedulers

LAMBDAS = {
    "exp095": lambda e: 0.95 ** e,
    "inverse": lambda e: 1.0 / (1.0 + e),
    "halve_every_3": lambda e: 0.5 ** (e // 3),
}


def build(spec, opt):
    t = spec["type"]
    o = spec.get("options", {})
    S = torch.optim.lr_scheduler
    if t == "StepLR":
        return S.StepLR(opt, spec["stepSize"], gamma=o.get("gamma", 0.1))
    if t == "MultiStepLR":
        return S.MultiStepLR(opt, spec["milestones"], gamma=o.get("gamma", 0.1))
    if t == "ExponentialLR":
        return S.ExponentialLR(opt, spec["gamma"])
    if t == "CosineAnnealingLR":
        return S.CosineAnnealingLR(opt, spec["tMax"], eta_min=o.get("etaMin", 0))
    if t == "LinearLR":
        return S.LinearLR(opt, start_factor=o.get("startFactor", 1 / 3), end_factor=o.get("endFactor", 1.0), total_iters=o.get("totalIters", 5))
    if t == "LambdaLR":
        fns = spec["lambdas"]
        return S.LambdaLR(opt, [LAMBDAS[f] for f in fns] if isinstance(fns, list) else LAMBDAS[fns])
    if t == "OneCycleLR":
        kw = {}
        for ours, theirs in [("totalSteps", "total_steps"), ("epochs", "epochs"), ("stepsPerEpoch", "steps_per_epoch"),
                             ("pctStart", "pct_start"), ("annealStrategy", "anneal_strategy"), ("cycleMomentum", "cycle_momentum"),
                             ("baseMomentum", "base_momentum"), ("maxMomentum", "max_momentum"), ("divFactor", "div_factor"),
                             ("finalDivFactor", "final_div_factor"), ("threePhase", "three_phase")]:
            if ours in o:
                kw[theirs] = o[ours]
        return S.OneCycleLR(opt, spec["maxLr"], **kw)
    if t == "ReduceLROnPlateau":
        kw = {}
        for ours, theirs in [("mode", "mode"), ("factor", "factor"), ("patience", "patience"), ("threshold", "threshold"),
                             ("thresholdMode", "threshold_mode"), ("cooldown", "cooldown"), ("minLr", "min_lr"), ("eps", "eps")]:
            if ours in o:
                kw[theirs] = o[ours]
        return S.ReduceLROnPlateau(opt, **kw)
    if t == "SequentialLR":
        subs = [build(s, opt) for s in spec["schedulers"]]
        return S.SequentialLR(opt, subs, spec["milestones"])
    raise ValueError(t)


PLATEAU_METRICS = [1.0, 0.9, 0.85, 0.85, 0.86, 0.849, 0.85, 0.85, 0.7, 0.7, 0.71, 0.72, 0.69, 0.7, 0.7,
                   0.7, 0.7, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.5, 0.5, 0.5, 0.5, 0.5]

SCHED_CASES = [
    ("steplr", "SGD", [0.1], {"type": "StepLR", "stepSize": 7, "options": {"gamma": 0.5}}),
    ("steplr/groups", "SGD", [0.1, 0.02], {"type": "StepLR", "stepSize": 3}),
    ("multisteplr", "SGD", [0.1], {"type": "MultiStepLR", "milestones": [5, 12, 12, 20], "options": {"gamma": 0.3}}),
    ("exponentiallr", "SGD", [0.1, 0.3], {"type": "ExponentialLR", "gamma": 0.9}),
    ("cosine", "SGD", [0.1], {"type": "CosineAnnealingLR", "tMax": 10, "options": {"etaMin": 0.001}}),
    ("cosine/groups_zero_min", "SGD", [0.1, 0.05], {"type": "CosineAnnealingLR", "tMax": 7}),
    ("linearlr/warmup", "SGD", [0.1], {"type": "LinearLR", "options": {"startFactor": 0.25, "totalIters": 8}}),
    ("linearlr/decay", "Adam", [0.01], {"type": "LinearLR", "options": {"startFactor": 1.0, "endFactor": 0.1, "totalIters": 10}}),
    ("linearlr/default", "SGD", [0.1], {"type": "LinearLR"}),
    ("lambdalr", "SGD", [0.1], {"type": "LambdaLR", "lambdas": "exp095"}),
    ("lambdalr/groups", "SGD", [0.1, 0.2], {"type": "LambdaLR", "lambdas": ["inverse", "halve_every_3"]}),
    ("onecycle/cos_sgd", "SGD", [0.1], {"type": "OneCycleLR", "maxLr": 0.1, "options": {"totalSteps": 30}}),
    ("onecycle/linear_adam", "Adam", [0.01], {"type": "OneCycleLR", "maxLr": 0.01, "options": {"totalSteps": 30, "annealStrategy": "linear"}}),
    ("onecycle/three_phase", "SGD", [0.1, 0.1], {"type": "OneCycleLR", "maxLr": [0.1, 0.05], "options": {"totalSteps": 30, "threePhase": True, "pctStart": 0.25, "divFactor": 10.0, "finalDivFactor": 100.0, "baseMomentum": 0.8, "maxMomentum": 0.9}}),
    ("onecycle/epochs_no_momentum", "Adam", [0.01], {"type": "OneCycleLR", "maxLr": 0.02, "options": {"epochs": 5, "stepsPerEpoch": 6, "cycleMomentum": False}}),
    ("plateau/min_rel", "SGD", [0.1], {"type": "ReduceLROnPlateau", "options": {"patience": 2, "factor": 0.5, "threshold": 0.01, "cooldown": 1, "minLr": 0.01}}),
    ("plateau/max_abs", "SGD", [0.1, 0.05], {"type": "ReduceLROnPlateau", "options": {"mode": "max", "thresholdMode": "abs", "threshold": 0.01, "patience": 1, "factor": 0.3, "minLr": [0.001, 0.004]}}),
    ("plateau/defaults", "SGD", [0.1], {"type": "ReduceLROnPlateau", "options": {"patience": 3}}),
    ("sequential/warmup_cosine", "SGD", [0.1], {"type": "SequentialLR", "milestones": [5], "schedulers": [
        {"type": "LinearLR", "options": {"startFactor": 0.1, "totalIters": 5}},
        {"type": "CosineAnnealingLR", "tMax": 20}]}),
    ("sequential/three", "SGD", [0.1, 0.05], {"type": "SequentialLR", "milestones": [6, 15], "schedulers": [
        {"type": "ExponentialLR", "gamma": 0.9},
        {"type": "StepLR", "stepSize": 3, "options": {"gamma": 0.5}},
        {"type": "LambdaLR", "lambdas": "exp095"}]}),
]
SCHED_STEPS = 30


def run_sched_case(name, optim_cls, lrs, spec):
    p = torch.zeros(2, requires_grad=True)
    extra = {"momentum": 0.9} if optim_cls == "SGD" else {}
    opt = getattr(torch.optim, optim_cls)([{"params": [p] if i == 0 else [torch.zeros(1, requires_grad=True)], "lr": lr} for i, lr in enumerate(lrs)], lr=lrs[0], **extra)
    sched = build(spec, opt)
    one_cycle = spec["type"] == "OneCycleLR"

    def snapshot():
        if not one_cycle:
            return None
        return [g["betas"][0] if optim_cls == "Adam" else g["momentum"] for g in opt.param_groups]

    lr_seq = [[g["lr"] for g in opt.param_groups]]
    mom_seq = [snapshot()]
    for i in range(SCHED_STEPS):
        opt.step()
        if spec["type"] == "ReduceLROnPlateau":
            sched.step(PLATEAU_METRICS[i])
        else:
            sched.step()
        lr_seq.append([g["lr"] for g in opt.param_groups])
        mom_seq.append(snapshot())
    out = {"name": name, "optimizer": optim_cls, "lrs": lrs, "spec": spec, "lr_sequence": lr_seq}
    if one_cycle:
        out["momentum_sequence"] = mom_seq
    return out


def main():
    out = {
        "torch_version": torch.__version__,
        "network": {
            "x": enc(X),
            "y": enc(Y),
            "params": {k: {"shape": list(v.shape), "data": [float(x) for x in v.reshape(-1)]} for k, v in INIT.items()},
            "order": ORDER,
        },
        "steps": STEPS,
        "optimizers": [run_optim_case(*c) for c in OPTIM_CASES],
        "plateau_metrics": PLATEAU_METRICS,
        "lambdas": sorted(LAMBDAS),
        "schedulers": [run_sched_case(*c) for c in SCHED_CASES],
    }
    path = os.path.join(HERE, "optim.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(out['optimizers'])} optimizer cases, {len(out['schedulers'])} scheduler cases")


if __name__ == "__main__":
    main()
