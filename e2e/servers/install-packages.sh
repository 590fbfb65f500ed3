#!/bin/bash
# Installs the Debian packages the e2e suite needs (Prosody 13 + ejabberd 24.12 from bookworm-backports,
# Chromium, NSS tools, Cyrus SASL). Idempotent; needs root on Debian. Elsewhere it prints what to install.
set -euo pipefail
PKGS="prosody prosody-modules lua-sec lua-unbound lua-cyrussasl sasl2-bin libsasl2-modules openssl curl libnss3-tools chromium python3 iproute2"
[ -z "${E2E_NO_EJABBERD:-}" ] && PKGS="$PKGS ejabberd erlang-p1-oauth2"
SERVER_PKGS="prosody prosody-modules"; [ -z "${E2E_NO_EJABBERD:-}" ] && SERVER_PKGS="$SERVER_PKGS ejabberd"
if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "This is not a Debian system. Install by hand: Prosody >= 0.12 with prosody-modules (mod_client_certs, mod_auth_ccert," >&2
  echo "mod_sasl_oauthbearer), lua-sec, lua-cyrussasl + Cyrus sasldb tools, ejabberd >= 23.01, openssl, NSS certutil/pk12util, Chromium." >&2
  exit 1
fi
ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
missing=""; for p in $PKGS; do installed "$p" || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then echo "Missing Debian packages:$missing  (run as root: apt-get install$missing)" >&2; exit 1; fi
. /etc/os-release
APT_TARGET=""
if [ "${VERSION_CODENAME:-}" = bookworm ] && [ "${E2E_SERVERS:-current}" = current ]; then
  APT_TARGET="-t bookworm-backports"
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      > /etc/apt/sources.list.d/antistrophe-backports.sources
    apt-get update -qq
  fi
fi
[ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*backports*Packages*' -print -quit 2>/dev/null)" ] || [ -z "$APT_TARGET" ] || apt-get update -qq
[ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ] || apt-get update -qq
echo "[apt] installing:$missing"
# keep the packaged system services (prosody/ejabberd/saslauthd on default ports) from starting on install
tmp_policy=""; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; tmp_policy=1; fi
rc=0; DEBIAN_FRONTEND=noninteractive apt-get install -y -q $APT_TARGET $missing > /tmp/antistrophe-apt.log 2>&1 || rc=$?
[ -n "$tmp_policy" ] && rm -f /usr/sbin/policy-rc.d
if [ $rc != 0 ]; then tail -30 /tmp/antistrophe-apt.log >&2; exit 1; fi
echo "[apt] done: prosody $(ver prosody) ejabberd $(ver ejabberd) chromium $(ver chromium)"
