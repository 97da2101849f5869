"""Settings: file + environment parsed once, every problem named by key, the example in sync."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import time
from pathlib import Path

import pytest

from service.config import (
    CLOUD_AUTHORITIES,
    CLOUD_GRAPH_URLS,
    KEYS,
    STARTER_CONFIG,
    default_settings,
    describe,
    env_help,
    load_config,
    render_example,
)
from service.domain.model import CadenceKind
from service.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "11111111-2222-3333-4444-555555555555"
GROUP = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
THUMB = "0123456789ABCDEF0123456789ABCDEF01234567"
SECRET_ENV = {"ONETOONE_MICROSOFT_CLIENT_SECRET": "s3cret-from-env"}


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (so no stray ./onetoone.toml is picked up) with a cert file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp_path / "pairs.csv").write_text("manager,report\n")
    return tmp_path


def write(folder: Path, text: str, name: str = "config.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def config_errors(folder: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(folder, text), env or {})
    return str(caught.value)


REAL_TENANT = f'[microsoft]\ntenant_id = "{TENANT}"\nclient_id = "{CLIENT}"\n'


# Each case: file text, environment, fragments the message must contain, fragments it must not.
ERROR_CASES = [
    pytest.param(
        '[policy]\ncadense = "weekly"\n',
        {},
        [
            "config.toml:2:",
            "[policy] cadense",
            "is not a known key",
            "Did you mean new_starter_cadence, manager_cadence or default_cadence?",
        ],
        [],
        id="unknown-key",
    ),
    pytest.param(
        "[policy]\nhealth_port = 80\n",
        {},
        ["[policy] health_port", "belongs in [worker]"],
        [],
        id="key-in-wrong-section",
    ),
    pytest.param(
        "[polcy]\nminutes = 30\n",
        {},
        ["config.toml:1:", "[polcy] is not a known section", "Did you mean [policy]?"],
        [],
        id="unknown-section",
    ),
    pytest.param(
        "minutes = 30\n",
        {},
        ["config.toml:1:", "minutes is not inside a section", "[policy]"],
        [],
        id="key-outside-section",
    ),
    pytest.param(
        '[policy]\ntime_zone = "Mars/Olympus_Mons"\n',
        {},
        ['[policy] time_zone = "Mars/Olympus_Mons"', "not a known time zone", "Europe/London"],
        [],
        id="bad-time-zone",
    ),
    pytest.param(
        '[pairs]\nexclude = ["ok@example.com", "bob-at-example"]\n',
        {},
        ["config.toml:2:", "[pairs] exclude", '"bob-at-example"', "name@example.com"],
        ["ok@example.com"],
        id="bad-email-in-exclude",
    ),
    pytest.param(
        '[policy]\ndefault_cadence = "daily"\n',
        {},
        [
            'config.toml:2: [policy] default_cadence = "daily" is not one of weekly, '
            "fortnightly, monthly. Set it to one of those."
        ],
        [],
        id="bad-cadence",
    ),
    pytest.param(
        '[policy]\nmanager_cadence = "fortnighly"\n',
        {},
        ["[policy] manager_cadence", "Did you mean fortnightly?"],
        [],
        id="cadence-typo-suggestion",
    ),
    pytest.param(
        '[microsoft]\ngraph_url = "ftp://graph.example.com/v1.0"\n',
        {},
        ["[microsoft] graph_url", '"ftp://graph.example.com/v1.0"', "https"],
        [],
        id="bad-url-scheme",
    ),
    pytest.param(
        '[microsoft]\ngraph_url = "http://graph.microsoft.com/v1.0"\n',
        {},
        ["[microsoft] graph_url", "uses http", "localhost"],
        [],
        id="http-url-not-localhost",
    ),
    pytest.param(
        '[microsoft]\ngraph_url = "https://graph.microsoft.com"\n',
        {},
        ["[microsoft] graph_url", "/v1.0 or /beta"],
        [],
        id="graph-url-without-version",
    ),
    pytest.param(
        # msal refuses every http authority, a local one too: accepted here, the sign-in
        # could only ever fail
        '[microsoft]\nauthority = "http://localhost:8999"\n',
        {},
        ["config.toml:2: [microsoft] authority", "uses http", "msal",
         "https://login.microsoftonline.com"],
        ["allowed only for localhost"],
        id="http-authority-even-on-localhost",
    ),
    pytest.param(
        '[microsoft]\nauthority = "https://login.microsoftonline.com/contoso.com"\n',
        {},
        ["[microsoft] authority", "has a path", "tenant_id"],
        [],
        id="authority-with-tenant-path",
    ),
    pytest.param(
        '[microsoft]\nclient_secret = "hunter2-do-not-echo"\n',
        {},
        [
            "config.toml:2:",
            "[microsoft] client_secret",
            "must not be in the config file",
            "ONETOONE_MICROSOFT_CLIENT_SECRET",
        ],
        ["hunter2-do-not-echo"],
        id="client-secret-in-file",
    ),
    pytest.param(
        'client_secret = "hunter2-do-not-echo"\n[microsoft]\n',
        {},
        ["config.toml:1:", "client_secret must not be in the config file",
         "ONETOONE_MICROSOFT_CLIENT_SECRET", "rotate the secret"],
        ["hunter2-do-not-echo", "not a known key"],
        id="client-secret-in-file-outside-a-section",
    ),
    pytest.param(
        f'[microsoft]\ntenant_id = "{TENANT}"\n',
        SECRET_ENV,
        ["[microsoft] client_id is not set", "tenant_id", "Application (client) ID"],
        ["s3cret-from-env"],
        id="missing-client-id-with-tenant",
    ),
    pytest.param(
        REAL_TENANT,
        {},
        ["[microsoft] tenant_id is set but there is no credential", "CLIENT_SECRET"],
        [],
        id="tenant-without-credential",
    ),
    pytest.param(
        REAL_TENANT + 'certificate_path = "cert.pem"\n',
        {},
        ["[microsoft] certificate_path is set but certificate_thumbprint is not"],
        [],
        id="certificate-without-thumbprint",
    ),
    pytest.param(
        REAL_TENANT + f'certificate_thumbprint = "{THUMB}"\n',
        {},
        ["[microsoft] certificate_thumbprint is set but certificate_path is not"],
        [],
        id="thumbprint-without-certificate",
    ),
    pytest.param(
        REAL_TENANT + f'certificate_path = "cert.pem"\ncertificate_thumbprint = "{THUMB}"\n',
        SECRET_ENV,
        ["[microsoft] certificate_path is set and so is ONETOONE_MICROSOFT_CLIENT_SECRET"],
        ["s3cret-from-env"],
        id="secret-and-certificate",
    ),
    pytest.param(
        '[microsoft]\ncertificate_path = "missing.pem"\ncertificate_thumbprint = "abc"\n',
        {},
        [
            '[microsoft] certificate_path = "missing.pem" does not exist',
            '[microsoft] certificate_thumbprint = "abc" is not a SHA-1 thumbprint',
        ],
        [],
        id="missing-certificate-and-bad-thumbprint",
    ),
    pytest.param(
        f'[microsoft]\nclient_id = "{CLIENT}"\n',
        SECRET_ENV,
        ["tenant_id is empty (sandbox mode)", "client_id", "silently ignored"],
        ["s3cret-from-env"],
        id="credentials-without-tenant",
    ),
    pytest.param(
        '[microsoft]\ntenant_id = "common"\n',
        {},
        ['[microsoft] tenant_id = "common"', "Directory (tenant) ID"],
        [],
        id="bad-tenant",
    ),
    pytest.param(
        '[microsoft]\nclient_id = "my-app"\n',
        {},
        ['[microsoft] client_id = "my-app"', "GUID"],
        [],
        id="bad-client-id",
    ),
    pytest.param(
        '[microsoft]\ncloud = "azure"\n',
        {},
        ['[microsoft] cloud = "azure"', "global, usgov, usgov-dod, china"],
        [],
        id="bad-cloud",
    ),
    pytest.param(
        "[microsoft]\nmax_in_flight_per_mailbox = 5\n",
        {},
        ["[microsoft] max_in_flight_per_mailbox = 5", "1 to 4"],
        [],
        id="too-many-in-flight-per-mailbox",
    ),
    pytest.param(
        '[database]\nurl = "mysql://u:pw@db/onetoone"\n',
        {},
        ["[database] url", "sqlite:// or postgresql://"],
        [":pw@"],
        id="bad-database-scheme-hides-password",
    ),
    pytest.param(
        '[database]\nurl = "postgres://u:pw@db/onetoone"\n',
        {},
        ["[database] url", "postgresql+psycopg://"],
        [":pw@"],
        id="postgres-scheme",
    ),
    pytest.param(
        '[policy]\nminutes = "30"\n',
        {},
        ['[policy] minutes = "30" is not a whole number', "15 to 120"],
        [],
        id="int-as-string",
    ),
    pytest.param(
        "[policy]\nminutes = 10\n",
        {},
        ["[policy] minutes = 10 is outside 15..120"],
        [],
        id="int-out-of-range",
    ),
    pytest.param(
        "[policy]\nstep_minutes = 20\n",
        {},
        ["[policy] step_minutes = 20", "15, 30, 60"],
        [],
        id="step-not-a-choice",
    ),
    pytest.param(
        '[policy]\nteams_meeting = "yes"\n',
        {},
        ['[policy] teams_meeting = "yes" is not true or false'],
        [],
        id="bool-as-string",
    ),
    pytest.param(
        '[policy]\nwindow_start = "9.30"\n',
        {},
        ['[policy] window_start = "9.30" is not a time HH:MM'],
        [],
        id="bad-time",
    ),
    pytest.param(
        '[policy]\nwindow_start = "17:00"\nwindow_end = "09:00"\n',
        {},
        ["[policy] window_start", "is not before window_end"],
        [],
        id="window-backwards",
    ),
    pytest.param(
        '[policy]\nwindow_start = "09:00"\nwindow_end = "09:15"\n',
        {},
        ["[policy] minutes = 30 does not fit in the window 09:00-09:15"],
        [],
        id="window-too-short",
    ),
    pytest.param(
        "[policy]\nweekdays = []\n",
        {},
        ["[policy] weekdays = [] is empty"],
        [],
        id="no-weekdays",
    ),
    pytest.param(
        '[policy]\nweekdays = ["monday", "tusday"]\n',
        {},
        ['[policy] weekdays entry = "tusday"', "Did you mean tuesday?"],
        [],
        id="bad-weekday",
    ),
    pytest.param(
        '[policy]\nsubject = "1-2-1 with {boss}"\n',
        {},
        ["[policy] subject", "uses {boss}", "{manager} and {report}"],
        [],
        id="bad-subject-placeholder",
    ),
    pytest.param(
        '[policy]\nsubject = "1-2-1 {manager"\n',
        {},
        ["[policy] subject", "brace"],
        [],
        id="unbalanced-subject",
    ),
    pytest.param(
        '[policy.groups]\nsales = "weekly"\n',
        {},
        ["config.toml:2:", "[policy.groups] sales", "Object ID"],
        [],
        id="group-not-a-guid",
    ),
    pytest.param(
        f'[policy.groups]\n# the sales team\n"{GROUP}" = "daily"\n',
        {},
        [f'config.toml:3: [policy.groups] {GROUP} = "daily" is not one of weekly, '
         'fortnightly, monthly'],
        [],
        id="group-bad-cadence",
    ),
    pytest.param(
        '[pairs]\nsource = "file"\n',
        {},
        ["[pairs] file is not set", 'source = "file"'],
        [],
        id="file-source-without-file",
    ),
    pytest.param(
        '[pairs]\nsource = "both"\nfile = "."\n',
        {},
        ['config.toml:3: [pairs] file = "." is a folder, not a file'],
        ["does not exist"],
        id="pairs-file-is-a-folder",
    ),
    pytest.param(
        '[pairs]\nfile = "pairs.csv"\n',
        {},
        ["[pairs] file is set", "would be ignored"],
        [],
        id="file-with-directory-source",
    ),
    pytest.param(
        '[pairs]\ngroup_id = "everyone"\n',
        {},
        ['[pairs] group_id = "everyone"', "GUID"],
        [],
        id="bad-group-id",
    ),
    pytest.param(
        '[worker]\nlog_level = "verbose"\n',
        {},
        ['[worker] log_level = "verbose"', "DEBUG, INFO, WARNING, ERROR"],
        [],
        id="bad-log-level",
    ),
    pytest.param(
        "[policy]\nminutes = 40\n",
        {"ONETOONE_POLICY_MINUTES": "abc"},
        ['ONETOONE_POLICY_MINUTES: [policy] minutes = "abc" is not a whole number'],
        [],
        id="bad-int-in-env-names-variable",
    ),
    pytest.param(
        "",
        {"ONETOONE_POLICY_TEAMS_MEETING": "maybe"},
        ["ONETOONE_POLICY_TEAMS_MEETING: [policy] teams_meeting", "true or false"],
        [],
        id="bad-bool-in-env",
    ),
    pytest.param(
        "",
        {"ONETOONE_POLICY_MINUTS": "45"},
        ["ONETOONE_POLICY_MINUTS: is not a known setting", "ONETOONE_POLICY_MINUTES"],
        [],
        id="unknown-env-variable",
    ),
    pytest.param(
        "",
        {"ONETOONE_POLICY_GROUPS": f"{GROUP}:weekly"},
        ["ONETOONE_POLICY_GROUPS: [policy] groups", "name=value"],
        [],
        id="bad-groups-in-env",
    ),
    pytest.param(
        "",
        {"ONETOONE_PAIRS_EXCLUDE": "a@x.com,not-email"},
        ['ONETOONE_PAIRS_EXCLUDE: [pairs] exclude entry = "not-email"'],
        [],
        id="bad-email-in-env-list",
    ),
    pytest.param(
        "",
        {"ONETOONE_DATABASE_URL": "postgresql://user:pw@/db"},
        ["ONETOONE_DATABASE_URL: [database] url", "has no host"],
        [":pw@"],
        id="env-database-url-without-host-hides-password",
    ),
]


@pytest.mark.parametrize(("text", "env", "expected", "absent"), ERROR_CASES)
def test_every_error_names_its_key(
    folder: Path, text: str, env: dict[str, str], expected: list[str], absent: list[str]
) -> None:
    """Each bad value is reported with where it came from, its key, the value and the fix."""
    message = config_errors(folder, text, env)
    for fragment in expected:
        assert fragment in message
    for fragment in absent:
        assert fragment not in message


def test_all_errors_are_reported_together(folder: Path) -> None:
    """Several problems in the file and environment come back at once, one per line."""
    text = '[policy]\nminutes = 5\ndefault_cadence = "daily"\n[pairs]\nexclude = ["x"]\n'
    message = config_errors(folder, text, {"ONETOONE_WORKER_HEALTH_PORT": "http"})
    lines = message.splitlines()
    assert len(lines) == 4
    assert any(line.startswith("ONETOONE_WORKER_HEALTH_PORT:") for line in lines)
    assert all("[" in line for line in lines)


def test_toml_syntax_error_names_file_and_line(folder: Path) -> None:
    """A TOML syntax error names the file and the line."""
    message = config_errors(folder, "[policy]\nminutes = 30\nsubject = 1-2-1\n")
    assert message.startswith(f"{folder / 'config.toml'}:3: TOML syntax error")


def test_a_section_added_again_names_where_it_already_is(folder: Path) -> None:
    """`onetoone init` writes every section heading with its keys commented out, so an admin
    who appends `[policy]` with a key at the end of the file declares it twice: the message
    names the line of the first heading and says to put the key there, not to quote text."""
    text = STARTER_CONFIG + "\n[policy]\nminutes = 45\n"
    first = STARTER_CONFIG.splitlines().index("[policy]") + 1
    message = config_errors(folder, text)
    assert message.startswith(f"{folder / 'config.toml'}:{len(text.splitlines()) - 1}: ")
    assert f"[policy] is already on line {first}" in message
    assert "double quotes" not in message


def test_a_key_set_twice_names_where_it_is_already_set(folder: Path) -> None:
    """A key given twice in one section (uncommented in place and added again below) names
    the line that sets it first."""
    message = config_errors(folder, "[policy]\nminutes = 30\n# longer\nminutes = 45\n")
    assert message.startswith(f"{folder / 'config.toml'}:4: ")
    assert "minutes is already set on line 2" in message
    assert "double quotes" not in message


def test_explicit_missing_path_is_an_error(folder: Path) -> None:
    """An explicit config path that does not exist is an error naming it."""
    with pytest.raises(ConfigError, match=r"nowhere\.toml: config file not found"):
        load_config(folder / "nowhere.toml", {})


def test_dev_null_means_the_defaults_and_a_folder_is_named(folder: Path) -> None:
    """`--config /dev/null` (the usual way to say "no file") gives the defaults; a folder
    given as the config file is called a folder, not "not found"."""
    assert load_config("/dev/null", {}).policy.minutes == load_config(None, {}).policy.minutes
    with pytest.raises(ConfigError, match=r": is a folder, not a config file"):
        load_config(folder, {})
    with pytest.raises(ConfigError, match=r"ONETOONE_CONFIG: .* is a folder"):
        load_config(None, {"ONETOONE_CONFIG": str(folder)})


def test_onetoone_config_variable_is_used_and_checked(folder: Path) -> None:
    """ONETOONE_CONFIG points at the file when no path is given; a wrong one is an error."""
    path = write(folder, "[policy]\nminutes = 45\n", "elsewhere.toml")
    assert load_config(None, {"ONETOONE_CONFIG": str(path)}).policy.minutes == 45
    with pytest.raises(ConfigError, match="ONETOONE_CONFIG"):
        load_config(None, {"ONETOONE_CONFIG": str(folder / "missing.toml")})


def test_local_onetoone_toml_is_used_when_present(folder: Path) -> None:
    """With no path and no ONETOONE_CONFIG, ./onetoone.toml is read if it exists."""
    write(folder, "[policy]\nminutes = 40\n", "onetoone.toml")
    settings = load_config(None, {})
    assert (settings.policy.minutes, settings.source) == (40, "onetoone.toml")


def test_defaults_produce_sandbox_mode(folder: Path) -> None:
    """No file and no environment gives the guidance's defaults in sandbox mode."""
    settings = load_config(None, {})
    assert settings.is_sandbox and settings.microsoft.is_sandbox
    assert settings.source == "defaults"
    assert settings == default_settings()
    assert settings.microsoft.credential == ""
    assert settings.database.url == "sqlite:///onetoone.db"
    assert settings.policy.default_cadence is CadenceKind.MONTHLY
    assert settings.policy.window_start == time(9, 30)
    assert settings.pairs.source == "directory"
    assert all(origin.startswith("default") for _, _, origin in describe(settings))


