"""Tencent Cloud SMS, API 3.0 `SendSms` (version 2021-01-11), over plain HTTPS with the
TC3-HMAC-SHA256 signature (https://cloud.tencent.com/document/api/382/55981 and /52072).

Settings: SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY, SMS_TENCENT_APP_ID (SmsSdkAppId),
SMS_TENCENT_SIGN_NAME, SMS_TENCENT_REGION, SMS_TENCENT_ENDPOINT (default the public one; an
intranet proxy or a test server may stand in), SMS_TIMEOUT_SECONDS.
"""

import datetime
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

from .. import templates
from .base import BaseBackend, SendError

SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
# Error codes worth another try later; any other error will not go away by retrying.
RETRY_CODES = (
    "InternalError",
    "RequestLimitExceeded",
    "LimitExceeded",
    "FailedOperation.InsufficientBalanceInSmsPackage",
)


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign(secret_id, secret_key, *, host, payload, timestamp, action=ACTION, service=SERVICE):
    """The Authorization header of one request (the TC3-HMAC-SHA256 steps, in order)."""
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host;x-tc-action"
    canonical_headers = f"content-type:{CONTENT_TYPE}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest()]
    )
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        [ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


def e164(phone):
    return phone if phone.startswith("+") else "+86" + phone


class TencentBackend(BaseBackend):
    def send(self, phone, template, params):
        endpoint = getattr(settings, "SMS_TENCENT_ENDPOINT", "") or "https://sms.tencentcloudapi.com"
        host = urlsplit(endpoint).netloc
        body = {
            "PhoneNumberSet": [e164(phone)],
            "SmsSdkAppId": settings.SMS_TENCENT_APP_ID,
            "SignName": settings.SMS_TENCENT_SIGN_NAME,
            "TemplateId": templates.provider_id(template),
            "TemplateParamSet": templates.ordered_params(template, params),
        }
        payload = json.dumps(body, ensure_ascii=False).encode()
        timestamp = int(time.time())
        headers = {
            "Authorization": sign(
                settings.SMS_TENCENT_SECRET_ID,
                settings.SMS_TENCENT_SECRET_KEY,
                host=host,
                payload=payload,
                timestamp=timestamp,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": ACTION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": getattr(settings, "SMS_TENCENT_REGION", "") or "ap-guangzhou",
        }
        request = urllib.request.Request(endpoint, data=payload, headers=headers, method="POST")
        timeout = getattr(settings, "SMS_TIMEOUT_SECONDS", 10)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                answer = json.loads(reply.read().decode() or "{}")
        except urllib.error.HTTPError as error:
            raise SendError(f"HTTP {error.code}", retry=error.code >= 500 or error.code == 429) from None
        except TimeoutError as error:
            raise SendError(f"timeout: {error}", retry=True) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise SendError(f"connection: {error}", retry=True) from None
        return self._check(answer)

    def _check(self, answer):
        response = answer.get("Response") or {}
        if "Error" in response:
            code = response["Error"].get("Code", "")
            raise SendError(
                f"{code}: {response['Error'].get('Message', '')}", retry=code.startswith(RETRY_CODES), answer=answer
            )
        statuses = response.get("SendStatusSet") or []
        if not statuses:
            raise SendError("no SendStatusSet in the answer", retry=True, answer=answer)
        status = statuses[0]
        code = status.get("Code", "")
        if code != "Ok":
            raise SendError(f"{code}: {status.get('Message', '')}", retry=code.startswith(RETRY_CODES), answer=answer)
        return answer
