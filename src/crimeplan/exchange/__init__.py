"""Exchange between agencies' systems: change events in a transactional outbox, a pull feed
and signed webhooks, consumers that apply each event once, and the published standard.

Importing ``crimeplan.exchange.outbox`` (as ``crimeplan.cases.models`` does) installs the
session hook that publishes every change to a declared model (``exchange.registry``).
"""
