"""The missed-window policy: when an issue whose time has passed may still go out by itself.

An issue is sent late only if it is less than the grace period late and it is now within the
sending hours where the campaign is; otherwise it is marked missed and waits for a person
(`briefcast resume` or `send-now`). A briefing must never land days late, or at 3 a.m.,
without someone deciding it should.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from briefcast.settings import Settings

# A job that starts this soon after its time is on time: the scheduler's own latency and a quick
# restart are not a missed window, even when the planned time is outside the sending hours.
ON_TIME = timedelta(minutes=5)


@dataclass(frozen=True)
class LatePolicy:
    grace: timedelta
    hours: tuple[time, time]  # local start and end of the sending day

    @classmethod
    def from_settings(cls, settings: Settings) -> LatePolicy:
        return cls(grace=settings.grace_period, hours=settings.sending_hours)

    def missed_reason(self, planned_at: datetime, now: datetime, timezone: str) -> str | None:
        """None when the issue may go now; otherwise why it was missed, fit for `status`."""
        late = now - planned_at
        if late <= ON_TIME:
            return None
        zone = ZoneInfo(timezone)
        due = f"due {planned_at.astimezone(zone):%a %d %b %Y %H:%M}"
        if late >= self.grace:
            return (
                f"{due}, {describe(late)} late (the grace period is {describe(self.grace)}); "
                "it was not sent by itself"
            )
        local = now.astimezone(zone).time()
        start, end = self.hours
        if not within_hours(self.hours, local):
            return (
                f"{due}, {describe(late)} late and it is now {local:%H:%M}, outside the sending "
                f"hours {start:%H:%M}-{end:%H:%M}; it was not sent by itself"
            )
        return None


def within_hours(hours: tuple[time, time], local: time) -> bool:
    """Whether a local time is inside the sending hours, to the minute: "07:00-19:00" includes
    the whole of 19:00, and "00:00-23:59" the whole day."""
    start, end = hours
    return start <= local.replace(second=0, microsecond=0) <= end


def describe(span: timedelta) -> str:
    """7 h 5 min, 2 days 3 h, 45 min: a duration as a person would say it."""
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    return " ".join(parts) or "under a minute"
