"""Individual risk triage and harm-weighted offender cohorts.

Risk models share one contract (``crimeplan.risk.base.RiskModel``); ``training`` fits and
cross-validates them, ``bands`` turns probabilities into low / moderate / high from a stated
cost ratio, ``evaluation`` measures accuracy, calibration and error balance overall and by
protected group, ``explain`` gives each person's top factors in plain words, ``modeldir``
saves and checks a fitted model with its card. ``harm`` and ``cohorts`` weight offence
histories by a cited harm table and find the few people who cause most of the harm.
"""