def test_env_override_wins(folder: Path) -> None:
    """An ONETOONE_* variable wins over the file, and describe() says where it came from."""
    path = write(folder, "[policy]\nminutes = 40\nteams_meeting = true\n")
    env = {
        "ONETOONE_POLICY_MINUTES": " 45 ",
        "ONETOONE_POLICY_TEAMS_MEETING": "no",
        "ONETOONE_POLICY_WEEKDAYS": "Monday, wednesday,",
        "ONETOONE_POLICY_GROUPS": f"{GROUP.upper()}=weekly, {CLIENT}=Fortnightly",
        "ONETOONE_PAIRS_EXCLUDE": "CEO@Example.com",
    }
    settings = load_config(path, env)
    policy = settings.policy
    assert policy.minutes == 45 and policy.teams_meeting is False
    assert policy.weekdays == ("monday", "wednesday")
    assert policy.groups == ((GROUP, CadenceKind.WEEKLY), (CLIENT, CadenceKind.FORTNIGHTLY))
    assert settings.pairs.exclude == ("ceo@example.com",)
    rows = {name: (value, origin) for name, value, origin in describe(settings)}
    assert rows["policy.minutes"] == ("45", "env ONETOONE_POLICY_MINUTES")
    assert rows["policy.months_ahead"] == ("6", "default")


