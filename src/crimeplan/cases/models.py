"""Every table of the service database, imported together so the metadata is complete."""

from crimeplan.cases.accounts import ApiClient, User, WebSession
from crimeplan.cases.agencies import Agency
from crimeplan.cases.casework import Case, CaseNote, CaseShare, Task
from crimeplan.cases.db import Base
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Address, Alias, Allocation, Link, Person, Relation, Share
from crimeplan.cases.places import Location

# --- exchange (issue #14): the outbox tables; importing them installs the publishing hook ---
from crimeplan.exchange.consumer import Copy, InboxEntry, Peer
from crimeplan.exchange.outbox import OutboxEvent, OutboxHead
from crimeplan.exchange.subscriptions import Delivery, Subscription

# --- end exchange ---
from crimeplan.provenance.dblog import AuditEntry, AuditHead

__all__ = ["Address", "Agency", "Alias", "Allocation", "ApiClient", "AuditEntry", "AuditHead",
           "Base", "Case", "CaseNote", "CaseShare", "Event", "Link", "Location", "Participant",
           "Person", "Relation", "Share", "Task", "User", "WebSession"]
__all__ += ["Copy", "Delivery", "InboxEntry", "OutboxEvent", "OutboxHead", "Peer",
            "Subscription"]  # exchange (issue #14)
