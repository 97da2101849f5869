"""App-only authentication with msal, behind kiota's AccessTokenProvider interface."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator

from service.errors import AuthError, ConfigError
from service.graph.errors import translate_msal

log = logging.getLogger(__name__)

# Hosts where Microsoft's instance discovery works; any other authority (a proxy, a test
# double, a sovereign cloud not yet known to msal) needs instance_discovery=False.
MICROSOFT_LOGIN_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    }
)


# A token is handed out from memory until this long before it expires; then msal is asked
# again (and renews it). Well over a request's time, well under a token's hour.
TOKEN_MARGIN = 300.0


# A refused token is forgotten at most this often (seconds): see MsalTokenProvider.forget.
FORGET_AFTER = 60.0
# Seconds to wait for Entra to connect or answer (msal's own default is no limit).
ENTRA_TIMEOUT_SECONDS = 30.0


def origin(url: str) -> tuple[str, str, int | None]:
    """A URL's scheme, host and port (the default port when none is written), lower-cased:
    what the token and the links Graph returns are judged by. ValueError for a bad port."""
    parsed = urlparse(url)
    port = parsed.port or {"https": 443, "http": 80}.get(parsed.scheme.lower())
    return parsed.scheme.lower(), (parsed.hostname or "").lower(), port


def token_roles(token: str) -> frozenset[str] | None:
    """The application permissions in an access token's ``roles`` claim (None if opaque).
    Read, never trusted: Graph checks the token; this only says what it was given."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
        return frozenset(claims.get("roles") or []) if isinstance(claims, dict) else None
    except (IndexError, ValueError, TypeError):
        return None


def graph_scope(graph_url: str) -> str:
    """The ``.default`` scope for the Graph host in ``graph_url`` (national clouds differ)."""
    parsed = urlparse(graph_url)
    return f"{parsed.scheme}://{parsed.netloc}/.default"


def _sha256_credential(msal_version: str, pem: str, thumbprint: str | None
                       ) -> dict[str, str] | None:
    """msal's certificate credential naming the certificate by its SHA-256 thumbprint (an
    ``x5t#S256`` header, PS256), which Entra prefers and msal's docs ask for instead of the
    SHA-1 ``x5t``; None when this msal cannot (before 1.35 it always signs with SHA-1) or the
    PEM file holds no certificate whose SHA-1 thumbprint is the one configured (then the
    configured SHA-1 thumbprint goes on naming the key Entra checks, as before)."""
    if tuple(int(n) for n in re.findall(r"\d+", msal_version)[:2]) < (1, 35) or not thumbprint:
        return None
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.S)
    for block in blocks:
        try:
            cert = x509.load_pem_x509_certificate(block.encode())
        except ValueError:
            continue
        if cert.fingerprint(hashes.SHA1()).hex() == re.sub(r"[^0-9a-f]", "", thumbprint.lower()):
            # msal takes the thumbprint of the first certificate given, and sends it as x5c.
            return {"private_key": pem, "public_certificate":
                    cert.public_bytes(serialization.Encoding.PEM).decode()}
    return None


