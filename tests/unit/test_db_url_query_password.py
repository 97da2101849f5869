"""A PostgreSQL password given as a query parameter (libpq's ``?password=``) is hidden
wherever the URL is shown: `onetoone config`, load errors and database errors (worker logs,
/readyz)."""

from __future__ import annotations

import pytest

from service.config.settings import hide_password
from service.store.db import _redact

SECRET = "s3cretZpw"


@pytest.mark.parametrize("url", [
    f"postgresql+psycopg://onetoone@db:5432/onetoone?password={SECRET}",
    f"postgresql+psycopg://onetoone@db/onetoone?sslmode=require&password={SECRET}",
    f"postgresql+psycopg://onetoone@db/onetoone?sslpassword={SECRET}&sslmode=require",
    f"postgresql+psycopg://onetoone:{SECRET}@db:5432/onetoone",
])
@pytest.mark.parametrize("hide", [hide_password, _redact])
def test_password_never_shown(hide, url):
    shown = hide(url)
    assert SECRET not in shown
    assert "***" in shown


def test_other_query_parameters_stay_readable():
    shown = hide_password(f"postgresql+psycopg://u@db/onetoone?sslmode=require&password={SECRET}")
    assert "sslmode=require" in shown
    assert "password=***" in shown
