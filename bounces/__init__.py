"""Delivery reports read back from the sending mailbox: the mailbox (IMAP or Graph), parser,
codes, actions.

    fetch_bounces(engine, settings.bounces, actor=...) -> FetchReport    (bounces/fetch.py)

Microsoft 365 accepts every message and reports failures later, as non-delivery reports in the
sending mailbox; these stages turn them into ledger states, suppressions and list flags.
"""
