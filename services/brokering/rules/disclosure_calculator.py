"""When does a conviction become spent? A guide under the Rehabilitation of Offenders Act 1974.

The rehabilitation periods are those in force since 28 October 2023 (changed by the Police, Crime,
Sentencing and Courts Act 2022). The calculator computes and stores nothing about anyone: it answers
one question and forgets it. Its answer is a guide; a legal adviser or a charity's calculator (such as
Unlock's) gives the authoritative one, and the caveats say so.

Pure: no Flask, no database.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from shared.errors import Unprocessable

SENTENCES = ("custody", "community_order", "conditional_discharge", "absolute_discharge", "fine",
             "simple_caution", "conditional_caution")

CAVEATS = (
    "This is a guide, not legal advice. Check your result with a legal adviser or a charity such as "
    "Unlock (unlock.org.uk), whose disclosure calculator covers cases this one does not.",
    "Roles exempt from the Act (work with children or vulnerable adults, some health, legal, financial "
    "and security roles) may ask about spent convictions; a standard or enhanced DBS check can show them "
    "unless the filtering rules remove them.",
    "If you are convicted again before a conviction is spent, both may stay unspent until the later "
    "one is spent.",
    "A suspended sentence counts as custody of the length imposed; time on licence counts as part of "
    "the sentence: give the date the whole sentence, licence included, ends.",
)

# The dates it answers about: a conviction from 1900 on; a sentence ending by 2200 (a longer one is custody
# for life in all but name, and its spent date would be past any calendar worth printing).
EARLIEST = dt.date(1900, 1, 1)
LATEST_END = dt.date(2200, 12, 31)

# (adult period, period for someone under 18 when convicted) after the sentence ends, in months.
CUSTODY_PERIODS = (
    (12, 12, 6),   # custody of 12 months or less
    (48, 48, 24),  # over 12 months and up to 4 years
    (None, 84, 42),  # over 4 years (7 years; 3 and a half for a child), unless a serious offence
)


@dataclass(frozen=True)
class Sentence:
    """What the person was given, as they tell it; nothing here is kept."""

    kind: str
    convicted_on: dt.date
    ended_on: dt.date | None = None  # the last day of the sentence, order, licence or discharge period
    custody_months: int | None = None  # the length of a custodial sentence as imposed
    under_18_when_convicted: bool = False
    serious_offence: bool = False  # a serious violent, sexual or terrorist offence (Schedule 18 and the like)

    def __post_init__(self) -> None:
        if self.kind not in SENTENCES:
            raise ValueError(f"kind must be one of {', '.join(SENTENCES)}")
        if not EARLIEST <= self.convicted_on <= LATEST_END:
            raise ValueError(f"give a conviction date from {EARLIEST.isoformat()} on")
        if self.ended_on is not None and not EARLIEST <= self.ended_on <= LATEST_END:
            raise ValueError(f"give an end date from {EARLIEST.isoformat()} to {LATEST_END.isoformat()}")
        if self.kind in ("custody", "community_order", "conditional_discharge") and self.ended_on is None:
            raise ValueError("give the date the sentence, order or discharge period ends")
        if self.kind == "custody" and (self.custody_months is None or self.custody_months < 1):
            raise ValueError("give the length of the custodial sentence in months")
        if self.ended_on is not None and self.ended_on < self.convicted_on:
            raise ValueError("a sentence cannot end before the conviction")


@dataclass(frozen=True)
class Answer:
    """When the conviction is spent (None: never), how that was worked out, and the caveats."""

    spent_on: dt.date | None
    never_spent: bool
    reasoning: str
    caveats: tuple[str, ...] = field(default=CAVEATS)

    def spent_by(self, today: dt.date) -> bool:
        return self.spent_on is not None and self.spent_on <= today


def answer(question: dict) -> Answer:
    """Answer one question (a Sentence's fields, as the calculator's form or request gives them); one the
    calculator cannot answer is refused (422) for the asker to change."""
    try:
        return spent_date(Sentence(**question))
    except ValueError as error:
        raise Unprocessable(f"The calculator cannot answer this: {error}.") from None


def spent_date(sentence: Sentence) -> Answer:
    """Work out when a conviction or caution becomes spent."""
    child = sentence.under_18_when_convicted
    kind = sentence.kind
    if kind == "absolute_discharge":
        return Answer(sentence.convicted_on, False, "An absolute discharge is spent straight away.")
    if kind == "simple_caution":
        return Answer(sentence.convicted_on, False, "A simple caution (or youth caution) is spent straight away.")
    if kind == "conditional_caution":
        return Answer(add_months(sentence.convicted_on, 3), False,
                      "A conditional caution is spent 3 months after it is given.")
    if kind == "fine":
        months = 6 if child else 12
        return Answer(add_months(sentence.convicted_on, months), False,
                      f"A fine is spent {_months(months)} after the conviction"
                      f"{' for someone under 18 when convicted' if child else ''}.")
    if kind in ("community_order", "conditional_discharge"):
        what = "A community or youth rehabilitation order" if kind == "community_order" else "A conditional discharge"
        return Answer(sentence.ended_on, False, f"{what} is spent on its last day.")
    return _custody(sentence)


def _custody(sentence: Sentence) -> Answer:
    length, child = sentence.custody_months, sentence.under_18_when_convicted
    limit, adult_months, child_months = next(
        band for band in CUSTODY_PERIODS if band[0] is None or length <= band[0])
    if limit is None and sentence.serious_offence:
        return Answer(None, True, "Custody of over 4 years for a serious violent, sexual or terrorist offence "
                                  "is never spent.")
    months = child_months if child else adult_months
    band = ("12 months or less" if limit == 12 else "over 12 months and up to 4 years" if limit == 48
            else "over 4 years")
    return Answer(add_months(sentence.ended_on, months), False,
                  f"Custody of {band} is spent {_months(months)} after the sentence (licence included) ends"
                  f"{', the period halved for someone under 18 when convicted' if child else ''}.")


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` later (the last day of the month when that day does not exist)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' if years > 1 else ''}"
    if months > 12:
        return f"{months // 12} and a half years" if months % 12 == 6 else f"{months} months"
    return f"{months} months"
