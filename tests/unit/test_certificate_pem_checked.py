"""A certificate_path that holds no usable private key (the certificate alone, as uploaded to
Entra; an encrypted key; not PEM) is named as such, not reported as "Could not reach
Microsoft Entra ... Check the network"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from service.errors import AuthError, ConfigError
from service.graph.auth import MsalTokenProvider

TENANT = "00000000-0000-0000-0000-000000000001"
AUTHORITY = f"https://login.microsoftonline.com/{TENANT}"


class _Response:
    def __init__(self, body: dict) -> None:
        self.status_code, self.text, self.headers = 200, json.dumps(body), {}

    def raise_for_status(self) -> None:
        pass


class _Entra:
    """Answers msal's discovery; a token request would need a signed assertion first."""

    def get(self, url: str, **_: object) -> _Response:
        return _Response({"token_endpoint": f"{AUTHORITY}/oauth2/v2.0/token",
                          "authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize",
                          "issuer": f"{AUTHORITY}/v2.0"})

    def post(self, url: str, **_: object) -> _Response:
        return _Response({"error": "invalid_client", "error_codes": [700027]})

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def pems() -> dict[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "onetoone")])
    import datetime as dt
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    return {
        "certificate only": cert_pem,
        "encrypted key": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase")) + cert_pem,
        "not PEM": b"garbage\n",
        # What Windows' certificate export and Key Vault's download give: binary PKCS#12.
        "pfx": pkcs12.serialize_key_and_certificates(
            b"onetoone", key, cert, None, serialization.NoEncryption()),
    }


@pytest.mark.parametrize("kind, words", [("certificate only", "no private key"),
                                         ("encrypted key", "encrypted"),
                                         ("not PEM", "not a PEM private key")])
def test_unusable_pem_is_named(tmp_path: Path, pems: dict[str, bytes], kind: str,
                               words: str) -> None:
    path = tmp_path / "onetoone.pem"
    path.write_bytes(pems[kind])
    with pytest.raises((ConfigError, AuthError)) as caught:
        provider = MsalTokenProvider(
            authority=AUTHORITY, client_id="00000000-0000-0000-0000-000000000002",
            graph_url="https://graph.microsoft.com/v1.0", certificate_path=str(path),
            certificate_thumbprint="0123456789ABCDEF0123456789ABCDEF01234567",
            http_client=_Entra())
        provider.token()
    message = str(caught.value)
    assert isinstance(caught.value, ConfigError), message
    assert "certificate_path" in message and words in message
    assert "network" not in message


def test_a_pfx_file_is_named_with_how_to_convert_it(tmp_path: Path,
                                                     pems: dict[str, bytes]) -> None:
    """certificate_path pointed at a .pfx (binary PKCS#12): before, it was read as text and
    every command, doctor included, stopped with a traceback ("'utf-8' codec can't decode
    byte ...") naming neither the setting nor the fix."""
    path = tmp_path / "onetoone.pfx"
    path.write_bytes(pems["pfx"])
    with pytest.raises(Exception) as caught:
        MsalTokenProvider(
            authority=AUTHORITY, client_id="00000000-0000-0000-0000-000000000002",
            graph_url="https://graph.microsoft.com/v1.0", certificate_path=str(path),
            certificate_thumbprint="0123456789ABCDEF0123456789ABCDEF01234567",
            http_client=_Entra())
    message = str(caught.value)
    assert isinstance(caught.value, ConfigError), f"{type(caught.value).__name__}: {message}"
    assert "certificate_path" in message and "openssl pkcs12" in message
