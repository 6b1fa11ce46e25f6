"""Matching people and vacancies: skills first, reasons given, licence conditions respected."""

import datetime as dt

from services.brokering.rules.matching import SeekerFit, VacancyFit, match, normalise, postcode_area, ranked

CLOSING = dt.date(2027, 2, 1)


def seeker(**changes) -> SeekerFit:
    fields = dict(skills=normalise(["Cooking", "food hygiene"]), sectors=normalise(["catering"]), travel_area="LS6",
                  hours_per_week=30, available_from=dt.date(2027, 1, 4))
    return SeekerFit(**{**fields, **changes})


def vacancy(**changes) -> VacancyFit:
    fields = dict(skills=normalise(["cooking", "food hygiene"]), sector="catering", location="LS6",
                  hours_per_week=25, closing_on=CLOSING)
    return VacancyFit(**{**fields, **changes})


def test_a_person_who_fits_every_way_scores_100_with_a_reason_for_each_part():
    found = match(seeker(), vacancy())
    assert found.score == 100
    assert len(found.reasons) == 5


def test_skills_count_in_proportion_to_those_wanted():
    assert match(seeker(skills=normalise(["cooking"])), vacancy()).score == 80
    assert "has 1 of 2 skills wanted: cooking" in match(seeker(skills=normalise(["cooking"])), vacancy()).reasons


def test_skills_are_compared_without_case_or_extra_spaces():
    assert normalise(["  Food   Hygiene "]) == frozenset({"food hygiene"})


def test_the_same_postcode_area_counts_half_and_elsewhere_nothing():
    assert match(seeker(travel_area="LS1"), vacancy()).score == 92
    assert match(seeker(travel_area="M1"), vacancy()).score == 85


def test_a_postcode_area_is_the_letters_of_the_district():
    assert postcode_area("ls6") == "LS" and postcode_area("SW1A") == "SW"


def test_a_job_with_more_hours_than_wanted_scores_nothing_for_hours():
    assert match(seeker(hours_per_week=16), vacancy()).score == 85


def test_someone_available_only_after_the_closing_date_scores_nothing_for_availability():
    found = match(seeker(available_from=CLOSING + dt.timedelta(days=1)), vacancy())
    assert found.score == 90 and "available only from 2027-02-02" in found.reasons


def test_a_person_whose_licence_forbids_the_work_is_never_matched():
    restricted = seeker(restricted_roles=frozenset({"children"}))
    assert match(restricted, vacancy(involves=frozenset({"children", "cash"}))) is None
    assert match(restricted, vacancy(involves=frozenset({"cash"}))) is not None


def test_ranking_puts_the_best_first_and_leaves_out_the_excluded():
    pairs = [("weak", match(seeker(skills=frozenset()), vacancy())), ("excluded", None),
             ("strong", match(seeker(), vacancy()))]
    assert [item for item, _ in ranked(pairs)] == ["strong", "weak"]
