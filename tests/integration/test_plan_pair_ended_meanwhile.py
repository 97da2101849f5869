"""A pair ended by another worker (its pairs sync saw the report leave or move) after this
run listed the pairs to book, but before it claimed them, is not booked: the pairing is
read again under the claim, with its live series."""

from __future__ import annotations

import pytest

from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, org, run, series_in


def test_a_pair_ended_meanwhile_is_not_booked(settings_for, tmp_path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'plan.db'}")
    tenant = org()
    real_claim = Store.claim_many
    ended: list[str] = []

    def claim_many(self, ids, owner, now, ttl):
        if not ended:  # another replica's pairs sync: Rob left (or moved) a moment ago
            rob = next(v for v in self.views() if v.report.email == "rob@contoso.example")
            self.end_pairing(rob.pairing.key, "left the organisation", now)
            ended.append(rob.pairing.key)
        return real_claim(self, ids, owner, now, ttl)

    monkeypatch.setattr(Store, "claim_many", claim_many)
    result = run(settings, tenant, NOW)
    invited = [s["attendees"][0]["emailAddress"]["address"]
               for s in series_in(tenant, "mia@contoso.example")]
    assert "Mia Manager & Rob Report" not in result.schedule.created
    assert "rob@contoso.example" not in invited, invited
