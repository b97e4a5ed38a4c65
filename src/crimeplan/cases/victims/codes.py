"""Code lists of the victims' programme: what a needs assessment finds, what the victim chose,
and the states an obligation can be in (stable ids, as in ``standard.pole``)."""

from __future__ import annotations

from crimeplan.standard.pole import Code, code_list

#: Support a needs assessment can find the victim needs.
NEEDS = code_list(
    Code("emotional-support", "Emotional support"),
    Code("practical-support", "Practical support"),
    Code("safety-planning", "Safety planning and protection"),
    Code("interpreter", "Interpreter or translation"),
    Code("special-measures", "Special measures at court"),
    Code("accommodation", "Accommodation"),
    Code("financial", "Financial help or compensation advice"),
    Code("health", "Health or mental health support"),
    Code("restorative-justice", "Information about restorative justice"),
)

#: What the needs assessment led to.
ASSESSMENT_OUTCOMES = code_list(
    Code("referred", "Referred to support services"),
    Code("specialist-referral", "Referred to a specialist service"),
    Code("support-declined", "Support offered and declined"),
    Code("no-support-needed", "No support needed"),
)

#: A victim's choices: stop or restart the clock of a right (or of every right).
CHOICE_KINDS = code_list(
    Code("opt-out", "Does not want this service"),
    Code("opt-in", "Wants the service again"),
    Code("agreed-frequency", "Agreed how often to be updated (replaces the event-by-event "
                             "time limits of the right)"),
    Code("contact-preference", "How to be contacted"),
)

#: How the victim wants to be contacted.
CHANNELS = code_list(
    Code("phone", "Telephone"),
    Code("email", "Email"),
    Code("letter", "Letter"),
    Code("in-person", "In person"),
    Code("text-message", "Text message"),
)

#: The state of an obligation, derived from its timestamps (never stored).
STATES = code_list(
    Code("pending", "Pending"),
    Code("met", "Met"),
    Code("met-late", "Met late"),
    Code("breached", "Breached"),
    Code("not-applicable", "Not applicable"),
    Code("opted-out", "Opted out"),
    Code("unable", "Unable"),
)

#: States in which the time limit ran its course: the denominator of compliance rates.
DECIDED = ("met", "met-late", "breached")
