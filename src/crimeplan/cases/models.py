"""Every table of the service database, imported together so the metadata is complete."""

from crimeplan.cases.accounts import ApiClient, User, WebSession
from crimeplan.cases.agencies import Agency
from crimeplan.cases.asb.models import Application as AsbApplication  # issue 13: ASB reviews
from crimeplan.cases.casework import Case, CaseNote, CaseShare, RetentionReview, Task
from crimeplan.cases.db import Base
from crimeplan.cases.early_intervention.models import Referral, StatusPeriod  # issue 13: EI
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.iom.models import (  # IOM (issue #13 item 2)
    IomAllocation,
    IomNeed,
    IomRecord,
    IomReview,
    NominationDecision,
)
from crimeplan.cases.linkage.models import LinkProposal
from crimeplan.cases.people import Address, Alias, Allocation, Link, Person, Relation, Share
from crimeplan.cases.places import Location

# Victims' Code compliance (issue #13 item 5)
from crimeplan.cases.victims.models import NeedsAssessment, Obligation, VictimCare, VictimChoice

# --- exchange (issue #14): the outbox tables; importing them installs the publishing hook ---
from crimeplan.exchange.consumer import Copy, InboxEntry, Peer
from crimeplan.exchange.outbox import OutboxEvent, OutboxHead
from crimeplan.exchange.subscriptions import Delivery, Subscription

# --- end exchange ---
from crimeplan.provenance.dblog import AuditEntry, AuditHead

__all__ = ["Address", "Agency", "Alias", "Allocation", "ApiClient", "AuditEntry", "AuditHead",
           "Base", "Case", "CaseNote", "CaseShare", "Event", "Link", "LinkProposal", "Location",
           "NeedsAssessment", "Obligation", "Participant", "Person", "Relation",
           "RetentionReview", "Share", "Task", "User", "VictimCare", "VictimChoice",
           "WebSession"]
__all__ += ["IomAllocation", "IomNeed", "IomRecord", "IomReview",  # IOM (issue #13 item 2)
            "NominationDecision"]
__all__ += ["AsbApplication", "Referral", "StatusPeriod"]  # issue 13: EI and ASB reviews
__all__ += ["Copy", "Delivery", "InboxEntry", "OutboxEvent", "OutboxHead", "Peer",
            "Subscription"]  # exchange (issue #14)
