#!/usr/bin/env bash
# Starts any local service the test suites need that is down (PostgreSQL, MariaDB, Redis) and installs
# Debian's Chromium for the browser tests, tmux for the CLI's pseudo-terminal tests and Authlib and
# requests-oauthlib (Python) for the interoperability tests when missing.
# Idempotent; safe to run on a developer machine.
set -uo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done; echo "service on port $1 did not start" >&2; return 1; }

if ! up 5432 && command -v pg_ctlcluster >/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_for 5432
fi
if ! up 3306 && [ -x /usr/sbin/mariadbd ]; then
  echo "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  wait_for 3306
fi
if ! up 6379 && command -v redis-server >/dev/null; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_for 6379
fi
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then
  echo "installing Debian chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ||
    echo "could not install chromium" >&2
fi
if ! command -v tmux >/dev/null && command -v apt-get >/dev/null; then
  echo "installing tmux for the device-login pseudo-terminal tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null) ||
    echo "could not install tmux" >&2
fi
if ! /usr/bin/python3 -c 'import authlib.integrations.requests_client' 2>/dev/null && command -v apt-get >/dev/null; then
  echo "installing Debian python3-authlib and python3-requests for the Authlib interoperability tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-authlib python3-requests >/dev/null) ||
    echo "could not install python3-authlib" >&2
fi
if ! /usr/bin/python3 -c 'import requests_oauthlib; from oauthlib.oauth2 import DeviceClient' 2>/dev/null && command -v apt-get >/dev/null; then
  echo "installing Debian python3-requests-oauthlib for the requests-oauthlib interoperability test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-requests-oauthlib >/dev/null) ||
    echo "could not install python3-requests-oauthlib" >&2
fi
exit 0
