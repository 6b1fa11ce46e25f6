"""Matching job seekers and vacancies: a score out of 100 with the reasons for it, skills first.

A person whose licence conditions forbid the kind of work a vacancy involves is never matched to it;
the clash is not shown to the employer, who simply does not see that person. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

WEIGHTS = {"skills": 40, "sector": 20, "location": 15, "hours": 15, "availability": 10}
MAX_MATCHES = 50  # the most matches a ranking answers


@dataclass(frozen=True)
class SeekerFit:
    skills: frozenset[str]
    sectors: frozenset[str]
    travel_area: str | None
    hours_per_week: int | None
    available_from: dt.date | None
    restricted_roles: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class VacancyFit:
    skills: frozenset[str]
    sector: str
    location: str
    hours_per_week: int
    closing_on: dt.date
    involves: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Match:
    score: int
    reasons: tuple[str, ...]


def normalise(words) -> frozenset[str]:
    """Compare skills and sectors without case or extra spaces."""
    return frozenset(" ".join(word.lower().split()) for word in words if word and word.strip())


def seeker_fit(seeker, restricted_roles) -> SeekerFit:
    """What matching needs of a job seeker's profile (a JobSeeker) and the work they must not do."""
    return SeekerFit(skills=normalise(seeker.skills or []), sectors=frozenset(seeker.sectors or []),
                     travel_area=seeker.travel_area, hours_per_week=seeker.hours_per_week,
                     available_from=seeker.available_from, restricted_roles=frozenset(restricted_roles or []))


def vacancy_fit(vacancy) -> VacancyFit:
    """What matching needs of a vacancy (a Vacancy)."""
    return VacancyFit(skills=normalise(vacancy.skills or []), sector=vacancy.sector, location=vacancy.location,
                      hours_per_week=vacancy.hours_per_week, closing_on=vacancy.closing_on,
                      involves=frozenset(vacancy.involves or []))


def postcode_area(district: str) -> str:
    """Return the area of a postcode district: LS6 -> LS, SW1A -> SW."""
    return re.match(r"[A-Za-z]*", district.strip()).group(0).upper()


def match(seeker: SeekerFit, vacancy: VacancyFit) -> Match | None:
    """Score how well a person fits a vacancy; None when they must not be put forward for it at all."""
    if seeker.restricted_roles & vacancy.involves:
        return None
    score, reasons = 0, []
    wanted = vacancy.skills
    if wanted:
        shared = sorted(seeker.skills & wanted)
        score += round(WEIGHTS["skills"] * len(shared) / len(wanted))
        listed = f": {', '.join(shared)}" if shared else ""
        reasons.append(f"has {len(shared)} of {len(wanted)} skills wanted{listed}")
    else:
        score += WEIGHTS["skills"]
        reasons.append("no particular skills asked for")
    if vacancy.sector in seeker.sectors:
        score += WEIGHTS["sector"]
        reasons.append(f"wants to work in {vacancy.sector}")
    if seeker.travel_area:
        if seeker.travel_area.upper() == vacancy.location.upper():
            score += WEIGHTS["location"]
            reasons.append(f"lives in {vacancy.location.upper()}")
        elif postcode_area(seeker.travel_area) == postcode_area(vacancy.location):
            score += WEIGHTS["location"] // 2
            reasons.append(f"lives in the same postcode area ({postcode_area(vacancy.location)})")
        else:
            reasons.append("lives outside the area")
    if seeker.hours_per_week is None:
        score += WEIGHTS["hours"] // 2
        reasons.append("has not said how many hours they want")
    else:
        if vacancy.hours_per_week <= seeker.hours_per_week:
            score += WEIGHTS["hours"]
        reasons.append(f"wants up to {seeker.hours_per_week} hours; the job has {vacancy.hours_per_week}")
    if seeker.available_from is None or seeker.available_from <= vacancy.closing_on:
        score += WEIGHTS["availability"]
        reasons.append("available before the closing date")
    else:
        reasons.append(f"available only from {seeker.available_from.isoformat()}")
    return Match(score, tuple(reasons))


def ranked(pairs) -> list[tuple[object, Match]]:
    """Rank (item, Match or None) pairs best first, leaving out those that must not be matched; the best
    ``MAX_MATCHES`` only."""
    kept = [(item, found) for item, found in pairs if found is not None]
    return sorted(kept, key=lambda pair: -pair[1].score)[:MAX_MATCHES]
