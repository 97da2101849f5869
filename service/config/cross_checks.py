"""Checks of several keys together: credentials, the meeting window, holidays, pairs.

Each rule runs only when every value it involves passed its own check, so one bad value is
reported once, not again as a clash with its neighbours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.config.holiday_codes import holiday_code
from service.config.keys import ENV_SECRET
from service.config.problems import Raw


def cross_checks(
    values: Mapping[tuple[str, str], Any], raw: Mapping[tuple[str, str], Raw]
) -> list[str]:
    """Rules that involve several keys; each is skipped if one of its keys is already invalid."""
    errors: list[str] = []

    def have(*names: str) -> bool:
        return all(tuple(n.split(".")) in values for n in names)

    def where(*names: str) -> str:
        # the first of the keys that was actually set somewhere; else "defaults"
        for n in names:
            item = raw[tuple(n.split("."))]  # type: ignore[index]
            if item.origin != "default":
                return item.where
        return "defaults"

    def v(name: str) -> Any:
        return values[tuple(name.split("."))]  # type: ignore[index]

    # --- microsoft: credentials
    cert, thumb = "microsoft.certificate_path", "microsoft.certificate_thumbprint"
    if have(cert, thumb) and bool(v(cert)) != bool(v(thumb)):
        missing, present = (thumb, cert) if v(cert) else (cert, thumb)
        errors.append(
            f"{where(present)}: [microsoft] {present.split('.')[1]} is set but "
            f"{missing.split('.')[1]} is not. Set both (the PEM file and its SHA-1 thumbprint) "
            "or neither."
        )
    names = ("microsoft.tenant_id", "microsoft.client_id", cert, thumb)
    if have(*names):
        tenant, client = v("microsoft.tenant_id"), v("microsoft.client_id")
        secret = bool(v("microsoft.client_secret"))
        has_cert = bool(v(cert))
        if tenant:
            if not client:
                errors.append(
                    f"{where('microsoft.client_id', 'microsoft.tenant_id')}: [microsoft] "
                    "client_id is not set, but tenant_id is (so onetoone would talk to a real "
                    "tenant). Set client_id to the app registration's Application (client) ID, "
                    "or clear tenant_id to use the sandbox."
                )
            if secret and has_cert:
                errors.append(
                    f"{where(cert)}: [microsoft] certificate_path is set and so is "
                    f"{ENV_SECRET}. Use one credential: unset the secret or remove the "
                    "certificate settings."
                )
            elif not secret and not has_cert and v(thumb) == "":
                errors.append(
                    f"{where('microsoft.tenant_id')}: [microsoft] tenant_id is set but there is "
                    f"no credential. Set the environment variable {ENV_SECRET}, or set "
                    "certificate_path and certificate_thumbprint."
                )
        elif client or secret or has_cert:
            what = [
                name
                for name, present in (
                    ("client_id", client),
                    (ENV_SECRET, secret),
                    ("certificate_path", has_cert),
                )
                if present
            ]
            ignored = (f"{', '.join(what)} {'is' if len(what) == 1 else 'are'} set, so they "
                       "would be silently ignored")
            tenant_item = raw[("microsoft", "tenant_id")]
            if tenant_item.from_env:
                # An empty variable (a Compose `.env` line, an unset ${VAR}) wins over the
                # file: the message names it, and the file's line it hides, not client_id's.
                env, hidden = tenant_item.where, tenant_item.overrides
                over = f", and wins over tenant_id in {hidden}" if hidden else ""
                fix = (f"unset it to use the tenant_id in {hidden} (an empty variable is not "
                       "an unset one)" if hidden else "unset it and remove them to use the "
                       "sandbox")
                errors.append(
                    f"{env}: [microsoft] tenant_id is empty (sandbox mode): the environment "
                    f"variable {env} is set but empty{over}. But {ignored}. Set {env} to your "
                    f"tenant, or {fix}."
                )
            else:
                # (tenant_id first: `tenant_id = ""` written in the file is that line)
                at = where("microsoft.tenant_id", "microsoft.client_id",
                           "microsoft.client_secret", cert)
                errors.append(
                    f"{at}: [microsoft] tenant_id is empty (sandbox mode) but {ignored}. Set "
                    "tenant_id to your tenant, or remove them to use the sandbox."
                )

    # --- policy: the window must hold a meeting
    if have("policy.window_start", "policy.window_end"):
        start, end = v("policy.window_start"), v("policy.window_end")
        span = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if span <= 0:
            errors.append(
                f"{where('policy.window_end', 'policy.window_start')}: [policy] window_start = "
                f'"{start:%H:%M}" is not before window_end = "{end:%H:%M}". Make the window '
                "start earlier than it ends (same day, 24-hour clock)."
            )
        elif have("policy.minutes") and span < v("policy.minutes"):
            errors.append(
                f"{where('policy.minutes', 'policy.window_end', 'policy.window_start')}: "
                f"[policy] minutes = {v('policy.minutes')} does not fit in the window "
                f"{start:%H:%M}-{end:%H:%M}. Widen window_start/window_end or shorten minutes."
            )

    # --- holidays: the region belongs to the country
    if have("holidays.country", "holidays.subdivision") and v("holidays.subdivision"):
        country, sub = v("holidays.country"), v("holidays.subdivision")
        _c, _s, problem = holiday_code(f"{country}-{sub}")
        if problem:
            errors.append(
                f"{where('holidays.subdivision', 'holidays.country')}: [holidays] subdivision "
                f'= "{sub}" {problem.problem}. {problem.fix} (or change country = "{country}"); '
                'subdivision = "" means national holidays only.'
            )

    # --- pairs: the file and the source agree
    if have("pairs.source", "pairs.file"):
        source, file = v("pairs.source"), v("pairs.file")
        if source in ("file", "both") and file is None:
            errors.append(
                f'{where("pairs.source")}: [pairs] file is not set, but source = "{source}" '
                'needs it. Set file to the pairs CSV, or set source = "directory".'
            )
        elif source == "directory" and file is not None:
            errors.append(
                f'{where("pairs.file")}: [pairs] file is set, but source = "directory" so it '
                'would be ignored. Set source = "file" or "both", or remove file.'
            )
    return errors