def _check_private_key(path: str, pem: str) -> None:
    """ConfigError unless ``pem`` holds an unencrypted private key. msal only parses it when
    it first signs in, and its failure there (``InvalidKeyError``) reads as a network
    problem; the usual cause is the certificate alone (the file uploaded to Entra)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(pem.encode(), password=None)
    except TypeError:  # "Password was not given but private key is encrypted"
        reason = "its private key is encrypted with a passphrase"
    except (ValueError, UnicodeError):
        reason = ("it holds no private key (a certificate alone is the part uploaded to "
                  "Entra)" if "CERTIFICATE-----" in pem else "it is not a PEM private key")
    else:
        return
    raise ConfigError(
        f"[microsoft] certificate_path = {path!r}: {reason}. Point it at a PEM file holding "
        "the unencrypted private key and the certificate (cat onetoone.key onetoone.crt > "
        "onetoone.pem; decrypt a key with: openssl pkey -in key.pem -out onetoone.key)."
    )


class MsalTokenProvider(AccessTokenProvider):
    """Client-credentials tokens from one msal ConfidentialClientApplication per process.

    msal caches the token in memory and refreshes it shortly before expiry. Its cache look-up
    still costs a thread hop and a search per request, so the token is also kept here, and
    msal asked only when it has less than TOKEN_MARGIN seconds to live.
    """

    def __init__(
        self,
        *,
        authority: str,
        client_id: str,
        graph_url: str,
        client_secret: str | None = None,
        certificate_path: str | None = None,
        certificate_thumbprint: str | None = None,
        http_client: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import msal  # imported here so the sandbox path doesn't pay for it

        self._clock = clock
        self._kept: tuple[str, float] | None = None  # (token, clock time to ask msal again)
        self._forgot_at: float | None = None  # when a refused token was last forgotten
        self._forgotten: str | None = None  # and which token that was
        # Counts refused tokens (see forget): a token msal gave out before the last refusal
        # may be the refused one. ``_purged``: the count msal's cache was last cleaned for.
        self._generation = self._purged = 0
        # The permissions in the token msal last gave (see roles).
        self._roles: frozenset[str] | None = None
        # msal's app is used by one thread at a time: its token cache locks itself, the rest
        # of it (authority aliases, telemetry) is not documented as thread-safe.
        self._msal_lock = threading.Lock()
        # The ask for a token under way, shared by the requests waiting for it (see _ask).
        self._asking: tuple[asyncio.AbstractEventLoop, int, asyncio.Task[str]] | None = None
        self._graph = origin(graph_url)

        credential: Any
        if certificate_path:
            try:
                key = Path(certificate_path).read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(
                    f"[microsoft] certificate_path = {certificate_path!r} cannot be read "
                    f"({exc.strerror}). Point it at the PEM file holding the private key."
                ) from exc
            except UnicodeDecodeError:
                # Binary: most often the .pfx (PKCS#12) Windows and Key Vault export, or a
                # DER key; PEM is text.
                raise ConfigError(
                    f"[microsoft] certificate_path = {certificate_path!r} is not a PEM file "
                    "(it is binary: a .pfx/.p12 or DER file?). Convert it to one PEM file "
                    "holding the unencrypted private key and the certificate: openssl pkcs12 "
                    "-in onetoone.pfx -nodes -out onetoone.pem."
                ) from None
            _check_private_key(certificate_path, key)
            credential = (_sha256_credential(msal.__version__, key, certificate_thumbprint)
                          or {"private_key": key, "thumbprint": certificate_thumbprint})
        elif client_secret:
            credential = client_secret
        else:
            raise ConfigError(
                "No credential: set ONETOONE_MICROSOFT_CLIENT_SECRET, or [microsoft] "
                "certificate_path and certificate_thumbprint."
            )
        host = (urlparse(authority).hostname or "").lower()
        # Without a timeout a connection to Entra that stops answering holds the run (and a
        # mail it has claimed to send) for ever.
        kwargs: dict[str, Any] = {"timeout": ENTRA_TIMEOUT_SECONDS}
        if http_client is not None:
            kwargs = {"http_client": http_client}
        try:
            self._app = msal.ConfidentialClientApplication(
                client_id,
                client_credential=credential,
                authority=authority,
                instance_discovery=host in MICROSOFT_LOGIN_HOSTS,
                **kwargs,
            )
        except ValueError as exc:
            # msal asks Entra about the tenant here, and an unknown tenant (a typo in
            # tenant_id, or one of another cloud: AADSTS90002) is a ValueError too, as
            # often the cause as a malformed authority.
            raise AuthError(
                f"msal rejected the authority {authority!r}: {exc} Check [microsoft] tenant_id "
                "(the directory's GUID or a verified domain such as contoso.onmicrosoft.com) "
                "and [microsoft] cloud; [microsoft] authority, when set, must be an https URL "
                "such as https://login.microsoftonline.com."
            ) from exc
        except Exception as exc:  # msal discovers the authority over the network at once
            raise AuthError(
                f"Could not reach Microsoft Entra at {authority} ({type(exc).__name__}). Check "
                "the network (proxy, firewall) and [microsoft] cloud / authority / tenant_id."
            ) from exc
        self._scopes = [graph_scope(graph_url)]
        self._hosts = AllowedHostsValidator([urlparse(graph_url).hostname or ""])

    def token(self) -> str:
        """A valid access token, or AuthError saying what to fix. Blocking (msal may ask
        Entra): on the event loop it runs in a thread, see ``_ask``."""
        with self._msal_lock:
            generation = self._generation
            try:
                if self._purged != generation:
                    # The refused token leaves msal's cache here, off the event loop: msal
                    # first asks Entra for the authority's aliases (see forget).
                    self._app.remove_tokens_for_client()
                    self._purged = generation
                result = self._app.acquire_token_for_client(scopes=self._scopes)
            except Exception as exc:  # msal raises bare ValueError/requests errors
                raise AuthError(
                    f"Could not reach Microsoft Entra to sign in ({type(exc).__name__}). "
                    "Check the network and [microsoft] authority / cloud."
                ) from exc
        if "access_token" not in result:
            raise translate_msal(result)
        token = str(result["access_token"])
        self._roles = token_roles(token)
        life = result.get("expires_in")
        # Not kept when a token was refused meanwhile: this may be that one, from the cache.
        if (isinstance(life, int | float) and life > TOKEN_MARGIN
                and generation == self._generation):
            self._kept = (token, self._clock() + life - TOKEN_MARGIN)
        return token

    def roles(self) -> frozenset[str] | None:
        """The application permissions (``roles`` claim) of the token Entra last gave: what
        was consented in Entra ID when it was issued. None before the first, or if opaque."""
        return self._roles

    def forget(self, refused: str) -> bool:
        """Graph refused the token ``refused`` (401): revoked, or its app's secret rotated,
        before it expired. True when the next request will carry a new one from Entra, not
        the one cached: only for the token still handed out (requests in flight with it
        all get the 401, and each goes again, whether its 401 came before or after the new
        token), and not again within FORGET_AFTER of the last time (a token Graph never
        takes, e.g. for another cloud, is not fetched anew for every request)."""
        kept = self._kept
        now = self._clock()
        if kept is not None and kept[0] != refused:
            return True  # already replaced since that request was sent
        if kept is None and refused == self._forgotten:
            # Forgotten for another request in flight with it, whose 401 came first: its
            # replacement is still on its way from Entra, and will be a new one.
            return True
        if self._forgot_at is not None and now - self._forgot_at < FORGET_AFTER:
            return False
        self._forgot_at = now
        self._forgotten = refused
        self._kept = None
        # The next ask drops it from msal's cache first (token): not here, on the event
        # loop, as msal may go to Entra for that.
        self._generation += 1
        return True

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        # Only the configured Graph (its scheme, host and port: https, or plain http on a
        # local test double) is sent the token; kiota leaves the check to providers, and a
        # link from a response or the database naming another host gets none.
        try:
            theirs = origin(uri)
        except ValueError:
            theirs = None
        if theirs != self._graph:
            log.warning("graph.token_withheld", extra={"host": urlparse(uri).hostname or ""})
            return ""
        kept = self._kept
        if kept is not None and self._clock() < kept[1]:
            return kept[0]
        return await self._ask()

    async def _ask(self) -> str:
        """The token from msal, in a thread, in one ask shared by every request needing it
        meanwhile. When the kept token lapses (msal's lapses with it) or Graph refuses it,
        every request in flight needs a new one at once: asked by each, msal would send Entra
        a token request per request. A request coming after a refusal never shares an ask
        begun before it, which may give the refused token again."""
        loop = asyncio.get_running_loop()
        asking = self._asking
        if (asking is None or asking[0] is not loop or asking[1] != self._generation
                or asking[2].done()):
            task = loop.create_task(asyncio.to_thread(self.token))
            task.add_done_callback(_retrieved)
            asking = self._asking = (loop, self._generation, task)
        # Shielded: a request cancelled while waiting leaves the ask to the others.
        return await asyncio.shield(asking[2])

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._hosts


def _retrieved(task: asyncio.Task[str]) -> None:
    """Marks an ask's error as seen: every request waiting for it may have been cancelled."""
    if not task.cancelled():
        task.exception()


class StaticTokenProvider(AccessTokenProvider):
    """A fixed token: the sandbox tenant accepts any bearer token but a known bad one."""

    def __init__(self, token: str = "sandbox-token") -> None:
        self._token = token

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return self._token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator([])
