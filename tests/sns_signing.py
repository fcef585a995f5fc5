"""SNS messages signed as Amazon signs them, by a certificate from a test CA, served over local HTTPS."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

import trustme
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

NOTIFICATION = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
SUBSCRIPTION = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")


@dataclass
class Signer:
    """Signs SNS messages with the key of the certificate served at `cert_url`."""

    cert: trustme.LeafCert
    cert_url: str

    def sign(self, message: dict[str, Any], version: str = "1") -> dict[str, Any]:
        names = NOTIFICATION if message["Type"] == "Notification" else SUBSCRIPTION
        text = "".join(f"{n}\n{message[n]}\n" for n in names if n in message).encode()
        key = serialization.load_pem_private_key(self.cert.private_key_pem.bytes(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = key.sign(text, padding.PKCS1v15(), algorithm)
        return {
            **message,
            "SignatureVersion": version,
            "Signature": base64.b64encode(signature).decode(),
            "SigningCertURL": self.cert_url,
        }

    def alarm(
        self, state: str, name: str = "db-1 CPU", message_id: str | None = None, version: str = "1"
    ) -> dict[str, Any]:
        body = {
            "AlarmName": name,
            "AlarmDescription": "CPU over 90%",
            "AWSAccountId": "123456789012",
            "NewStateValue": state,
            "NewStateReason": "Threshold Crossed: 1 datapoint [95.0] was greater than the threshold (90.0).",
            "StateChangeTime": "2026-12-01T16:00:00.000+0000",
            "Region": "EU (London)",
            "AlarmArn": f"arn:aws:cloudwatch:eu-west-2:123456789012:alarm:{name}",
            "OldStateValue": "OK",
        }
        return self.sign(
            {
                "Type": "Notification",
                "MessageId": message_id or str(uuid.uuid4()),
                "TopicArn": "arn:aws:sns:eu-west-2:123456789012:alarms",
                "Subject": f'{state}: "{name}" in EU (London)',
                "Message": json.dumps(body),
                "Timestamp": "2026-12-01T16:00:00.000Z",
                "UnsubscribeURL": "https://sns.eu-west-2.amazonaws.com/?Action=Unsubscribe",
            },
            version,
        )
