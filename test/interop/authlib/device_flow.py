"""A device that signs in through Authlib's OAuth 2.0 client (the requests integration), for the Authlib
interoperability suite (authlib-client.e2e.spec.ts). Authlib is the library nest-device-flow's API grew from; this
is its client side, as Debian packages it (python3-authlib), talking to the demo server over HTTP.

Usage: device_flow.py ISSUER CLIENT_ID AUTH_METHOD SCOPE SCENARIO [CLIENT_SECRET]

Everything the device sends goes through Authlib: client authentication (AUTH_METHOD: none, client_secret_basic
or client_secret_post, Authlib's own encoders), token requests and their error parsing (OAuthError), bearer
requests, refresh (also Authlib's automatic refresh of an expired token), revocation (RFC 7009) and
introspection (RFC 7662). The polling loop is the device's own (Authlib has none): RFC 8628 §3.5, wait
`interval`, add 5 s on slow_down.

Prints one JSON object per line (flushed), the first `{"event": "device_authorization", ...}`; the test approves
or denies on the verification page when it reads it. Scenarios:
  tokens      poll until the answer, then use the token on /api/me, let Authlib refresh it when expired, present
              the spent refresh token again
  introspect  poll until the answer, then introspect, revoke the access token, introspect again
  early       poll twice in a row without waiting (the second is early: slow_down), then stop
"""

import json
import sys
import time

from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client import OAuthError

DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code'


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


def error_of(err):
    return {'error': err.error, 'description': err.description}


def poll(session, meta, device_code):
    """One token request with the device code, through Authlib: the token, or the OAuthError it raised."""
    try:
        return session.fetch_token(
            meta['token_endpoint'], grant_type=DEVICE_CODE, device_code=device_code
        ), None
    except OAuthError as err:
        return None, err


def main(issuer, client_id, auth_method, scope, scenario, client_secret=None):
    # RFC 8414 discovery with plain requests (Authlib's OAuth 2.0 client has no discovery of its own).
    meta = OAuth2Session().get(
        issuer + '/.well-known/oauth-authorization-server', withhold_token=True
    ).json()

    def refreshed(token, refresh_token=None, access_token=None):
        emit('refreshed', scope=token.get('scope'), rotated=token.get('refresh_token') != refresh_token)

    session = OAuth2Session(
        client_id,
        client_secret,
        token_endpoint_auth_method=auth_method,
        revocation_endpoint_auth_method=auth_method,
        token_endpoint=meta['token_endpoint'],
        update_token=refreshed,
    )

    # RFC 8628 §3.1: the device authorization request, authenticated as the token endpoint would be.
    res = session.post(
        meta['device_authorization_endpoint'],
        data={'scope': scope},
        auth=session.client_auth(auth_method),
        withhold_token=True,
    )
    grant = res.json()
    emit('device_authorization', status=res.status_code, **grant)
    if res.status_code != 200:
        return

    interval = grant['interval']
    if scenario == 'early':
        first = poll(session, meta, grant['device_code'])[1]
        second = poll(session, meta, grant['device_code'])[1]
        emit('early', first=error_of(first), second=error_of(second))
        return

    while True:
        token, err = poll(session, meta, grant['device_code'])
        if token is not None:
            break
        if err.error == 'slow_down':
            interval += 5
        elif err.error != 'authorization_pending':
            emit('denied', **error_of(err))
            return
        emit('pending', error=err.error)
        time.sleep(interval)
    emit(
        'token',
        token_type=token['token_type'],
        scope=token.get('scope'),
        expires_in=token['expires_in'],
        expires_at=token['expires_at'],
        has_refresh_token='refresh_token' in token,
    )

    me_url = issuer + '/api/me'
    if scenario == 'tokens':
        me = session.get(me_url)
        emit('me', status=me.status_code, body=me.json())
        spent = token['refresh_token']
        # The token as expired: Authlib refreshes it before the next request (OAuth2Auth.ensure_active_token).
        session.token['expires_at'] = int(time.time()) - 60
        me = session.get(me_url)
        emit('me', status=me.status_code, body=me.json())
        try:
            session.refresh_token(meta['token_endpoint'], refresh_token=spent)
            emit('reused', error=None)
        except OAuthError as err:
            emit('reused', **error_of(err))
        me = session.get(me_url)
        emit('me', status=me.status_code, www_authenticate=me.headers.get('WWW-Authenticate'))
    elif scenario == 'introspect':
        access = token['access_token']
        seen = session.introspect_token(
            meta['introspection_endpoint'], token=access, token_type_hint='access_token'
        )
        emit('introspection', status=seen.status_code, body=seen.json())
        gone = session.revoke_token(
            meta['revocation_endpoint'], token=access, token_type_hint='access_token'
        )
        emit('revocation', status=gone.status_code, cache_control=gone.headers.get('Cache-Control'))
        seen = session.introspect_token(meta['introspection_endpoint'], token=access)
        emit('introspection', status=seen.status_code, body=seen.json())


if __name__ == '__main__':
    main(*sys.argv[1:])
