"""Recipient lists: CSV import and sync, suppression, data-subject requests, a send's audience."""
