"""Early intervention for children aged 10 to 17 (Turnaround-style): eligibility flagged from
the events agencies record, referral, consent and support, and family links."""
