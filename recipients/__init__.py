"""Recipient lists: CSV import and sync, suppression, data-subject requests, the audience of a send."""
