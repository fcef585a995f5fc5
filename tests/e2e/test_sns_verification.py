"""CloudWatch through SNS when the signing certificate cannot be had: 503 (SNS retries) when it could not
be fetched for now, 403 when the message is not provably from SNS; nothing stored either way."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine
from werkzeug import Request, Response

from tests.e2e.test_api_incidents import KEY, Api, make_api, sns_settings
from tests.sns_signing import Signer

PATH = f"/api/v1/integrations/cloudwatch/{KEY}"
RETRY = "SNS will deliver it again"


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, tls: tuple[HTTPServer, trustme.CA, Path]
) -> Iterator[tuple[Api, trustme.LeafCert, HTTPServer]]:
    """The API with SNS certificates from the local HTTPS server (a 0.3 s timeout), and a signing cert."""
    server, ca, ca_file = tls
    made = make_api(db, tmp_path, cache_dir, sns_settings(server, ca_file, **{"sns-timeout-seconds": "0.3"}))
    with made.client:
        yield made, ca.issue_cert("sns.test", key_type=trustme.KeyType.RSA), server
    made.context.engine.dispose()


def serve(server: HTTPServer, signing: trustme.LeafCert, name: str) -> Signer:
    server.expect_request(f"/{name}").respond_with_data(signing.cert_chain_pems[0].bytes())
    return Signer(signing, server.url_for(f"/{name}"))


def test_a_certificate_host_answering_500_is_503_and_the_retry_is_taken(
    world: tuple[Api, trustme.LeafCert, HTTPServer],
) -> None:
    api, signing, server = world
    server.expect_oneshot_request("/flaky.pem").respond_with_data("busy", status=500)
    alarm = serve(server, signing, "flaky.pem").alarm("ALARM", message_id="m-500")
    answer = api.client.post(PATH, content=json.dumps(alarm))
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert answer.json()["detail"] == (
        "the SNS message could not be verified now (the signing certificate could not be fetched: "
        f"localhost:{server.port} answered HTTP 500); nothing was stored, and {RETRY}"
    )
    assert api.incidents() == []
    # SNS delivers it again (the same MessageId): now verified, and taken in.
    again = api.client.post(PATH, content=json.dumps(alarm))
    assert again.status_code == 200
    assert api.incident(again.json()["incident"])["alerts"] == 1


def test_a_slow_certificate_host_is_503(world: tuple[Api, trustme.LeafCert, HTTPServer]) -> None:
    api, signing, server = world

    def slow(_request: Request) -> Response:
        time.sleep(1.0)
        return Response(signing.cert_chain_pems[0].bytes())

    server.expect_request("/slow.pem").respond_with_handler(slow)
    alarm = Signer(signing, server.url_for("/slow.pem")).alarm("ALARM")
    answer = api.client.post(PATH, content=json.dumps(alarm))
    assert answer.status_code == 503  # given up after the 0.3 s limit, not after the host's 1 s
    assert "did not answer within 0.3 s" in answer.json()["detail"]
    assert api.incidents() == []


def test_a_certificate_host_that_is_down_is_503(
    db: Engine, tmp_path: Path, cache_dir: Path, tls: tuple[HTTPServer, trustme.CA, Path]
) -> None:
    server, ca, ca_file = tls
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("localhost", 0))
        port = sock.getsockname()[1]
    api = make_api(db, tmp_path, cache_dir, sns_settings(server, ca_file, **{"sns-port": str(port)}))
    signing = ca.issue_cert("sns.test", key_type=trustme.KeyType.RSA)
    alarm = Signer(signing, f"https://localhost:{port}/down.pem").alarm("ALARM")
    with api.client:
        answer = api.client.post(PATH, content=json.dumps(alarm))
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "30"
        assert f"localhost:{port} could not be reached (ConnectError)" in answer.json()["detail"]
        assert api.incidents() == []
    api.context.engine.dispose()


def test_a_certificate_host_not_trusted_is_503(
    db: Engine, tmp_path: Path, cache_dir: Path, tls: tuple[HTTPServer, trustme.CA, Path]
) -> None:
    """A TLS failure to an allowed host is ours to mend (a CA bundle, a proxy), not the sender's fault."""
    server, ca, _ = tls
    api = make_api(db, tmp_path, cache_dir, sns_settings(server, None))  # the test CA not trusted
    alarm = serve(server, ca.issue_cert("sns.test", key_type=trustme.KeyType.RSA), "a.pem").alarm("ALARM")
    with api.client:
        answer = api.client.post(PATH, content=json.dumps(alarm))
        assert answer.status_code == 503
        assert "could not be reached (ConnectError)" in answer.json()["detail"]
        assert api.incidents() == []
    api.context.engine.dispose()


def test_a_certificate_that_is_missing_or_not_a_certificate_is_403(
    world: tuple[Api, trustme.LeafCert, HTTPServer],
) -> None:
    api, signing, server = world
    server.expect_request("/missing.pem").respond_with_data("Not Found", status=404)
    missing = Signer(signing, server.url_for("/missing.pem")).alarm("ALARM")
    answer = api.client.post(PATH, content=json.dumps(missing))
    assert answer.status_code == 403
    assert answer.json()["detail"] == (
        "not a verified SNS message: the signing certificate could not be fetched: "
        f"localhost:{server.port} answered HTTP 404"
    )
    server.expect_request("/text.pem").respond_with_data("not a certificate")
    text = Signer(signing, server.url_for("/text.pem")).alarm("ALARM")
    answer = api.client.post(PATH, content=json.dumps(text))
    assert (
        answer.json()["detail"]
        == "not a verified SNS message: SigningCertURL does not hold a PEM certificate"
    )
    server.expect_request("/huge.pem").respond_with_data(b"-" * 70_000)
    huge = Signer(signing, server.url_for("/huge.pem")).alarm("ALARM")
    answer = api.client.post(PATH, content=json.dumps(huge))
    assert answer.status_code == 403
    assert "answered more than 65536 bytes" in answer.json()["detail"]
    assert api.incidents() == []


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("https://localhost:8443/cert.pem", "is not on port"),
        ("https://user@localhost:{port}/cert.pem", "must not carry a user name or password"),
        ("https://localhost:99999/cert.pem", "has an invalid port"),
        ("https://[::1/cert.pem", "is not an address"),
        ("http://localhost:{port}/cert.pem", "is not an HTTPS address on an allowed SNS host"),
    ],
)
def test_a_certificate_or_subscribe_address_on_another_port_or_with_a_user_is_403(
    world: tuple[Api, trustme.LeafCert, HTTPServer], address: str, why: str
) -> None:
    api, signing, server = world
    signer = serve(server, signing, "cert.pem")
    url = address.format(port=server.port)
    cert = {**Signer(signing, url).alarm("ALARM")}
    answer = api.client.post(PATH, content=json.dumps(cert))
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith(f"not a verified SNS message: SigningCertURL {why}")
    confirmation = signer.sign(
        {
            "Type": "SubscriptionConfirmation",
            "MessageId": "sub-1",
            "Token": "t",
            "TopicArn": "arn:aws:sns:eu-west-2:123456789012:alarms",
            "Message": "subscribe",
            "SubscribeURL": url.replace("/cert.pem", "/?Action=ConfirmSubscription"),
            "Timestamp": "2026-12-01T16:00:00.000Z",
        }
    )
    answer = api.client.post(PATH, content=json.dumps(confirmation))
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith(f"not a verified SNS message: SubscribeURL {why}")
    assert api.incidents() == []
    assert [r.path for r, _ in server.log] == ["/cert.pem"]  # the confirmation's signature; nothing refused
