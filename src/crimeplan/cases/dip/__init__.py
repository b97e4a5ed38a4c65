"""The Drug Intervention Programme (DIP): an arrest for a trigger offence → a test on arrest
(positive, negative, refused) → required assessment (initial, follow-up) → referral into
treatment → engagement (treatment starts) and outcome (treatment ends, with a reason).

A pathway is the events that follow one test on arrest; its state is derived from their
timestamps, never stored. The measures a partnership reports come from the same events.
"""
