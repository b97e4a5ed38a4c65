"""Seeded synthetic data for tests and the demo: UK-shaped custody records and offence histories.

Custody records (one row per person brought into custody) carry age, sex, ethnicity (ONS
five-group), prior arrests, prior violent arrests, age at first arrest, current offence group,
postcode district and whether the person reoffended within two years. The outcome follows a
logistic model of age, prior arrests, prior violence and offence group only: sex, ethnicity and
postcode district have no effect on it, so any group differences a model shows on this data
come from differences in the other features.

Offence histories are skewed as real ones are: each person has an offending rate drawn from
a log-normal distribution (σ = ``RATE_SIGMA``) that drifts from year to year, and a propensity
for serious offences drawn from a Beta(0.6, 4) distribution, so a few people commit most
offences and fewer still most harm. With the defaults (2,000 people, 3 years, seed 0) 1,220
people offend; the top 10 % of them commit 43 % of the offences and 69 % of the harm on the
illustrative CCHI-style table (measured figures in ``docs/risk.md``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

ETHNICITY = ("White", "Black", "Asian", "Mixed", "Other")
ETHNICITY_SHARE = (0.78, 0.08, 0.08, 0.04, 0.02)
OFFENCE_GROUPS = ("violence", "theft", "drugs", "public order", "criminal damage", "burglary",
                  "motoring")
OFFENCE_GROUP_SHARE = (0.30, 0.22, 0.14, 0.12, 0.08, 0.07, 0.07)
#: Log-odds added for each current offence group (violence is the reference).
OFFENCE_GROUP_EFFECT = (0.0, 0.35, 0.2, 0.1, 0.15, 0.4, -0.3)
DISTRICTS = tuple(f"DH{i}" for i in range(1, 10))
#: The custody records' model features: no protected attribute, no area.
CUSTODY_FEATURES = ("age", "prior_arrests", "prior_violent_arrests", "age_first_arrest",
                    "offence_group")

#: Offence types of the synthetic histories: serious ones, then volume ones.
SERIOUS_OFFENCES = ("homicide", "rape", "wounding with intent", "robbery", "domestic burglary",
                    "possession of a bladed article", "drug supply", "assault with injury")
SERIOUS_SHARE = (0.002, 0.02, 0.05, 0.12, 0.18, 0.13, 0.15, 0.348)
VOLUME_OFFENCES = ("common assault", "theft from the person", "non-domestic burglary",
                   "vehicle theft", "shoplifting", "criminal damage", "public order",
                   "drug possession")
VOLUME_SHARE = (0.16, 0.05, 0.06, 0.07, 0.30, 0.14, 0.12, 0.10)
RATE_MEDIAN = 0.35   # offences per person-year, median person
RATE_SIGMA = 1.3     # spread of log rates between people
DRIFT_SIGMA = 0.5    # year-to-year change of a person's log rate


def custody_records(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """``n`` synthetic custody records with a two-year reoffending outcome."""
    rng = np.random.default_rng(seed)
    age = np.clip(np.round(18 + rng.gamma(2.0, 7.0, n)), 18, 80).astype(int)
    first = np.minimum(age, np.round(12 + rng.gamma(2.0, 3.5, n))).astype(int)
    years_active = age - first
    priors = rng.negative_binomial(1.2, 1.2 / (1.2 + 0.25 * years_active + 0.5))
    violent = rng.binomial(priors, 0.25)
    group = rng.choice(len(OFFENCE_GROUPS), n, p=OFFENCE_GROUP_SHARE)
    logit = (-1.3 - 0.06 * (age - 30) + 0.8 * np.log1p(priors) + 0.4 * (violent > 0)
             + np.asarray(OFFENCE_GROUP_EFFECT)[group] - 0.02 * (first - 16))
    reoffended = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    return pd.DataFrame({
        "custody_id": [f"C{seed:02d}{i:06d}" for i in range(n)],
        "age": age,
        "sex": rng.choice(["Male", "Female"], n, p=[0.85, 0.15]),
        "ethnicity": rng.choice(ETHNICITY, n, p=ETHNICITY_SHARE),
        "prior_arrests": priors,
        "prior_violent_arrests": violent,
        "age_first_arrest": first,
        "offence_group": np.asarray(OFFENCE_GROUPS)[group],
        "postcode_district": rng.choice(DISTRICTS, n),
        "reoffended_2y": reoffended.astype(int),
    })


def offence_histories(people: int = 2000, start: dt.date = dt.date(2022, 1, 1),
                      years: int = 3, seed: int = 0) -> pd.DataFrame:
    """Offences (person_id, offence_date, offence_type) of ``people`` over ``years`` years."""
    rng = np.random.default_rng(seed)
    log_rate = np.log(RATE_MEDIAN) + RATE_SIGMA * rng.standard_normal(people)
    serious = rng.beta(0.6, 4.0, people)
    rows: list[pd.DataFrame] = []
    for year in range(years):
        log_rate = log_rate + DRIFT_SIGMA * rng.standard_normal(people)
        counts = rng.poisson(np.exp(log_rate))
        who = np.repeat(np.arange(people), counts)
        is_serious = rng.random(len(who)) < serious[who]
        kinds = np.where(
            is_serious,
            np.asarray(SERIOUS_OFFENCES)[rng.choice(len(SERIOUS_OFFENCES), len(who),
                                                    p=SERIOUS_SHARE)],
            np.asarray(VOLUME_OFFENCES)[rng.choice(len(VOLUME_OFFENCES), len(who),
                                                   p=VOLUME_SHARE)])
        first_day = dt.date(start.year + year, start.month, start.day)
        days = (dt.date(first_day.year + 1, first_day.month, first_day.day) - first_day).days
        dates = pd.Timestamp(first_day) + pd.to_timedelta(rng.integers(0, days, len(who)),
                                                          unit="D")
        rows.append(pd.DataFrame({"person_id": [f"P{seed:02d}{i:05d}" for i in who],
                                  "offence_date": dates.date, "offence_type": kinds}))
    history = pd.concat(rows, ignore_index=True)
    return history.sort_values(["offence_date", "person_id"], kind="mergesort").reset_index(
        drop=True)
