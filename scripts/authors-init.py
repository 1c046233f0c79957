#!/usr/bin/env python3
"""Write the authors' initial weights of Experiments 1 and 3 in precond-lab's --init format.

The lab draws its initial weights from its own MT19937 stream; the authors' come from PyTorch's generator. With this
file, `precond-lab run ... --init weights.json` (or `reproduce`'s underlying presets run with --init) starts from the
very weights the authors' scripts start from, so the remaining difference between the two codes disappears.

What it does, as the authors' scripts do (docs/reproduction.md): torch.manual_seed(seed); build Linear(dx -> width)
and Linear(width -> 1) (their constructors draw PyTorch's default init, which the next step replaces, but the draws
advance the generator); then each weight gets Kaiming-uniform for ReLU, U(-b, b) with b = sqrt(6 / fan_in), times
the init scale (0.001), and each bias 0. If your copy of the authors' code differs (another seed call, another
order), change `build` below to match it.

Usage (needs PyTorch; not run in CI):
    python3 scripts/authors-init.py --seed 42 --out authors-init-42.json
    node dist/cli.js run fig1-cov --init authors-init-42.json --seeds 42
"""
import argparse
import json
import math
import sys


def build(torch, seed: int, dx: int, width: int, scale: float):
    torch.manual_seed(seed)
    l1 = torch.nn.Linear(dx, width)
    l2 = torch.nn.Linear(width, 1)
    with torch.no_grad():
        for layer in (l1, l2):
            torch.nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")  # b = sqrt(6 / fan_in)
            layer.weight.mul_(scale)
            layer.bias.zero_()
    return l1, l2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--dx", type=int, default=10)
    ap.add_argument("--width", type=int, default=500)
    ap.add_argument("--scale", type=float, default=0.001, help="init scale (the presets' initScale)")
    ap.add_argument("--out", required=True, help="the JSON file to write")
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("authors-init.py needs PyTorch: pip install torch", file=sys.stderr)
        return 2
    l1, l2 = build(torch, a.seed, a.dx, a.width, a.scale)
    bound = math.sqrt(6 / a.dx) * a.scale
    assert float(l1.weight.abs().max()) <= bound, "W1 outside the Kaiming bound"
    params = {
        "W1": l1.weight.detach().double().tolist(),  # width x dx
        "b1": l1.bias.detach().double().tolist(),  # width
        "W2": l2.weight.detach().double().tolist(),  # 1 x width
        "b2": l2.bias.detach().double().tolist(),  # 1
    }
    with open(a.out, "w") as f:
        json.dump(params, f)
    print(f"wrote the authors' initial weights (seed {a.seed}, {a.dx}-{a.width}-1, scale {a.scale}) to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
