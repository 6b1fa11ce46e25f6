"""Applications: a job seeker put forward for a vacancy, each stage checked; consent to share a disclosure.

An employer sees a disclosure only through ``shared_disclosure_for_employer``: after a conditional offer,
while the job seeker's consent stands, and each reading is logged. Withdrawing consent deletes the
shared copy at once. Copies are deleted a set time after the application is decided.

Each change locks what it decides on before reading it, always in one order (vacancy, then job seeker,
then application), so two changes at once are made one after the other and never deadlock.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.brokering.disclosures import log_employer_reading
from services.brokering.employers import own_employer
from services.brokering.events import OUTBOX
from services.brokering.job_seekers import get_seeker, is_self, lock_profile, own_profile
from services.brokering.models import Application, Consent, Disclosure, JobSeeker, SharedDisclosure, Vacancy
from services.brokering.placements import start_placement
from services.brokering.rules import stages
from shared.auth import Principal
from shared.db import locked, utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


def apply(session: Session, by: Principal, vacancy_id: int, seeker_id: int | None = None) -> Application:
    """Put a job seeker forward for a vacancy: themselves applying, or a coordinator proposing it, which
    the employer sees only once the job seeker agrees (``agree``)."""
    if seeker_id is None:
        seeker = own_profile(session, by)
    elif by.has_any("coordinator"):
        seeker = get_seeker(session, seeker_id, by)
    else:
        raise Forbidden("Only a coordinator puts someone else forward.")
    vacancy = _lock_open(session, vacancy_id, seeker)
    now = utcnow()
    application = Application(vacancy_id=vacancy.id, job_seeker_id=seeker.id, stage="put_forward",
                              created_at=now, changed_at=now, agreed_at=now if seeker_id is None else None)
    try:
        with session.begin_nested():
            session.add(application)
    except IntegrityError:
        raise Conflict("This job seeker is already put forward for this vacancy.") from None
    OUTBOX.add(session, "application.submitted", _event(application, vacancy))
    return application


def agree(session: Session, by: Principal, application_id: int) -> Application:
    """The job seeker agrees to a coordinator putting her forward: from now on the employer sees it."""
    found = session.execute(select(Application.vacancy_id, Application.job_seeker_id)
                            .where(Application.id == application_id)).first()
    if found is None:
        raise NotFound(f"There is no application {application_id}.")
    seeker = session.get(JobSeeker, found.job_seeker_id)
    if not is_self(seeker, by):
        raise Forbidden("Only the job seeker can agree to be put forward.")
    # In the usual order (vacancy, profile, application): a restriction written since is seen here.
    _lock_open(session, found.vacancy_id, seeker)
    application = locked(session, Application, application_id)
    if application.agreed_at is not None:
        raise Conflict("You have already agreed to this application.")
    if application.stage != "put_forward":
        raise Conflict(f"This application is {application.stage.replace('_', ' ')}.")
    application.agreed_at = application.changed_at = utcnow()
    return application


def get_application(session: Session, application_id: int, by: Principal,
                    for_update: bool = False) -> tuple[Application, str]:
    """Return an application the caller is part of, and as whom: job_seeker, employer or coordinator.

    ``for_update`` reads it afresh and locks it until commit, for a change decided on its stage or consent.
    """
    if for_update:
        application = locked(session, Application, application_id)
    else:
        application = session.get(Application, application_id)
    if application is None:
        raise NotFound(f"There is no application {application_id}.")
    return application, _actor(application, by)


def move(session: Session, by: Principal, application_id: int, target: str, *, reason: str | None = None,
         start_on: dt.date | None = None) -> Application:
    """Move an application to another stage, if the caller may; accepting an offer starts a placement."""
    application, actor = get_application(session, application_id, by, for_update=True)
    if target == "disclosure":
        raise Conflict("An application reaches the disclosure stage when the job seeker shares a disclosure.")
    stages.check_move(application.stage, target, actor)
    if application.agreed_at is None and target != "withdrawn":
        raise Conflict("The job seeker has not agreed to be put forward yet; it can only be withdrawn.")
    if target == "rejected" and not (reason or "").strip():
        raise Unprocessable("Say why the application is rejected.")
    if target == "accepted" and start_on is None:
        raise Unprocessable("Give the start date of the job.")
    _set_stage(session, application, target, reason, actor)
    if target == "accepted":
        start_placement(session, application, start_on)
    if target in ("rejected", "withdrawn"):
        _drop_consent(session, application)
    return application


def give_consent(session: Session, by: Principal, application_id: int) -> Application:
    """Share the job seeker's disclosure with this employer for this application (after a conditional offer)."""
    # The profile before the application: a closing at this moment deletes the copy made here, or refuses it.
    seeker_id = session.scalar(select(Application.job_seeker_id).where(Application.id == application_id))
    seeker = lock_profile(session, seeker_id) if seeker_id is not None else None
    application, actor = get_application(session, application_id, by, for_update=True)
    if actor != "job_seeker":
        raise Forbidden("Only the job seeker can consent to share their disclosure.")
    if seeker.status != "open":
        raise Conflict("This profile is closed.")
    if application.stage not in stages.AFTER_CONDITIONAL_OFFER or application.stage == "accepted":
        raise Conflict("A disclosure is shared only after a conditional offer, before the offer is accepted.")
    mine = session.get(Disclosure, application.job_seeker_id)
    if mine is None:
        raise Conflict("You have not written a disclosure to share; the offer can go ahead without one.")
    consent = session.get(Consent, application.id)
    if consent is not None and consent.active:
        raise Conflict("You already consented to share your disclosure for this application.")
    now = utcnow()
    if consent is None:
        session.add(Consent(application_id=application.id, granted_at=now))
    else:
        consent.granted_at, consent.withdrawn_at = now, None
    session.merge(SharedDisclosure(application_id=application.id, unspent=mine.unspent,
                                   unspent_until=mine.unspent_until, restricted_roles=list(mine.restricted_roles),
                                   statement=mine.statement, shared_at=now))
    if application.stage == "conditional_offer":
        _set_stage(session, application, "disclosure", None, "job_seeker")
    return application


