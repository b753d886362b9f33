"""The demo: made-up but lifelike data and the stations that hold it. Above the services
(it creates profiles and fills them through them); nothing in the core imports it.

- `names`: name pools and a person's identity.
- `records`: template-shaped rows — organisations, candidate files with their histories,
  members, plans.
- `small`: the small demo commune and its oracle of planted rule violations.
- `province`: the synthetic province for benchmarks.
- `stations`: the demo's profiles on this PC.
"""
