#!/usr/bin/python3
"""Reference values for optim.Schedule (optim/schedule_test.go): R3GAN's cosine decay
with linear warm-up and hold, as defined in brownvc/R3GAN training/training_loop.py
(cosine_decay_with_warmup) and used by its train.py for gamma, the learning rate, Adam's
beta2 and the EMA half-life. Written here from that definition:

  phase 1, n < W:         linear from warmup_start to base
  phase 2, W <= n <= W+H: base (only when a hold is given)
  phase 3:                base + (1 - d) (end - base), d = (1 + cos(pi (n-W-H) / (T-W-H))) / 2
  after n > T:            end

Usage: /usr/bin/python3 scripts/reference/r3gan_schedule.py   (prints the test's table)
"""
import math


def schedule(n, base, T, end, W=0.0, start=0.0, H=0.0):
    if n > T:
        return end
    if W > 0 and n < W:
        return start + (base - start) * n / W
    if H > 0 and n <= W + H:
        return base
    d = 0.5 * (1 + math.cos(math.pi * (n - W - H) / (T - W - H)))
    return base + (1 - d) * (end - base)


# train.py's learning rate: 2e-4 -> 5e-5 over 2e7 images.
for n in (0, 5e6, 1e7, 2e7, 3e7):
    print(f"lr   n={n:<10g} {schedule(n, 2e-4, 2e7, 5e-5)!r}")
# warm-up 0.5 -> 0.9 over 2,000 images, held to 3,000, then to 0.99 at 10,000.
for n in (0, 1000, 2000, 2500, 3000, 6000, 10000, 12000):
    print(f"warm n={n:<10g} {schedule(n, 0.9, 10000, 0.99, W=2000, start=0.5, H=1000)!r}")