def withdraw_consent(session: Session, by: Principal, application_id: int) -> Application:
    """Withdraw consent: the employer loses sight of the disclosure at once, and the shared copy is deleted."""
    application, actor = get_application(session, application_id, by, for_update=True)
    if actor != "job_seeker":
        raise Forbidden("Only the job seeker can withdraw their consent.")
    consent = session.get(Consent, application.id)
    if consent is None or not consent.active:
        raise Conflict("There is no consent to withdraw for this application.")
    _drop_consent(session, application)
    return application


def consent_active(session: Session, application: Application) -> bool:
    consent = session.get(Consent, application.id)
    return consent is not None and consent.active


def shared_disclosure_for_employer(session: Session, by: Principal, application_id: int) -> SharedDisclosure:
    """Return the disclosure shared with the employer for this application, logging the reading.

    The application is locked while its consent is checked, so a reading is made and logged before a
    withdrawal of consent at the same moment, or refused after it.
    """
    application, actor = get_application(session, application_id, by, for_update=True)
    if actor != "employer":
        raise Forbidden("This is the employer's view of a shared disclosure.")
    return _read_shared(session, application, by)


def show(session: Session, by: Principal, application_id: int) -> tuple[Application, str, SharedDisclosure | None]:
    """Return an application, as whom the caller sees it, and for its employer the disclosure shared with
    her when there is one she may see (the reading is logged)."""
    application, actor = get_application(session, application_id, by, for_update=True)
    shared = None
    if actor == "employer":
        try:
            shared = _read_shared(session, application, by)
        except Forbidden:
            shared = None
    return application, actor, shared


def _read_shared(session: Session, application: Application, by: Principal) -> SharedDisclosure:
    shared = session.get(SharedDisclosure, application.id)
    visible = stages.employer_may_see_disclosure(application.stage, consent_active(session, application))
    if shared is None or not visible:
        raise Forbidden("No disclosure has been shared with you for this application.")
    log_employer_reading(session, application.job_seeker_id, by, application.vacancy.employer.name, application.id)
    return shared


