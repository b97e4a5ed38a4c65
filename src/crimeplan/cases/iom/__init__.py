"""Integrated Offender Management (IOM): the partnership's cohort of the people whose offending
harms their neighbourhoods most, managed jointly by police, probation and partners.

A person's journey is referred → assessed → selected into a cohort (Fixed, Flex, Free) →
active (in the community or in custody) → de-selected with a reason; every state follows from
timestamps. Nominations come from crimeplan's harm-weighted cohort scores, but a person
always decides, with a reason. Needs are recorded per pathway and met by a multi-agency action
plan; offending before and after selection is shown with its caveats.
"""
