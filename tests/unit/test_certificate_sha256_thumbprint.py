"""A certificate credential names the certificate to Entra by its SHA-256 thumbprint
(``x5t#S256``, signed PS256), as Entra prefers and msal's docs ask, when the PEM file holds
the certificate the configured SHA-1 thumbprint names; by that SHA-1 thumbprint (``x5t``)
otherwise, as before. Real msal over httpx, Entra's token endpoint at the HTTP level."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from service.graph.auth import MsalTokenProvider

TENANT = "00000000-0000-0000-0000-000000000001"
AUTHORITY = f"https://login.microsoftonline.com/{TENANT}"
TOKEN_URL = f"{AUTHORITY}/oauth2/v2.0/token"


def _certificate(key: rsa.RSAPrivateKey, name: str) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))


class _Httpx(httpx.Client):
    """httpx as msal's HTTP client (so respx answers for Entra). msal hands the client
    assertion over as bytes, which requests (its default client) form-encodes as they are
    and httpx would write as "b'...'"."""

    def post(self, url: Any, *, data: Any = None, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        if isinstance(data, dict):
            data = {k: v.decode() if isinstance(v, bytes) else v for k, v in data.items()}
        return super().post(url, data=data, **kwargs)


def _unb64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _assertion_header(tmp_path: Path, pem: bytes, thumbprint: str) -> dict[str, Any]:
    """The JOSE header of the client assertion msal sends Entra's token endpoint."""
    path = tmp_path / "onetoone.pem"
    path.write_bytes(pem)
    sent: list[httpx.Request] = []
    with respx.mock:
        respx.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration").respond(json={
            "token_endpoint": TOKEN_URL, "issuer": f"{AUTHORITY}/v2.0",
            "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize"})

        def token(request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return httpx.Response(200, json={"token_type": "Bearer", "expires_in": 3599,
                                             "access_token": "tok"})

        respx.post(TOKEN_URL).mock(side_effect=token)
        assert MsalTokenProvider(
            authority=AUTHORITY, client_id="00000000-0000-0000-0000-000000000002",
            graph_url="https://graph.microsoft.com/v1.0", certificate_path=str(path),
            certificate_thumbprint=thumbprint, http_client=_Httpx()).token() == "tok"
    assertion = parse_qs(sent[0].content.decode())["client_assertion"][0]
    head = assertion.split(".")[0]
    return dict(json.loads(_unb64url(head)))


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def test_the_certificate_is_named_by_its_sha256_thumbprint(tmp_path: Path,
                                                          key: rsa.RSAPrivateKey) -> None:
    """The PEM file as the docs have it made (key, then certificate), with the SHA-1
    thumbprint the Entra admin centre shows."""
    cert = _certificate(key, "onetoone")
    pem = _key_pem(key) + cert.public_bytes(serialization.Encoding.PEM)
    sha1 = cert.fingerprint(hashes.SHA1()).hex().upper()
    header = _assertion_header(tmp_path, pem, sha1)
    assert "x5t#S256" in header, (
        f"the client assertion names the certificate by {sorted(header)}, not x5t#S256")
    assert _unb64url(header["x5t#S256"]) == cert.fingerprint(hashes.SHA256())
    assert header["alg"] == "PS256" and "x5t" not in header


@pytest.mark.parametrize("file", ["key only", "another certificate"])
def test_without_the_certificate_the_sha1_thumbprint_still_names_it(
        tmp_path: Path, key: rsa.RSAPrivateKey, file: str) -> None:
    """A PEM file without the certificate the configured thumbprint names (the key alone,
    or with some other certificate): the configured SHA-1 thumbprint is sent, as before."""
    cert = _certificate(key, "onetoone")
    other = _certificate(rsa.generate_private_key(public_exponent=65537, key_size=2048), "x")
    pem = _key_pem(key) + (other.public_bytes(serialization.Encoding.PEM)
                           if file == "another certificate" else b"")
    sha1 = cert.fingerprint(hashes.SHA1())
    header = _assertion_header(tmp_path, pem, sha1.hex().upper())
    assert _unb64url(header["x5t"]) == sha1 and "x5t#S256" not in header
