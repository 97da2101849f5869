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
    # Mistyped (no "://", an "@" not encoded): still hidden in the error that says so.
    f"postgresql+psycopg//onetoone:{SECRET}@db:5432/onetoone",
    f"postgresql:/onetoone:{SECRET}@db:5432/onetoone",
    f"postgresql+psycopg://onetoone:pa@{SECRET}@db:5432/onetoone",
    # ... and a ":" or "/" after that "@": the parser took the rest for a port or database.
    f"postgresql+psycopg://onetoone:pa@7:{SECRET}@db:5432/onetoone",
    f"postgresql+psycopg://onetoone:pa@7/{SECRET}@db:5432/onetoone",
])
@pytest.mark.parametrize("hide", [hide_password, _redact])
def test_password_never_shown(hide, url):
    shown = hide(url)
    assert SECRET not in shown
    assert "***" in shown or shown == "<invalid url>"  # (_redact: no URL at all)


def test_other_query_parameters_stay_readable():
    shown = hide_password(f"postgresql+psycopg://u@db/onetoone?sslmode=require&password={SECRET}")
    assert "sslmode=require" in shown
    assert "password=***" in shown


def test_db_copy_to_a_url_with_an_unencoded_at_says_so_without_the_password(
        tmp_path, monkeypatch) -> None:
    """`db copy --to` is judged as [database] url is: an "@" in the password, not encoded,
    would have put the rest of it in the "failed to resolve host" error."""
    from click.testing import CliRunner

    from service.cli import cli
    from tests.cli_env import cli_env

    cli_env(monkeypatch, tmp_path, 200)
    result = CliRunner().invoke(cli, ["db", "copy", "--to",
                                      f"postgresql+psycopg://onetoone:pa@{SECRET}@db/x"])
    assert result.exit_code == 1 and SECRET not in result.output, result.output
    assert "has an '@' in its password that is not percent-encoded" in result.output


@pytest.mark.parametrize("after", [":", "/", ""])
def test_an_unencoded_at_in_the_password_is_refused_without_it_whatever_follows(
        tmp_path, after: str) -> None:
    """An "@" in the password followed by a ":" or "/" made the rest of the password a port
    (quoted back in the parser's error) or a database name (accepted, then shown by
    `onetoone config` and sent to the server): each is refused as an unencoded "@"."""
    from service.config import load_config
    from service.errors import ConfigError

    url = f"postgresql+psycopg://onetoone:Xy@7{after}{SECRET}@db.example:5432/onetoone"
    with pytest.raises(ConfigError) as info:
        load_config(None, env={"ONETOONE_DATABASE_URL": url})
    assert SECRET not in str(info.value)
    assert "has an '@' in its password that is not percent-encoded" in str(info.value)


def test_a_bad_port_says_so_not_the_parsers_words(tmp_path) -> None:
    """The parser's error quotes the text it took for the port (with an unencoded ":" in a
    password, that text is password): the message is onetoone's own."""
    from service.config import load_config
    from service.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        load_config(None, env={"ONETOONE_DATABASE_URL":
                               "postgresql+psycopg://onetoone:pw@db.example:54x32/x"})
    assert "cannot be parsed (is the port a number?)" in str(info.value)
    assert "invalid literal" not in str(info.value)


def test_a_user_name_holding_an_at_is_accepted_as_before() -> None:
    """A user name may hold an "@" ("svc@contoso.com", as some hosted PostgreSQL services
    name users): the parser reads it as written, so it is not taken for an unencoded "@" in
    the password."""
    from service.config import load_config

    url = f"postgresql+psycopg://svc@contoso.com:{SECRET}@db.example.com:5432/onetoone"
    settings = load_config(None, env={"ONETOONE_DATABASE_URL": url})
    assert "svc%40contoso.com:" in settings.database.url  # the user, as the parser read it
    assert "@db.example.com:5432" in settings.database.url
    assert SECRET not in hide_password(url)
