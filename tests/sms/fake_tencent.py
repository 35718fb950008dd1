"""A fake Tencent Cloud SMS endpoint on localhost that speaks API 3.0's SendSms: it checks the
TC3-HMAC-SHA256 signature (computed here independently of sms/backends/tencent.py), the headers
and the body, and answers as the real one does — or fails, or stalls, as a test asks."""

import datetime
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_ID = "AKIDtest0000000000000000000000000000"
SECRET_KEY = "testsecretkey000000000000000000000"


def expected_authorization(headers, body):
    timestamp = int(headers["X-TC-Timestamp"])
    day = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).date().isoformat()
    canonical = (
        "POST\n/\n\n"
        f"content-type:{headers['Content-Type']}\nhost:{headers['Host']}\nx-tc-action:{headers['X-TC-Action'].lower()}\n\n"
        "content-type;host;x-tc-action\n" + hashlib.sha256(body).hexdigest()
    )
    scope = f"{day}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    k = hmac.new(("TC3" + SECRET_KEY).encode(), day.encode(), hashlib.sha256).digest()
    k = hmac.new(k, b"sms", hashlib.sha256).digest()
    k = hmac.new(k, b"tc3_request", hashlib.sha256).digest()
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/{scope}, "
        f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}"
    )


class FakeTencent:
    """mode: "ok", "internal_error" (retry), "blacklist" (never retry), "http500", "stall"."""

    def __init__(self):
        self.mode = "ok"
        self.stall_seconds = 3
        self.received = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request_id = str(uuid.uuid4())
                if self.headers["Authorization"] != expected_authorization(self.headers, body):
                    return self.answer(
                        {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}}, request_id
                    )
                if self.headers["X-TC-Action"] != "SendSms" or self.headers["X-TC-Version"] != "2021-01-11":
                    return self.answer({"Error": {"Code": "InvalidAction", "Message": "bad"}}, request_id)
                data = json.loads(body)
                fake.received.append(data)
                if fake.mode == "stall":
                    time.sleep(fake.stall_seconds)
                if fake.mode == "http500":
                    self.send_response(502)
                    self.end_headers()
                    return None
                if fake.mode == "internal_error":
                    return self.answer({"Error": {"Code": "InternalError.Timeout", "Message": "x"}}, request_id)
                code = "FailedOperation.PhoneNumberInBlacklist" if fake.mode == "blacklist" else "Ok"
                statuses = [
                    {
                        "SerialNo": str(uuid.uuid4()),
                        "PhoneNumber": phone,
                        "Fee": 1,
                        "SessionContext": "",
                        "Code": code,
                        "Message": "send success" if code == "Ok" else "blacklist",
                        "IsoCode": "CN",
                    }
                    for phone in data["PhoneNumberSet"]
                ]
                return self.answer({"SendStatusSet": statuses}, request_id)

            def answer(self, response, request_id):
                payload = json.dumps({"Response": {**response, "RequestId": request_id}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
