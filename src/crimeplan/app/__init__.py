"""The application layer: one function per thing a user does, for every shell.

A use case takes an explicit actor (``crimeplan.cases.actor.Actor``: user or system, agency,
purpose, request id; ``actors.cli_actor`` at the command line), does its work through the
library and records its run in the workspace's audit log with the actor in the record, so no
shell (the CLI, the web pages, the API) can skip the log. ``registry.USE_CASES`` lists them.
"""
