"""The brokering service under test, with a job seeker, an approved employer and a vacancy ready."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools

from shared.db import utcnow
from tests.support.service import ServiceUnderTest, Trader

_ids = itertools.count(50_000)
NEXT_MONTH = (utcnow() + dt.timedelta(days=30)).date().isoformat()
DISCLOSURE = {"unspent": "yes", "unspent_until": "2028-05-01", "restricted_roles": ["children"],
              "statement": "I made mistakes; I have done my course and want to work."}
VACANCY = {"title": "Kitchen assistant", "sector": "catering", "skills": ["cooking", "food hygiene"],
           "location": "LS6", "hours_per_week": 25, "pay_pence_per_hour": 1300, "contract_type": "permanent",
           "closing_on": NEXT_MONTH}


@dataclasses.dataclass
class Hire:
    """Someone hiring: the employer's signed-in account and its organisation."""

    trader: Trader
    employer_id: int

    @property
    def headers(self):
        return self.trader.headers


class Agency(ServiceUnderTest):
    """The brokering app and factories for job seekers, employers, vacancies and applications."""

    def job_seeker(self, name="Jo", disclosure: dict | None = None, **profile) -> Trader:
        """A member asking for work (member.seeking_work), with a profile and, if given, a disclosure."""
        member_id, account_id = next(_ids), next(_ids)
        self.deliver("member.seeking_work", {"member_id": member_id, "member_number": member_id,
                                             "account_id": account_id, "display_name": name})
        seeker = self.signed_in(account_id, ("member",), member_id)
        if profile:
            assert self.client.patch("/job-seekers/me", json=profile, headers=seeker.headers).status_code == 200
        if disclosure:
            response = self.client.put("/job-seekers/me/disclosure", json=disclosure, headers=seeker.headers)
            assert response.status_code == 200, response.json
        return seeker

    def employer(self, name="Green Kitchen Ltd") -> Hire:
        """A registered employer a coordinator has approved."""
        trader = self.signed_in(next(_ids), ("employer",))
        response = self.client.post("/employers", headers=trader.headers, json={
            "name": name, "contact_name": "Robin Green", "email": "jobs@green.example", "sector": "catering"})
        assert response.status_code == 201, response.json
        approved = self.client.post(f"/employers/{response.json['id']}/approve", headers=self.coordinator().headers)
        assert approved.status_code == 200, approved.json
        return Hire(trader, response.json["id"])

    def vacancy(self, employer: Hire, **fields) -> dict:
        response = self.client.post("/vacancies", json={**VACANCY, **fields}, headers=employer.headers)
        assert response.status_code == 201, response.json
        return response.json

    def application(self, seeker: Trader, vacancy: dict) -> dict:
        response = self.client.post(f"/vacancies/{vacancy['id']}/applications", json={}, headers=seeker.headers)
        assert response.status_code == 201, response.json
        return response.json

    def move(self, who, application: dict, stage: str, **body):
        return self.client.post(f"/applications/{application['id']}/{stage.replace('_', '-')}", json=body,
                                headers=who.headers)

    def moved(self, who, application: dict, stage: str, **body) -> dict:
        response = self.move(who, application, stage, **body)
        assert response.status_code == 200, response.json
        return response.json


class Browser:
    """A test client on the brokering pages, signed in by the session cookie, posting forms with their CSRF token."""

    def __init__(self, agency, trader):
        self.client = agency.app.test_client()
        self.token = trader.headers["Authorization"].removeprefix("Bearer ")
        self.client.set_cookie("coop_token", self.token)

    def get(self, path):
        return self.client.get(f"/jobs{path}")

    def post(self, path, form=None):
        csrf = hashlib.sha256(f"coop-csrf:{self.token}".encode()).hexdigest()
        return self.client.post(f"/jobs{path}", data={"csrf": csrf, **(form or {})})
