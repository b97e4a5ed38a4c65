"""Settings for the whole suite.

Hypothesis's per-example deadline (200 ms by default) measures the machine, not the code: on a
shared 2-core CI runner a first example that imports a module or warms a cache overruns it, and
the test fails with a timing error instead of a counterexample. Property tests here check
values, and the suite's speed is watched as a whole, so no test has a deadline.
"""

from hypothesis import settings

settings.register_profile("crimeplan", deadline=None)
settings.load_profile("crimeplan")
