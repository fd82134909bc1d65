"""Recipient lists: CSV import and sync, suppression, data-subject requests, a send's audience."""

from briefcast.recipients.audience import AudienceMember, audience
from briefcast.recipients.csv_import import (
    ImportCounts,
    ImportReport,
    import_list,
    import_lists_folder,
)
from briefcast.recipients.lists import (
    create_list,
    export_members,
    list_overview,
    remove_member,
    show_list,
)
from briefcast.recipients.subject_requests import ErasureReport, export_person, forget
from briefcast.recipients.suppression import suppress, unsuppress

__all__ = [
    "AudienceMember",
    "ErasureReport",
    "ImportCounts",
    "ImportReport",
    "audience",
    "create_list",
    "export_members",
    "export_person",
    "forget",
    "import_list",
    "import_lists_folder",
    "list_overview",
    "remove_member",
    "show_list",
    "suppress",
    "unsuppress",
]
