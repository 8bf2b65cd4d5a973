"""Response figures per grade over a date range: median, 90th percentile, % within target.

Response time is from the incident's opening to the first unit's arrival. An incident counts
towards "% within target" once it can be judged: a unit has arrived, or its target has passed
with nobody there (a miss). Incidents still inside their target and unattended are "pending".
Grade 4 has no target. 999 calls answered within the answer target are given too.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, extract, func, or_, select
from sqlalchemy.orm import Session

from onbeat.command.contacts.models import Contact
from onbeat.command.incidents.catalogue import GRADES
from onbeat.command.incidents.models import Incident
from onbeat.command.incidents.settings import command_settings
from onbeat.core.time import UK, utcnow


def uk_day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """UK days from `date_from` to `date_to` inclusive, as UTC instants [start, end)."""
    start = datetime.combine(date_from, time.min, UK)
    end = datetime.combine(date_to + timedelta(days=1), time.min, UK)
    return start, end


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def response_figures(db: Session, date_from: date, date_to: date, now: datetime | None = None) -> dict:
    now = now or utcnow()
    start, end = uk_day_bounds(date_from, date_to)
    response = extract("epoch", Incident.first_arrival_at - Incident.opened_at)
    arrived = Incident.first_arrival_at.is_not(None)
    judged = and_(Incident.target_at.is_not(None), or_(arrived, Incident.target_at <= now))
    within = and_(arrived, Incident.first_arrival_at <= Incident.target_at)
    rows = {r.grade: r for r in db.execute(
        select(Incident.grade, func.count().label("incidents"), func.count(Incident.first_arrival_at).label("arrived"),
               func.percentile_cont(0.5).within_group(response).label("median"),
               func.percentile_cont(0.9).within_group(response).label("p90"),
               func.count().filter(judged).label("judged"), func.count().filter(within).label("within"))
        .where(Incident.opened_at >= start, Incident.opened_at < end).group_by(Incident.grade))}
    grades = []
    for grade, label in GRADES.items():
        r = rows.get(grade)
        judged_n = r.judged if r else 0
        grades.append({"grade": grade, "label": label, "incidents": r.incidents if r else 0,
                       "arrived": r.arrived if r else 0,
                       "median_minutes": _minutes(r.median) if r else None,
                       "p90_minutes": _minutes(r.p90) if r else None,
                       "judged": judged_n, "within_target": r.within if r else 0,
                       "within_target_pct": round(100 * r.within / judged_n, 1) if r and judged_n else None,
                       "has_target": grade != 4})
    return {"date_from": date_from, "date_to": date_to, "grades": grades, "answering": _answering(db, start, end)}


def _answering(db: Session, start: datetime, end: datetime) -> dict:
    target = command_settings().answer_target_seconds
    wait = extract("epoch", Contact.answered_at - Contact.received_at)
    r = db.execute(select(func.count(), func.count(Contact.answered_at), func.count().filter(wait <= target))
                   .where(Contact.channel == "999", Contact.received_at >= start, Contact.received_at < end)).one()
    calls, answered, within = r
    return {"calls_999": calls, "answered": answered, "target_seconds": target, "within_target": within,
            "within_target_pct": round(100 * within / answered, 1) if answered else None}
