"""ASB case reviews ("community trigger", Anti-social Behaviour, Crime and Policing Act 2014
s.104 and Schedule 4): complaints counted once across agencies, the threshold detected, the
application and its clock, and the figures the law requires to be published."""