def test_file_values_and_origins(folder: Path) -> None:
    """Values from the file are parsed into typed fields; describe() names the file."""
    path = write(
        folder,
        f"""
[policy]
window_start = "08:00"
weekdays = ["friday", "Tuesday"]
step_minutes = 15
time_zone = "America/New_York"
[policy.groups]
{GROUP} = "weekly"
{CLIENT} = "monthly"
[pairs]
source = "both"
file = "pairs.csv"
[worker]
log_level = "debug"
""",
    )
    settings = load_config(path, {})
    assert settings.policy.window_start == time(8, 0)
    assert settings.policy.weekdays == ("tuesday", "friday")
    assert settings.policy.groups == ((GROUP, CadenceKind.WEEKLY), (CLIENT, CadenceKind.MONTHLY))
    assert settings.pairs.file == folder / "pairs.csv"
    assert settings.worker.log_level == "DEBUG"
    assert settings.origin("policy.step_minutes") == str(path)


def test_env_ignores_config_test_and_unrelated_variables(folder: Path) -> None:
    """ONETOONE_CONFIG, ONETOONE_TEST_* and non-ONETOONE variables are not settings."""
    env = {"ONETOONE_TEST_POSTGRES_URL": "x", "HOME": "/root", "ONETOONE_CONFIG": ""}
    assert load_config(None, env) == default_settings()