def delete_expired_shared_disclosures(session: Session, keep: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete shared disclosures of applications decided longer ago than ``keep``; return how many."""
    cutoff = (now or utcnow()) - keep
    decided = select(Application.id).where(Application.decided_at.is_not(None), Application.decided_at <= cutoff)
    return session.execute(delete(SharedDisclosure).where(SharedDisclosure.application_id.in_(decided))).rowcount


def delete_expired_shared_disclosures_job(runtime) -> None:
    """Delete shared disclosures past their keeping time (a periodic job of the brokering service)."""
    given = runtime.collaborators
    with runtime.db.transaction() as session:
        delete_expired_shared_disclosures(session, dt.timedelta(days=given.settings.disclosure_keep_days),
                                          now=given.clock())


def visible_applications(session: Session, by: Principal, query: dict):
    """Select the applications the caller may list, newest first: a coordinator's all, an employer's her
    vacancies' (those the job seeker agreed to), anyone else's her own; ``query`` narrows them."""
    if by.has_any("coordinator"):
        scope = {}
    elif by.has_any("employer"):
        scope = {"employer_id": own_employer(session, by).id}
    else:
        scope = {"job_seeker_id": own_profile(session, by).id}
    return applications_query(by, {**scope, **query})


def of_job_seeker(session: Session, seeker: JobSeeker) -> list[Application]:
    """Return a job seeker's own applications, newest first."""
    return list(session.scalars(applications_query(None, {"job_seeker_id": seeker.id})))


def consents_of(session: Session, found: list[Application]) -> dict[int, bool]:
    """Tell, for each application's id, whether the job seeker's consent to share her disclosure stands."""
    return {application.id: consent_active(session, application) for application in found}


def applications_query(by: Principal | None, actor_filter: dict):
    """Select the applications the caller may list, newest first."""
    statement = select(Application).order_by(Application.id.desc())
    if "vacancy_id" in actor_filter:
        statement = statement.where(Application.vacancy_id == actor_filter["vacancy_id"])
    if "job_seeker_id" in actor_filter:
        statement = statement.where(Application.job_seeker_id == actor_filter["job_seeker_id"])
    if "employer_id" in actor_filter:
        # An employer sees only what the job seeker agreed to: her own application, or one she accepted.
        statement = (statement.join(Vacancy).where(Vacancy.employer_id == actor_filter["employer_id"])
                     .where(Application.agreed_at.is_not(None)))
    return statement


def _actor(application: Application, by: Principal) -> str:
    if is_self(application.job_seeker, by):
        return "job_seeker"
    if (by.has_any("employer") and application.vacancy.employer.account_id == by.account_id
            and application.agreed_at is not None):
        return "employer"
    if by.has_any("coordinator"):
        return "coordinator"
    raise Forbidden("Only the job seeker, the employer and the co-op's coordinators can see this application.")


def _set_stage(session: Session, application: Application, stage: str, reason: str | None, moved_by: str) -> None:
    now = utcnow()
    application.stage, application.changed_at = stage, now
    if stage in stages.FINAL:
        application.decided_at = now
    if stage == "rejected":
        application.rejection_reason = reason.strip()
    vacancy = application.vacancy
    OUTBOX.add(session, "application.stage_changed", {
        **_event(application, vacancy), "stage": stage, "moved_by": moved_by, "vacancy_title": vacancy.title,
        "job_seeker_account_id": application.job_seeker.account_id,
        "employer_account_id": vacancy.employer.account_id})


def _drop_consent(session: Session, application: Application) -> None:
    consent = session.get(Consent, application.id)
    if consent is not None and consent.active:
        consent.withdrawn_at = utcnow()
    session.execute(delete(SharedDisclosure).where(SharedDisclosure.application_id == application.id))


def _lock_open(session: Session, vacancy_id: int, seeker: JobSeeker) -> Vacancy:
    # The vacancy, then the profile: a closing of either, or a new restriction, is seen here or waits.
    vacancy = locked(session, Vacancy, vacancy_id)
    lock_profile(session, seeker.id)
    if seeker.status != "open":
        raise Conflict("This profile is closed.")
    if vacancy is None:
        raise NotFound(f"There is no vacancy {vacancy_id}.")
    if vacancy.status != "open" or vacancy.closing_on < utcnow().date():
        raise Conflict("This vacancy is closed.")
    if _clashes(session, seeker, vacancy):
        # Said to the person or the coordinator only; the employer never learns of it.
        raise Conflict("This job involves work the job seeker must not do, so they cannot be put forward for it.")
    return vacancy


def _clashes(session: Session, seeker: JobSeeker, vacancy: Vacancy) -> bool:
    mine = session.get(Disclosure, seeker.id)
    return bool(mine and set(mine.restricted_roles) & set(vacancy.involves))


def _event(application: Application, vacancy: Vacancy) -> dict:
    return {"application_id": application.id, "vacancy_id": vacancy.id, "employer_id": vacancy.employer_id,
            "job_seeker_id": application.job_seeker_id, "occurred_at": utcnow()}
