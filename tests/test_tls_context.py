"""A client's own HTTP connections verify TLS with the CA bundle; a client of a plain-HTTP base
URL (the sandbox, a local proxy), which never opens TLS, does not load the bundle, and its
context would refuse any certificate rather than accept one unchecked."""

from __future__ import annotations

import ssl

import pytest

from maildns._core.client import _ssl_context, _tls_for


@pytest.mark.parametrize("url", ["https://api.tesouro.com", "HTTPS://api.telecomx.dk/v1"])
def test_an_https_client_verifies_with_the_ca_bundle(url: str) -> None:
    context = _tls_for(url)
    assert context is _ssl_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/tesouro", "HTTP://localhost/ciirus"])
def test_a_plain_http_client_loads_no_authority_and_would_refuse_any(url: str) -> None:
    context = _tls_for(url)
    assert context is not _ssl_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0
