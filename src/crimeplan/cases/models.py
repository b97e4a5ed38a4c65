"""Every table of the service database, imported together so the metadata is complete."""

from crimeplan.cases.accounts import ApiClient, User, WebSession
from crimeplan.cases.agencies import Agency
from crimeplan.cases.casework import Case, CaseNote, CaseShare, Task
from crimeplan.cases.db import Base
from crimeplan.cases.events import Event, Participant
from crimeplan.cases.people import Address, Alias, Allocation, Link, Person, Relation, Share
from crimeplan.cases.places import Location
from crimeplan.provenance.dblog import AuditEntry, AuditHead

__all__ = ["Address", "Agency", "Alias", "Allocation", "ApiClient", "AuditEntry", "AuditHead",
           "Base", "Case", "CaseNote", "CaseShare", "Event", "Link", "Location", "Participant",
           "Person", "Relation", "Share", "Task", "User", "WebSession"]
