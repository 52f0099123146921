"""A device signing in with requests-oauthlib (oauthlib's DeviceClient) — a third, independent client library.

Usage: device_flow.py ORIGIN

Prints one JSON object per line. requests-oauthlib authenticates a client without a secret the way it does
by default: HTTP Basic with the client id and an empty password (`Authorization: Basic base64("demo-device:")`).
"""
import json
import os
import sys
import time

import requests
from oauthlib.oauth2 import DeviceClient
from requests_oauthlib import OAuth2Session

os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the demo server runs on http://127.0.0.1 here

origin = sys.argv[1]


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


# RFC 8628 §3.1: requests-oauthlib has no call for it; the device posts the form itself.
r = requests.post(
    origin + "/oauth/device_authorization",
    data={"client_id": "demo-device", "scope": "read"},
)
auth = r.json()
emit("device_authorization", status=r.status_code, **auth)

session = OAuth2Session(client=DeviceClient(client_id="demo-device"))
sent = {}
session.hooks["response"].append(
    lambda res, *a, **k: sent.update(authorization=res.request.headers.get("Authorization"))
)

interval = auth["interval"]
deadline = time.time() + 30
while time.time() < deadline:
    time.sleep(interval)
    try:
        token = session.fetch_token(origin + "/oauth/token", device_code=auth["device_code"])
    except Exception as e:  # oauthlib raises its OAuth2Error subclasses for error answers
        error = getattr(e, "error", repr(e))
        emit("error", error=error, authorization=sent.get("authorization"))
        if error == "slow_down":
            interval += 5
        elif error != "authorization_pending":
            sys.exit(1)
        continue
    emit(
        "token",
        authorization=sent.get("authorization"),
        token_type=token.get("token_type"),
        scope=token.get("scope"),
        has_refresh_token="refresh_token" in token,
    )
    me = session.get(origin + "/api/me")
    emit("me", status=me.status_code, body=me.json())
    sys.exit(0)
emit("timeout")
sys.exit(1)
