"""The one exception type a user sees: a message they can act on, printed as one line."""


class BriefcastError(Exception):
    """Something the user can fix: the message names the file, line or row, what was wrong and
    what to do.

    The CLI prints it as a single line and exits 1; anything else reaching the CLI is a bug.
    Stages subclass it (BriefingError, CampaignFileError, ...) so callers can catch one kind.
    """


def os_reason(error: OSError) -> str:
    """The OS's reason in words ("No such file or directory"), for messages that already name
    the file: str(error) would repeat the path and add Python's "[Errno 2]"."""
    return error.strerror or str(error)
