"""Every table of the service database, imported together so the metadata is complete."""

from crimeplan.cases.accounts import ApiClient, User, WebSession
from crimeplan.cases.agencies import Agency
from crimeplan.cases.audit_log import AuditEntry, AuditHead
from crimeplan.cases.db import Base
from crimeplan.cases.people import Allocation, Link, Person, Share

__all__ = ["Agency", "Allocation", "ApiClient", "AuditEntry", "AuditHead", "Base", "Link",
           "Person", "Share", "User", "WebSession"]