def test_env_ignores_the_variables_kubernetes_sets_for_a_service_named_onetoone(
        folder: Path) -> None:
    """A Service named onetoone (to scrape /metrics) makes Kubernetes set these in every pod
    of its namespace: the worker starts, rather than refusing variables nobody wrote. A
    misspelt setting is still refused."""
    links = {
        "ONETOONE_SERVICE_HOST": "10.96.0.15",
        "ONETOONE_SERVICE_PORT": "8080",
        "ONETOONE_SERVICE_PORT_HEALTH": "8080",
        "ONETOONE_PORT": "tcp://10.96.0.15:8080",
        "ONETOONE_PORT_8080_TCP": "tcp://10.96.0.15:8080",
        "ONETOONE_PORT_8080_TCP_PROTO": "tcp",
        "ONETOONE_PORT_8080_TCP_PORT": "8080",
        "ONETOONE_PORT_8080_TCP_ADDR": "10.96.0.15",
    }
    assert load_config(None, links) == default_settings()
    with pytest.raises(ConfigError, match="ONETOONE_WORKER_PORT: is not a known setting"):
        load_config(None, {**links, "ONETOONE_WORKER_PORT": "8081"})


def test_relative_paths_in_file_are_relative_to_its_folder(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative pairs file, sandbox state or SQLite path is found next to the config file."""
    etc = folder / "etc"
    etc.mkdir()
    (etc / "pairs.csv").write_text("")
    path = write(
        etc,
        '[pairs]\nsource = "file"\nfile = "pairs.csv"\n'
        '[microsoft]\nsandbox_state = "state.json"\n[database]\nurl = "sqlite:///data.db"\n',
    )
    monkeypatch.chdir(folder)
    settings = load_config(path, {})
    assert settings.pairs.file == etc / "pairs.csv"
    assert settings.microsoft.sandbox_state == etc / "state.json"
    assert settings.database.url == f"sqlite:///{etc / 'data.db'}"


def test_trailing_slash_fixed(folder: Path) -> None:
    """A trailing slash on graph_url (which would yield //users requests) is removed."""
    path = write(folder, '[microsoft]\ngraph_url = "https://graph.microsoft.com/v1.0/"\n')
    assert load_config(path, {}).microsoft.graph_url == "https://graph.microsoft.com/v1.0"


def test_http_allowed_for_localhost(folder: Path) -> None:
    """Plain http is fine for a local mock Graph."""
    path = write(folder, '[microsoft]\ngraph_url = "http://localhost:8999/beta"\n')
    assert load_config(path, {}).microsoft.graph_url == "http://localhost:8999/beta"


@pytest.mark.parametrize("cloud", sorted(CLOUD_AUTHORITIES))
def test_cloud_defaults(folder: Path, cloud: str) -> None:
    """Each national cloud picks its own login authority and Graph URL."""
    settings = load_config(None, {"ONETOONE_MICROSOFT_CLOUD": cloud.upper()})
    assert settings.microsoft.cloud == cloud
    assert settings.microsoft.authority == CLOUD_AUTHORITIES[cloud]
    assert settings.microsoft.graph_url == CLOUD_GRAPH_URLS[cloud]
    rows = {name: origin for name, _, origin in describe(settings)}
    assert rows["microsoft.graph_url"] == f"default for cloud {cloud}"


def test_cloud_table_values() -> None:
    """The per-cloud endpoints are Microsoft's documented national-cloud endpoints."""
    assert CLOUD_AUTHORITIES == {
        "global": "https://login.microsoftonline.com",
        "usgov": "https://login.microsoftonline.us",
        "usgov-dod": "https://login.microsoftonline.us",
        "china": "https://login.chinacloudapi.cn",
    }
    assert CLOUD_GRAPH_URLS["usgov-dod"] == "https://dod-graph.microsoft.us/v1.0"
    assert CLOUD_GRAPH_URLS["china"] == "https://microsoftgraph.chinacloudapi.cn/v1.0"


def test_explicit_authority_and_graph_url_override_cloud(folder: Path) -> None:
    """authority and graph_url, when set, win over the cloud's defaults."""
    path = write(
        folder,
        f'[microsoft]\ncloud = "usgov"\ntenant_id = "{TENANT}"\nclient_id = "{CLIENT}"\n'
        'authority = "https://login.example.test/"\n'
        'graph_url = "https://graph.example.test/beta"\n',
    )
    ms = load_config(path, SECRET_ENV).microsoft
    assert ms.authority == "https://login.example.test"
    assert ms.graph_url == "https://graph.example.test/beta"
    assert ms.authority_url == f"https://login.example.test/{TENANT}"


def test_real_tenant_with_secret(folder: Path) -> None:
    """A tenant, client id and secret give real mode; the secret is never shown."""
    settings = load_config(write(folder, REAL_TENANT), SECRET_ENV)
    ms = settings.microsoft
    assert not settings.is_sandbox
    assert ms.credential == "secret" and ms.client_secret == "s3cret-from-env"
    assert ms.authority_url == f"https://login.microsoftonline.com/{TENANT}"
    assert "s3cret" not in repr(settings)
    rows = {name: (value, origin) for name, value, origin in describe(settings)}
    assert rows["microsoft.client_secret"] == ("set", "env ONETOONE_MICROSOFT_CLIENT_SECRET")
    assert all("s3cret" not in value for value, _ in rows.values())


def test_real_tenant_with_certificate(folder: Path) -> None:
    """A certificate path and a pasted thumbprint (colons, spaces) give certificate mode."""
    pasted = "\u200e" + ":".join(THUMB[i : i + 2].lower() for i in range(0, 40, 2))
    text = REAL_TENANT + f'certificate_path = "cert.pem"\ncertificate_thumbprint = "{pasted}"\n'
    ms = load_config(write(folder, text), {}).microsoft
    assert ms.credential == "certificate"
    assert ms.certificate_path == folder / "cert.pem"
    assert ms.certificate_thumbprint == THUMB


def test_database_url_rewritten_and_password_hidden(folder: Path) -> None:
    """postgresql:// becomes postgresql+psycopg://, and the password never shows."""
    env = {"ONETOONE_DATABASE_URL": "postgresql://app:Pa55word@db.internal:5432/onetoone"}
    settings = load_config(None, env)
    assert settings.database.url == "postgresql+psycopg://app:Pa55word@db.internal:5432/onetoone"
    rows = {name: value for name, value, _ in describe(settings)}
    assert rows["database.url"] == "postgresql+psycopg://app:***@db.internal:5432/onetoone"
    assert "Pa55word" not in repr(settings)


def test_database_password_with_an_at_sign_is_refused_unshown(folder: Path) -> None:
    """A generated password holding an "@" must be percent-encoded: unencoded, the URL
    parser ends the password at it and takes the rest for the server's name, so the worker
    fails to resolve a "host" that is half the password, and shows it in its logs."""
    env = {"ONETOONE_DATABASE_URL":
           "postgresql+psycopg://app:S3cret@Pr1vate@db.internal:5432/onetoone"}
    try:
        settings = load_config(None, env)
    except ConfigError as exc:
        message = str(exc)
    else:
        message = "accepted, shown as " + dict(
            (name, value) for name, value, _ in describe(settings))["database.url"]
    assert "ONETOONE_DATABASE_URL: [database] url" in message and "%40" in message, message
    assert "Pr1vate" not in message and "S3cret" not in message, message


def test_windows_time_zone_accepted_through_timezones_module(folder: Path) -> None:
    """A Windows zone name is converted to IANA by service.domain.timezones."""
    path = write(folder, '[policy]\ntime_zone = "GMT Standard Time"\n')
    assert load_config(path, {}).policy.time_zone == "Europe/London"
    message = config_errors(folder, '[policy]\ntime_zone = "Nowhere Standard Time"\n')
    assert "[policy] time_zone" in message and "Windows name" in message


def test_policy_helpers_build_domain_policies(folder: Path) -> None:
    """cadence_policy, slot_policy and series_policy carry the configured values."""
    text = f"""
[policy]
minutes = 45
manager_cadence = "weekly"
weekdays = ["tuesday", "thursday"]
step_minutes = 15
months_ahead = 9
teams_meeting = false
time_zone = "Europe/Paris"
[policy.groups]
{GROUP} = "fortnightly"
"""
    settings = load_config(write(folder, text), {})
    cadence = settings.cadence_policy()
    assert (cadence.minutes, cadence.manager_of_others) == (45, CadenceKind.WEEKLY)
    assert cadence.group_overrides == ((GROUP, CadenceKind.FORTNIGHTLY),)
    slot = settings.slot_policy()
    assert slot.weekdays == frozenset({1, 3})
    assert (slot.step_minutes, slot.fallback_time_zone) == (15, "Europe/Paris")
    series = settings.series_policy()
    assert (series.months_ahead, series.teams_meeting) == (9, False)


def test_default_policies_match_domain_defaults() -> None:
    """The config defaults and the domain policy defaults agree."""
    settings = default_settings()
    from service.domain.policy import CadencePolicy, SeriesPolicy, SlotPolicy

    assert settings.cadence_policy() == CadencePolicy()
    assert settings.slot_policy() == SlotPolicy()
    assert settings.series_policy() == SeriesPolicy()


def test_settings_are_frozen() -> None:
    """Settings cannot be changed after loading."""
    settings = default_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.policy.minutes = 60  # type: ignore[misc]


def test_example_file_in_sync_with_keys() -> None:
    """config.example.toml is exactly render_example(), which is also the starter config."""
    example = (REPO / "config.example.toml").read_text(encoding="utf-8")
    assert example == render_example(), "regenerate it from service.config.render_example()"
    assert render_example() == STARTER_CONFIG
    for k in KEYS:
        assert k.env in example
        if not k.env_only and k.type != "table":
            assert f"# {k.key} = " in example


def test_example_defaults_round_trip(folder: Path) -> None:
    """The example loads to the defaults, commented or with every line switched on."""
    defaults = default_settings()
    example = load_config(write(folder, render_example()), {})
    assert dataclasses.replace(example, source="defaults") == defaults
    live = load_config(write(folder, render_example(commented=False), "live.toml"), {})
    # relative paths in a file resolve against its folder; everything else is the default
    assert live.microsoft.sandbox_state == folder / defaults.microsoft.sandbox_state
    assert live.database.url == f"sqlite:///{folder / 'onetoone.db'}"
    assert (live.policy, live.pairs, live.worker) == (
        defaults.policy,
        defaults.pairs,
        defaults.worker,
    )


def test_keys_table_is_consistent() -> None:
    """Every key has help, a unique env name, and appears in describe() and --help."""
    envs = [k.env for k in KEYS]
    assert len(envs) == len(set(envs))
    assert all(k.help.strip() for k in KEYS)
    names = [name for name, _, _ in describe(default_settings())]
    assert names == [k.name for k in KEYS]
    help_text = env_help()
    assert all(env in help_text for env in envs)


def test_problems_are_listed_in_file_line_order(folder: Path) -> None:
    """An admin fixes a file top to bottom: its problems come in line order, whatever the
    order the checks found them in, and variables' problems after them."""
    text = ('[policy]\nminutes = 5\n[pairs]\nexclude = ["x"]\n[policy.groups]\n'
            '"00000000-0000-0000-0000-000000000001" = "daily"\n[worker]\nbogus = 1\n')
    message = config_errors(folder, text, {"ONETOONE_WORKER_HEALTH_PORT": "http"})
    lines = message.splitlines()
    numbers = [int(m.group(1)) for line in lines
               if (m := re.match(rf"{re.escape(str(folder / 'config.toml'))}:(\d+): ", line))]
    assert len(numbers) >= 3 and numbers == sorted(numbers)
    assert lines[-1].startswith("ONETOONE_WORKER_HEALTH_PORT")


@pytest.mark.parametrize("bad", ["pod:1", "a" * 65, "pod a", "pod\u00e9", "pod\tb"])
def test_a_worker_name_leases_cannot_tell_apart_is_refused(tmp_path, bad) -> None:
    """[worker] name goes into lease owners as name:pid: a colon would break the pid off,
    and a name cut to fit could give two replicas one."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[worker]\nname = {json.dumps(bad)}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(cfg, {})
    assert "worker" in str(err.value) and "name" in str(err.value)
    assert load_config(_named(tmp_path), {}).worker.name == "pod-a.example_1"


def _named(tmp_path):
    cfg = tmp_path / "ok.toml"
    cfg.write_text('[worker]\nname = "pod-a.example_1"\n', encoding="utf-8")
    return cfg
