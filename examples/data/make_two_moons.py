#!/usr/bin/env python3
"""Writes two_moons.csv: 500 points of two interleaved half circles (as scikit-learn's
make_moons) with Gaussian noise 0.08, centred near the origin. Standard library only, seeded, so
the file is reproducible: python3 examples/data/make_two_moons.py > examples/data/two_moons.csv"""
import math
import random

rng = random.Random(8)
n = 500
print("x,y")
for i in range(n):
    upper = i % 2 == 0
    t = math.pi * rng.random()
    if upper:
        x, y = math.cos(t), math.sin(t)
    else:
        x, y = 1.0 - math.cos(t), 0.5 - math.sin(t)
    x += rng.gauss(0.0, 0.08) - 0.5
    y += rng.gauss(0.0, 0.08) - 0.25
    print(f"{x:.6f},{y:.6f}")
