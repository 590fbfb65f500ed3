#!/bin/bash
# Starts real XMPP servers on 127.0.0.1 for the e2e suite:
#   Prosody  — hosts localhost, hashed.localhost, anon.localhost, cert.localhost, cyrus.localhost, oauth.localhost
#              BOSH /http-bind and WebSocket /xmpp-websocket on PROSODY_HTTP_PORT / PROSODY_HTTPS_PORT
#   ejabberd — hosts ej.localhost, anon.ej.localhost; BOSH /bosh and WebSocket /ws on EJABBERD_HTTP_PORT / EJABBERD_HTTPS_PORT
#   an OAuth token validator stub (oauth-validator.mjs) used by Prosody's OAUTHBEARER host,
#   and a throw-away test PKI (CA, server cert, XEP-0178 client certs, NSS databases).
# Idempotent: installs missing packages, (re)writes configs, generates the PKI once, creates users, starts what
# is not already running from this state dir (restarting a server whose config changed), waits for its ports and
# writes $E2E_DIR/env.json describing every endpoint, host, user and certificate.
#
#   e2e/servers/start.sh                    # everything (needs root: servers run as the prosody/ejabberd users)
#   E2E_NO_EJABBERD=1 e2e/servers/start.sh  # Prosody only
#   E2E_DEBUG=1 e2e/servers/start.sh        # Prosody debug log (stanza traces) in $E2E_DIR/prosody/prosody.log
#   E2E_RESET_USERS=1 e2e/servers/start.sh  # re-create the ejabberd accounts and OAuth token
#   E2E_CHROME_POLICY=1 e2e/servers/start.sh  # also write a Chromium AutoSelectCertificateForUrls policy
#                                             # (only for the NSS-database client-cert path)
# Stop with e2e/servers/stop.sh. Delete $E2E_DIR/certs to regenerate the PKI.
set -euo pipefail
T_START=$(date +%s.%N)
HERE=$(cd "$(dirname "$0")" && pwd)

bash "$HERE/install-packages.sh"

if [ "$(id -u)" != 0 ]; then
  echo "start.sh must run as root (Prosody runs as the 'prosody' user and ejabberd as 'ejabberd')." >&2; exit 1
fi
NODE=$(command -v node || true)
[ -n "$NODE" ] || { echo "node is required (for the OAuth validator stub and env.json)" >&2; exit 1; }

E2E_DIR=${E2E_DIR:-/tmp/antistrophe-e2e}
mkdir -p "$E2E_DIR"; E2E_DIR=$(cd "$E2E_DIR" && pwd)
P_HTTP=${PROSODY_HTTP_PORT:-15280}; P_HTTPS=${PROSODY_HTTPS_PORT:-15281}; P_C2S=${PROSODY_C2S_PORT:-15222}
E_HTTP=${EJABBERD_HTTP_PORT:-15480}; E_HTTPS=${EJABBERD_HTTPS_PORT:-15481}; E_C2S=${EJABBERD_C2S_PORT:-15422}
E_DIST=${EJABBERD_DIST_PORT:-15499}; E_NODE=${EJABBERD_NODE:-antistrophe-ej@localhost}
OAUTH_PORT=${OAUTH_VALIDATOR_PORT:-15290}
OAUTH_TOKENS=${OAUTH_TOKENS:-e2e-token-alice,e2e-token-bob}
OAUTH_CLIENT_ID=antistrophe-e2e; OAUTH_CLIENT_SECRET=e2e-secret
WITH_EJ=1; [ -n "${E2E_NO_EJABBERD:-}" ] && WITH_EJ=""

RUN=$E2E_DIR/run; CERTS=$E2E_DIR/certs; PDIR=$E2E_DIR/prosody; EDIR=$E2E_DIR/ejabberd; CHROMEHOME=$E2E_DIR/chromehome
mkdir -p "$RUN"
chmod 755 "$E2E_DIR"   # the prosody/ejabberd users must be able to reach their trees and the certs

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
# alive PID MARKER: PID runs and its command line contains MARKER (so a recycled pid is not mistaken for ours)
alive() { [ -n "${1:-}" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && grep -qaF -- "$2" "/proc/$1/cmdline" 2>/dev/null; }
pid_of() { cat "$1" 2>/dev/null || true; }
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
require_free_ports() { # name port...
  local name=$1 p busy=""; shift
  for p in "$@"; do port_busy "$p" && busy="$busy $p"; done
  [ -z "$busy" ] && return 0
  echo "[$name] ERROR: port(s)$busy already in use by something not started from $E2E_DIR:" >&2
  for p in $busy; do ss -Hltnp "sport = :$p" >&2 || true; done
  echo "[$name] stop that process, or choose other ports (PROSODY_*_PORT / EJABBERD_*_PORT / OAUTH_VALIDATOR_PORT)." >&2
  exit 1
}
wait_http() { # url seconds [pidfile marker grace-seconds]: poll until the URL answers; give up early when the
  local i      # process is gone after the grace period (its pid file may appear late)
  for i in $(seq 1 $(( $2 * 10 ))); do
    curl -sk -o /dev/null --max-time 1 "$1" && return 0
    if [ -n "${3:-}" ] && [ "$i" -gt $(( ${5:-5} * 10 )) ] && ! alive "$(pid_of "$3")" "$4"; then return 1; fi
    sleep 0.1
  done
  return 1
}
stop_pid() { # pidfile marker: TERM, wait up to 10 s, then KILL
  local pid i; pid=$(pid_of "$1")
  alive "$pid" "$2" || return 0
  kill -TERM "$pid"
  for i in $(seq 1 100); do alive "$pid" "$2" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
# put FILE < content: write only if the content differs; returns 0 when the file changed
put() {
  local f=$1 tmp; tmp=$(mktemp "$f.XXXXXX"); cat > "$tmp"; chmod 644 "$tmp"
  if [ -f "$f" ] && cmp -s "$tmp" "$f"; then rm -f "$tmp"; return 1; fi
  mv -f "$tmp" "$f"; return 0
}
fail_with_logs() { # message logfile...: print the message and each log's errors/warnings (or its tail), exit 1
  echo "$1" >&2; shift
  local f re='(error|warn|crash|fail)'
  for f in "$@"; do
    [ -s "$f" ] || continue
    if grep -qiE "$re" "$f"; then echo "---- $f (errors/warnings, last 25)" >&2; grep -iE "$re" "$f" | tail -n 25 >&2
    else echo "---- $f (last 25 lines)" >&2; tail -n 25 "$f" >&2; fi
  done
  exit 1
}

P_MARK="$PDIR/prosody.cfg.lua"
# preflight: fail before starting anything when a port needed by a server that is not running yet is taken
alive "$(pid_of "$RUN/oauth-validator.pid")" oauth-validator.mjs || require_free_ports oauth "$OAUTH_PORT"
alive "$(pid_of "$PDIR/prosody.pid")" "$P_MARK" || require_free_ports prosody "$P_HTTP" "$P_HTTPS" "$P_C2S"
if [ -n "$WITH_EJ" ] && ! alive "$(pid_of "$EDIR/ejabberd.pid")" "$E_NODE"; then
  require_free_ports ejabberd "$E_HTTP" "$E_HTTPS" "$E_C2S" "$E_DIST"
fi

# ---------------------------------------------------------------- test PKI (generated once, all or nothing)
CA_CN="Antistrophe E2E Test CA"; ROGUE_CN="Antistrophe E2E Rogue CA"
# client certs: stem jid issuer [expired]
CLIENTS="alice:alice@localhost:ca bob:bob@localhost:ca certuser:certuser@cert.localhost:ca ejalice:alice@ej.localhost:ca
rogue-alice:alice@localhost:rogue-ca expired-certuser:certuser@cert.localhost:ca:expired"
PKI_STAMP="pki-v1 $(echo $CLIENTS)"
if [ "$(cat "$CERTS/.complete" 2>/dev/null || true)" != "$PKI_STAMP" ]; then
  t0=$(now)
  W=$(mktemp -d "$E2E_DIR/certs.new.XXXXXX")
  mkca() { # stem CN
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/$1.key" -out "$W/$1.crt" -days 3650 -subj "/CN=$2" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  }
  mkca ca "$CA_CN"
  mkca rogue-ca "$ROGUE_CN"
  openssl req -newkey rsa:2048 -nodes -keyout "$W/server.key" -out "$W/server.csr" -subj "/CN=localhost" 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:localhost,DNS:anon.localhost,DNS:cert.localhost,DNS:cyrus.localhost,DNS:oauth.localhost,DNS:ej.localhost,DNS:anon.ej.localhost,IP:127.0.0.1,IP:::1" \
    > "$W/server.ext"
  openssl x509 -req -in "$W/server.csr" -CA "$W/ca.crt" -CAkey "$W/ca.key" -CAcreateserial -out "$W/server.crt" -days 825 \
    -extfile "$W/server.ext" 2>/dev/null
  cat "$W/server.crt" "$W/server.key" > "$W/server.pem"
  # a minimal `openssl ca` setup, used only to back-date the expired certificate (openssl 3.0's x509 has no -not_before)
  mkdir -p "$W/ca-db/newcerts"; : > "$W/ca-db/index.txt"; echo 1000 > "$W/ca-db/serial"
  cat > "$W/ca-db/ca.cnf" <<EOF
[ ca ]
default_ca = e2e_ca
[ e2e_ca ]
dir = $W/ca-db
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = e2e_policy
unique_subject = no
copy_extensions = none
[ e2e_policy ]
commonName = supplied
EOF
  for spec in $CLIENTS; do
    IFS=: read -r n jid issuer expired <<< "$spec"
    # XEP-0178: subjectAltName otherName id-on-xmppAddr (1.3.6.1.5.5.7.8.5) as UTF8String
    openssl req -newkey rsa:2048 -nodes -keyout "$W/$n.key" -out "$W/$n.csr" -subj "/CN=$jid" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=clientAuth" \
      "subjectAltName=otherName:1.3.6.1.5.5.7.8.5;UTF8:$jid" > "$W/$n.ext"
    if [ "$expired" = expired ]; then
      openssl ca -batch -notext -config "$W/ca-db/ca.cnf" -cert "$W/$issuer.crt" -keyfile "$W/$issuer.key" -in "$W/$n.csr" \
        -out "$W/$n.crt" -startdate 20200101000000Z -enddate 20210101000000Z -extfile "$W/$n.ext" 2>"$W/ca-db/$n.log" \
        || fail_with_logs "[pki] could not sign the expired certificate $n" "$W/ca-db/$n.log"
      openssl x509 -in "$W/$n.crt" -noout -checkend 0 >/dev/null 2>&1 && { echo "[pki] $n is not expired" >&2; exit 1; }
    else
      openssl x509 -req -in "$W/$n.csr" -CA "$W/$issuer.crt" -CAkey "$W/$issuer.key" -CAcreateserial -out "$W/$n.crt" -days 825 \
        -extfile "$W/$n.ext" 2>/dev/null
    fi
    openssl pkcs12 -export -in "$W/$n.crt" -inkey "$W/$n.key" -certfile "$W/$issuer.crt" -name "$jid" -out "$W/$n.p12" -passout pass:test
  done
  rm -rf "$W"/*.csr "$W"/*.srl "$W/ca-db"
  chmod 755 "$W"; chmod 644 "$W"/*.crt "$W"/*.key "$W"/*.pem "$W"/*.p12 "$W"/*.ext  # throw-away keys; servers must read them
  echo "$PKI_STAMP" > "$W/.complete"
  rm -rf "$CERTS"; mv "$W" "$CERTS"
  echo "[pki] generated test CA, server and client certificates in $(elapsed "$t0")s"
fi
CA_FP=$(openssl x509 -in "$CERTS/ca.crt" -noout -fingerprint -sha256 | cut -d= -f2)

# NSS databases (HOME=$CHROMEHOME/<id>): the client cert + trusted test CA, for the non-Playwright client-cert path
NSS_IDS="alice certuser"
for id in $NSS_IDS; do
  db=$CHROMEHOME/$id/.pki/nssdb
  if [ "$(cat "$db/.ca-fingerprint" 2>/dev/null || true)" != "$CA_FP" ]; then
    rm -rf "$db"; mkdir -p "$db"
    certutil -N -d "sql:$db" --empty-password
    pk12util -i "$CERTS/$id.p12" -d "sql:$db" -W test >/dev/null
    certutil -M -n "$CA_CN" -t "C,," -d "sql:$db" 2>/dev/null || certutil -A -n "$CA_CN" -t "C,," -i "$CERTS/ca.crt" -d "sql:$db"
    echo "$CA_FP" > "$db/.ca-fingerprint"
  fi
done
if [ -n "${E2E_CHROME_POLICY:-}" ]; then
  mkdir -p /etc/chromium/policies/managed
  cat > /etc/chromium/policies/managed/antistrophe-e2e-autoselect-cert.json <<EOF
{ "AutoSelectCertificateForUrls": [
  "{\"pattern\":\"https://127.0.0.1:$P_HTTPS\",\"filter\":{\"ISSUER\":{\"CN\":\"$CA_CN\"}}}",
  "{\"pattern\":\"https://localhost:$P_HTTPS\",\"filter\":{\"ISSUER\":{\"CN\":\"$CA_CN\"}}}" ] }
EOF
fi

# ---------------------------------------------------------------- OAuth token validator stub
VALIDATOR=$HERE/oauth-validator.mjs
if alive "$(pid_of "$RUN/oauth-validator.pid")" oauth-validator.mjs; then
  echo "[oauth] validator already running (pid $(pid_of "$RUN/oauth-validator.pid"))"
else
  require_free_ports oauth "$OAUTH_PORT"
  OAUTH_PORT=$OAUTH_PORT OAUTH_CERT=$CERTS/server.crt OAUTH_KEY=$CERTS/server.key OAUTH_TOKENS=$OAUTH_TOKENS \
    OAUTH_CLIENT_ID=$OAUTH_CLIENT_ID OAUTH_CLIENT_SECRET=$OAUTH_CLIENT_SECRET \
    setsid "$NODE" "$VALIDATOR" > "$RUN/oauth-validator.log" 2>&1 < /dev/null &
  echo $! > "$RUN/oauth-validator.pid"
  OAUTH_STARTED=1
fi

# ---------------------------------------------------------------- Prosody config
P_CHANGED=""
mkdir -p "$PDIR/data" "$PDIR/modules" "$PDIR/sasl2" "$PDIR/certs"
PLOG="info = \"$PDIR/prosody.log\""; [ -n "${E2E_DEBUG:-}" ] && PLOG="debug = \"$PDIR/prosody.log\""
put "$PDIR/prosody.cfg.lua" <<EOF && P_CHANGED=1
-- Prosody config for the antistrophe e2e suite: loopback only, non-default ports. Generated by e2e/servers/start.sh.
-- test CA sha256 $CA_FP
pidfile = "$PDIR/prosody.pid"
data_path = "$PDIR/data"
plugin_paths = { "$PDIR/modules" } -- patched copies of mod_client_certs / mod_auth_ccert (searched before the system dir)
log = { $PLOG; warn = "*console" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { $P_C2S }
c2s_direct_tls_ports = { }
s2s_ports = { }
http_ports = { $P_HTTP }
http_interfaces = { "127.0.0.1" }
https_ports = { $P_HTTPS }
https_interfaces = { "127.0.0.1" }
http_default_host = "localhost"
admin_socket = "$PDIR/data/prosody.sock"

modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "ping"; "register"; "bosh"; "websocket"; "http";
  "carbons"; "pep"; "private"; "blocklist"; "vcard4"; "vcard_legacy"; "version"; "uptime"; "time";
  "smacks"; "mam"; "csi_simple"; "admin_shell";
}
modules_disabled = { "s2s" }

consider_bosh_secure = true        -- offer PLAIN etc. over plain-http BOSH on loopback
consider_websocket_secure = true   -- same for ws://
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
allow_registration = false
-- internal (file) MAM storage slows down O(n) per message as the archive grows: keep these in memory
storage = { archive = "memory"; offline = "memory"; smacks_h = "memory" }
default_storage = "internal"
-- CORS with credentials (fetch credentials:'include' / XHR withCredentials, client certificates)
http_cors_override = {
  bosh = { enabled = true; credentials = true };
  websocket = { enabled = true; credentials = true };
}

certificates = "$PDIR/certs"
ssl = { certificate = "$CERTS/server.crt"; key = "$CERTS/server.key"; }
https_ssl = {
  certificate = "$CERTS/server.crt";
  key = "$CERTS/server.key";
  cafile = "$CERTS/ca.crt";
  capath = false;
  verify = { "peer", "client_once" };             -- send CertificateRequest (client cert optional)
  verifyext = { lsec_ignore_purpose = false };     -- else clientAuth-only certs fail: "unsuitable certificate purpose"
}

-- PLAIN, SCRAM-SHA-1, SCRAM-SHA-256 (internal_plain keeps plaintext, so both SCRAM hashes can be derived)
-- + EXTERNAL via mod_client_certs when a *registered* client cert is presented over https/wss
VirtualHost "localhost"
  authentication = "internal_plain"
  modules_enabled = { "client_certs" }

-- PLAIN and SCRAM-SHA-1 from stored SCRAM keys (internal_hashed, Prosody's default): the salt and iteration count
-- stay the same from login to login, so saved keys (conn.scramKeys) log in without the password
VirtualHost "hashed.localhost"
  authentication = "internal_hashed"

VirtualHost "anon.localhost"
  authentication = "anonymous"

-- EXTERNAL only (mod_auth_ccert): any cert issued by the test CA with xmppAddr user@cert.localhost
VirtualHost "cert.localhost"
  authentication = "ccert"
  certificate_match = "xmppaddr"

-- DIGEST-MD5, SCRAM-SHA-1/256/512, PLAIN via Cyrus SASL (sasldb); needs env SASL_CONF_PATH=$PDIR/sasl2
VirtualHost "cyrus.localhost"
  authentication = "cyrus"
  cyrus_application_name = "prosody"
  cyrus_service_name = "xmpp"
  disable_sasl_mechanisms = { }  -- Prosody disables DIGEST-MD5 by default

-- OAUTHBEARER (mod_sasl_oauthbearer + mod_auth_oauthbearer); tokens are checked by oauth-validator.mjs
VirtualHost "oauth.localhost"
  authentication = "oauthbearer"
  modules_enabled = { "sasl_oauthbearer" }
  oauth_client_id = "$OAUTH_CLIENT_ID"
  oauth_client_secret = "$OAUTH_CLIENT_SECRET"
  oauth_url = "https://127.0.0.1:$OAUTH_PORT/validate/{{password}}"
EOF
put "$PDIR/sasl2/prosody.conf" <<EOF && P_CHANGED=1
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $PDIR/sasl2/sasldb2
mech_list: DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256 SCRAM-SHA-512 PLAIN
EOF
# mod_client_certs: on Prosody 0.12 the adhoc permission "user" was renamed "any", and XEP-0257 <append/> crashes in
# util.x509.der2pem under Lua 5.4 ("number has no integer representation"): use a local der2pem
sed -e 's/adhoc_handler, "user")/adhoc_handler, "any")/' -e 's/util_x509\.der2pem(/der2pem_int(/g' \
    -e 's/^local base64 = require "util.encodings".base64;$/&\nlocal function der2pem_int(der) local b = base64.encode(der); local t = {}; for i = 1, #b, 64 do t[#t + 1] = b:sub(i, i + 63) end; return "-----BEGIN CERTIFICATE-----\\n" .. table.concat(t, "\\n") .. "\\n-----END CERTIFICATE-----\\n" end/' \
    /usr/lib/prosody/modules/mod_client_certs/mod_client_certs.lua | put "$PDIR/modules/mod_client_certs.lua" && P_CHANGED=1
grep -q der2pem_int "$PDIR/modules/mod_client_certs.lua" || { echo "[prosody] mod_client_certs patch did not apply" >&2; exit 1; }
# mod_auth_ccert offers EXTERNAL on any "secure" session (incl. plain-http BOSH with consider_bosh_secure) and then
# crashes there: only offer it when the connection really is TLS
python3 - /usr/lib/prosody/modules/mod_auth_ccert/mod_auth_ccert.lua <<'PY' | put "$PDIR/modules/mod_auth_ccert.lua" && P_CHANGED=1
import sys
src = open(sys.argv[1]).read()
old = "\treturn new_sasl(module.host, {\n\t\texternal = session.secure and function(authz)"
new = ("\t-- e2e patch: only offer EXTERNAL when the underlying connection really is TLS\n"
       "\tlocal sock = session.conn and session.conn.socket and session.conn:socket();\n"
       "\tlocal has_tls = sock and sock.getpeercertificate and true or false;\n"
       "\treturn new_sasl(module.host, {\n\t\texternal = (session.secure and has_tls or nil) and function(authz)")
if old not in src:
    sys.exit("mod_auth_ccert changed upstream; the e2e patch no longer applies")
sys.stdout.write(src.replace(old, new))
PY
grep -q "e2e patch" "$PDIR/modules/mod_auth_ccert.lua" || { echo "[prosody] mod_auth_ccert patch did not apply" >&2; exit 1; }

# ---------------------------------------------------------------- Prosody users
chown -R prosody:prosody "$PDIR"   # prosodyctl drops to the prosody user
PCTL="prosodyctl --config $PDIR/prosody.cfg.lua"
P_USERS="alice:alicepass bob:bobpass carol:carolpass dave:davepass jürgen:pässwörd"
CYRUS_USERS="alice:alicepass bob:bobpass"
for spec in $P_USERS; do
  u=${spec%%:*}; pw=${spec#*:}
  # internal storage file name: every non-alphanumeric byte as %xx (lower-case hex)
  enc=$(printf '%s' "$u" | od -An -tx1 -v | tr -d ' \n' | sed 's/../&\n/g' | while read -r h; do
          [ -z "$h" ] && continue
          if [[ $h =~ ^(3[0-9]|[46][1-9a-f]|[57][0-9a])$ ]]; then printf "\\x$h"; else printf '%%%s' "$h"; fi; done)
  # ... and the password as Lua serialises it (bytes >= 0x80 as \ddd)
  luapw=$(printf '%s' "$pw" | od -An -tu1 -v | tr -s ' ' '\n' | while read -r d; do
            [ -z "$d" ] && continue
            if [ "$d" -ge 128 ]; then printf '\\%d' "$d"; else printf "\\x$(printf %02x "$d")"; fi; done)
  f=$PDIR/data/localhost/accounts/$enc.dat
  # (re)register when missing or when a test changed the password
  if ! { [ -f "$f" ] && grep -qF "[\"password\"] = \"$luapw\";" "$f"; }; then
    out=$($PCTL register "$u" localhost "$pw" 2>&1) || { echo "[prosody] could not register $u@localhost: $out" >&2; exit 1; }
    echo "[prosody] registered $u@localhost"
  fi
done
HASHED_USERS="alice:alicepass"
for spec in $HASHED_USERS; do
  u=${spec%%:*}; pw=${spec#*:}
  # the stored keys are kept across runs (their salt is what saved keys are checked against); tests never change them
  if [ ! -f "$PDIR/data/hashed%2elocalhost/accounts/$u.dat" ]; then
    out=$($PCTL register "$u" hashed.localhost "$pw" 2>&1) || { echo "[prosody] could not register $u@hashed.localhost: $out" >&2; exit 1; }
    echo "[prosody] registered $u@hashed.localhost"
  fi
done
for spec in $CYRUS_USERS; do
  u=${spec%%:*}; pw=${spec#*:}
  printf '%s' "$pw" | saslpasswd2 -f "$PDIR/sasl2/sasldb2" -a prosody -u cyrus.localhost -p "$u"
done
# register alice's client cert for EXTERNAL on localhost (mod_client_certs store, XEP-0257: sha1 hex digest + PEM).
# bob's certificate is deliberately NOT registered.
mkdir -p "$PDIR/data/localhost/client_certs"
{ echo 'return {'; echo '	["e2e"] = {'; echo '		["name"] = "e2e";'
  echo "		[\"digest\"] = \"$(openssl x509 -in "$CERTS/alice.crt" -noout -fingerprint -sha1 | cut -d= -f2 | tr -d : | tr A-F a-f)\";"
  echo "		[\"pem\"] = [[$(cat "$CERTS/alice.crt")"; echo ']];'; echo '	};'; echo '};'; } \
  | put "$PDIR/data/localhost/client_certs/alice.dat" || true
chown -R prosody:prosody "$PDIR"

# ---------------------------------------------------------------- start Prosody
if alive "$(pid_of "$PDIR/prosody.pid")" "$P_MARK" && [ -n "$P_CHANGED" ]; then
  echo "[prosody] configuration changed: restarting"; stop_pid "$PDIR/prosody.pid" "$P_MARK"
fi
if alive "$(pid_of "$PDIR/prosody.pid")" "$P_MARK"; then
  echo "[prosody] already running (pid $(pid_of "$PDIR/prosody.pid"))"
else
  require_free_ports prosody "$P_HTTP" "$P_HTTPS" "$P_C2S"
  t0=$(now); rm -f "$PDIR/prosody.pid"
  # prosody refuses to run as root; runuser keeps the environment (SASL_CONF_PATH for Cyrus SASL)
  SASL_CONF_PATH="$PDIR/sasl2" setsid runuser -u prosody -- prosody --config "$PDIR/prosody.cfg.lua" -F \
    > "$PDIR/console.log" 2>&1 < /dev/null &
  launcher=$!
  if ! { wait_http "http://127.0.0.1:$P_HTTP/http-bind" 30 "$PDIR/prosody.pid" "$P_MARK" \
         && wait_http "https://127.0.0.1:$P_HTTPS/http-bind" 10 "$PDIR/prosody.pid" "$P_MARK"; }; then
    stop_pid "$PDIR/prosody.pid" "$P_MARK"; kill -TERM "$launcher" 2>/dev/null || true; rm -f "$PDIR/prosody.pid"
    fail_with_logs "[prosody] did not come up on ports $P_HTTP/$P_HTTPS (stopped again)" "$PDIR/console.log" "$PDIR/prosody.log"
  fi
  echo "[prosody] up in $(elapsed "$t0")s (pid $(pid_of "$PDIR/prosody.pid"))"
fi
cp "$PDIR/prosody.pid" "$RUN/prosody.pid"

# ---------------------------------------------------------------- ejabberd
EJ_TOKEN_FILE=$RUN/ejabberd-alice-oauth-token.txt
EJ_USERS="alice:alicepass bob:bobpass"
if [ -n "$WITH_EJ" ]; then
  E_CHANGED=""
  # a spool written by another ejabberd version may not load: start it afresh when the version changes
  if [ -f "$EDIR/version" ] && [ "$(cat "$EDIR/version")" != "$(ver ejabberd)" ]; then
    stop_pid "$EDIR/ejabberd.pid" "$E_NODE"; rm -rf "$EDIR/spool"
  fi
  mkdir -p "$EDIR/spool" "$EDIR/logs"; ver ejabberd > "$EDIR/version"
  put "$EDIR/inetrc" < /etc/ejabberd/inetrc && E_CHANGED=1
  put "$EDIR/ejabberdctl.cfg" <<EOF && E_CHANGED=1
ERLANG_NODE=$E_NODE
ERL_DIST_PORT=$E_DIST
INET_DIST_INTERFACE=127.0.0.1
EJABBERD_PID_PATH=$EDIR/ejabberd.pid
ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"
CONTRIB_MODULES_PATH=$EDIR/contrib
CONTRIB_MODULES_CONF_DIR=$EDIR/modules.d
EJABBERD_BYPASS_WARNINGS=true
EOF
  put "$EDIR/ejabberd.yml" <<EOF && E_CHANGED=1
# ejabberd config for the antistrophe e2e suite (loopback only). Generated by e2e/servers/start.sh.
# test CA sha256 $CA_FP
loglevel: info
log_rotate_count: 0
hosts:
  - ej.localhost
  - anon.ej.localhost
certfiles:
  - $CERTS/server.pem
ca_file: $CERTS/ca.crt
acme:
  auto: false
auth_method: internal
auth_password_format: plain     # plaintext storage => DIGEST-MD5 and SCRAM-SHA-1/256/512 are all offered
disable_sasl_mechanisms: []     # Debian's stock config disables digest-md5 and X-OAUTH2
host_config:
  anon.ej.localhost:
    auth_method: anonymous
    anonymous_protocol: sasl_anon
    allow_multiple_connections: true
listen:
  -
    port: $E_C2S
    ip: "127.0.0.1"
    module: ejabberd_c2s
    backlog: 1024
    max_stanza_size: 262144
    access: c2s
    starttls: true
  -
    port: $E_HTTP
    ip: "127.0.0.1"
    module: ejabberd_http
    backlog: 1024
    request_handlers:
      /bosh: mod_bosh
      /ws: ejabberd_http_ws
      /oauth: ejabberd_oauth
  -
    port: $E_HTTPS
    ip: "127.0.0.1"
    module: ejabberd_http
    backlog: 1024
    tls: true
    request_handlers:
      /bosh: mod_bosh
      /ws: ejabberd_http_ws
      /oauth: ejabberd_oauth
acl:
  local:
    user_regexp: ""
  loopback:
    ip:
      - 127.0.0.0/8
access_rules:
  local:
    allow: local
  c2s:
    allow: all
api_permissions:
  "console commands":
    from:
      - ejabberd_ctl
    who: all
    what: "*"
oauth_access: all
modules:
  mod_bosh: {}
  mod_ping: {}
  mod_disco: {}
  mod_roster: {}
  mod_vcard: {}
  mod_carboncopy: {}
  mod_stream_mgmt: {}
  mod_private: {}
  mod_offline: {}
  mod_caps: {}
  mod_pubsub: {}
  mod_admin_extra: {}
EOF
  chown -R ejabberd:ejabberd "$EDIR"
  ECTL="ejabberdctl --config-dir $EDIR --logs $EDIR/logs --spool $EDIR/spool"
  if alive "$(pid_of "$EDIR/ejabberd.pid")" "$E_NODE" && [ -n "$E_CHANGED" ]; then
    echo "[ejabberd] configuration changed: restarting"; stop_pid "$EDIR/ejabberd.pid" "$E_NODE"
  fi
  if alive "$(pid_of "$EDIR/ejabberd.pid")" "$E_NODE"; then
    echo "[ejabberd] already running (pid $(pid_of "$EDIR/ejabberd.pid"))"
  else
    require_free_ports ejabberd "$E_HTTP" "$E_HTTPS" "$E_C2S" "$E_DIST"
    t0=$(now); rm -f "$EDIR/ejabberd.pid"
    $ECTL start > "$EDIR/logs/ejabberdctl-start.log" 2>&1 \
      || fail_with_logs "[ejabberd] ejabberdctl start failed" "$EDIR/logs/ejabberdctl-start.log" "$EDIR/logs/ejabberd.log"
    if ! { wait_http "http://127.0.0.1:$E_HTTP/bosh" 60 "$EDIR/ejabberd.pid" "$E_NODE" 20 \
           && wait_http "https://127.0.0.1:$E_HTTPS/bosh" 10; }; then
      stop_pid "$EDIR/ejabberd.pid" "$E_NODE"; rm -f "$EDIR/ejabberd.pid"
      fail_with_logs "[ejabberd] did not come up on ports $E_HTTP/$E_HTTPS (stopped again)" "$EDIR/logs/ejabberdctl-start.log" \
        "$EDIR/logs/error.log" "$EDIR/logs/ejabberd.log"
    fi
    echo "[ejabberd] up in $(elapsed "$t0")s (pid $(pid_of "$EDIR/ejabberd.pid"))"
  fi
  cp "$EDIR/ejabberd.pid" "$RUN/ejabberd.pid"
  # accounts live in the spool (Mnesia): create them once per spool (the stamp lives in the spool too)
  STAMP="$EDIR/spool/antistrophe-users.stamp"
  if [ -n "${E2E_RESET_USERS:-}" ] || [ "$(cat "$STAMP" 2>/dev/null || true)" != "$EJ_USERS" ]; then
    for spec in $EJ_USERS; do
      u=${spec%%:*}; pw=${spec#*:}
      $ECTL register "$u" ej.localhost "$pw" >/dev/null 2>&1 || $ECTL change_password "$u" ej.localhost "$pw" >/dev/null \
        || { echo "[ejabberd] could not create $u@ej.localhost" >&2; exit 1; }
    done
    echo "$EJ_USERS" > "$STAMP"; rm -f "$EJ_TOKEN_FILE"
  fi
  # X-OAUTH2 token for alice (valid 30 days; re-issued when missing or older than a day)
  if [ -n "${E2E_RESET_USERS:-}" ] || [ ! -s "$EJ_TOKEN_FILE" ] || [ -n "$(find "$EJ_TOKEN_FILE" -mmin +1440 2>/dev/null)" ]; then
    tok=$($ECTL oauth_issue_token alice@ej.localhost 2592000 sasl_auth | cut -f1)
    [ -n "$tok" ] || { echo "[ejabberd] could not issue an OAuth token" >&2; exit 1; }
    printf '%s\n' "$tok" > "$EJ_TOKEN_FILE"
  fi
else
  rm -f "$RUN/ejabberd.pid"
fi

# ---------------------------------------------------------------- OAuth validator up?
if [ -n "${OAUTH_STARTED:-}" ]; then
  wait_http "https://127.0.0.1:$OAUTH_PORT/" 10 "$RUN/oauth-validator.pid" oauth-validator.mjs \
    || fail_with_logs "[oauth] validator did not come up on port $OAUTH_PORT" "$RUN/oauth-validator.log"
  echo "[oauth] validator up (pid $(pid_of "$RUN/oauth-validator.pid"))"
fi

# ---------------------------------------------------------------- env.json
export E2E_DIR CERTS CHROMEHOME RUN PDIR EDIR P_HTTP P_HTTPS P_C2S E_HTTP E_HTTPS E_C2S E_DIST E_NODE OAUTH_PORT OAUTH_TOKENS \
  OAUTH_CLIENT_ID OAUTH_CLIENT_SECRET WITH_EJ CLIENTS NSS_IDS P_USERS CYRUS_USERS HASHED_USERS EJ_USERS EJ_TOKEN_FILE CA_CN ROGUE_CN
export PROSODY_VERSION="$(ver prosody)" EJABBERD_VERSION="$(ver ejabberd)"
export PROSODY_PID="$(pid_of "$RUN/prosody.pid")" EJABBERD_PID="$(pid_of "$RUN/ejabberd.pid")" OAUTH_PID="$(pid_of "$RUN/oauth-validator.pid")"
"$NODE" --input-type=module - <<'JS'
import { writeFileSync, renameSync } from 'node:fs';
const e = process.env;
const users = (s) => Object.fromEntries(s.split(' ').filter(Boolean).map((p) => { const i = p.indexOf(':'); return [p.slice(0, i), p.slice(i + 1)]; }));
const num = (s) => (s ? Number(s) : null);
const tokens = e.OAUTH_TOKENS.split(',').filter(Boolean);
const clients = {};
for (const spec of e.CLIENTS.split(/\s+/).filter(Boolean)) {
  const [id, jid, issuer, expired] = spec.split(':');
  clients[id] = {
    jid, cert: `${e.CERTS}/${id}.crt`, key: `${e.CERTS}/${id}.key`, p12: `${e.CERTS}/${id}.p12`, p12Password: 'test',
    issuer: issuer === 'ca' ? 'ca' : 'rogueCa', trusted: issuer === 'ca', expired: expired === 'expired',
  };
}
clients.alice.note = 'registered for EXTERNAL on localhost (Prosody https/wss)';
clients.bob.note = 'valid but NOT registered: Prosody offers EXTERNAL on localhost, authentication fails (not-authorized)';
clients.certuser.note = 'EXTERNAL on cert.localhost (Prosody https/wss)';
clients.ejalice.note = 'ejabberd cannot do EXTERNAL over BOSH/WebSocket; for negative tests';
clients['rogue-alice'].note = 'issued by the untrusted rogue CA: Prosody https rejects the TLS handshake (alert unknown_ca)';
clients['expired-certuser'].note = 'expired 2021-01-01: Prosody https rejects the TLS handshake (alert certificate_expired)';
const env = {
  dir: e.E2E_DIR,
  generatedAt: new Date().toISOString(),
  address: '127.0.0.1',
  prosody: {
    version: e.PROSODY_VERSION, pid: num(e.PROSODY_PID),
    ports: { http: +e.P_HTTP, https: +e.P_HTTPS, c2s: +e.P_C2S },
    bosh: { http: `http://127.0.0.1:${e.P_HTTP}/http-bind`, https: `https://127.0.0.1:${e.P_HTTPS}/http-bind` },
    websocket: { ws: `ws://127.0.0.1:${e.P_HTTP}/xmpp-websocket`, wss: `wss://127.0.0.1:${e.P_HTTPS}/xmpp-websocket` },
    c2s: { host: '127.0.0.1', port: +e.P_C2S },
    hosts: {
      localhost: {
        mechanisms: ['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'],
        external: { transports: ['https', 'wss'], registeredCerts: ['alice'], note: 'EXTERNAL is offered only with a registered client cert (mod_client_certs)' },
        users: users(e.P_USERS),
      },
      'hashed.localhost': { mechanisms: ['PLAIN', 'SCRAM-SHA-1'], users: users(e.HASHED_USERS), note: 'SCRAM keys stored (internal_hashed): saved scramKeys log in' },
      'anon.localhost': { mechanisms: ['ANONYMOUS'] },
      'cert.localhost': {
        mechanisms: ['EXTERNAL'],
        external: { transports: ['https', 'wss'], certs: ['certuser'], note: 'any certificate from the test CA with xmppAddr user@cert.localhost' },
      },
      'cyrus.localhost': { mechanisms: ['DIGEST-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'], users: users(e.CYRUS_USERS) },
      'oauth.localhost': {
        mechanisms: ['OAUTHBEARER'],
        tokens: Object.fromEntries(tokens.map((t) => [t.replace(/^.*-/, ''), t])),
        note: 'any username; the token is the credential',
      },
    },
    config: `${e.PDIR}/prosody.cfg.lua`, log: `${e.PDIR}/prosody.log`, consoleLog: `${e.PDIR}/console.log`,
  },
  ejabberd: e.WITH_EJ ? {
    version: e.EJABBERD_VERSION, pid: num(e.EJABBERD_PID), node: e.E_NODE,
    ports: { http: +e.E_HTTP, https: +e.E_HTTPS, c2s: +e.E_C2S, dist: +e.E_DIST },
    bosh: { http: `http://127.0.0.1:${e.E_HTTP}/bosh`, https: `https://127.0.0.1:${e.E_HTTPS}/bosh` },
    websocket: { ws: `ws://127.0.0.1:${e.E_HTTP}/ws`, wss: `wss://127.0.0.1:${e.E_HTTPS}/ws` },
    c2s: { host: '127.0.0.1', port: +e.E_C2S },
    oauthTokenEndpoint: `http://127.0.0.1:${e.E_HTTP}/oauth/token`,
    hosts: {
      'ej.localhost': {
        mechanisms: ['PLAIN', 'DIGEST-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'X-OAUTH2'],
        users: users(e.EJ_USERS),
        oauthTokenFile: { alice: e.EJ_TOKEN_FILE },
      },
      'anon.ej.localhost': { mechanisms: ['ANONYMOUS'] },
    },
    config: `${e.EDIR}/ejabberd.yml`, log: `${e.EDIR}/logs/ejabberd.log`,
  } : null,
  oauthValidator: {
    url: `https://127.0.0.1:${e.OAUTH_PORT}/validate/{token}`, port: +e.OAUTH_PORT, pid: num(e.OAUTH_PID),
    clientId: e.OAUTH_CLIENT_ID, clientSecret: e.OAUTH_CLIENT_SECRET, tokens,
  },
  certs: {
    dir: e.CERTS,
    ca: `${e.CERTS}/ca.crt`, caName: e.CA_CN,
    rogueCa: `${e.CERTS}/rogue-ca.crt`, rogueCaName: e.ROGUE_CN,
    server: { cert: `${e.CERTS}/server.crt`, key: `${e.CERTS}/server.key`, pem: `${e.CERTS}/server.pem` },
    clients,
  },
  nssdb: Object.fromEntries(e.NSS_IDS.split(' ').filter(Boolean).map((id) => [id, {
    home: `${e.CHROMEHOME}/${id}`, db: `sql:${e.CHROMEHOME}/${id}/.pki/nssdb`, cert: id, nickname: clients[id].jid, caName: e.CA_CN,
  }])),
  pidFiles: Object.fromEntries(['prosody', 'ejabberd', 'oauth-validator']
    .filter((n) => n !== 'ejabberd' || e.WITH_EJ).map((n) => [n, `${e.RUN}/${n}.pid`])),
};
const file = `${e.E2E_DIR}/env.json`;
writeFileSync(file + '.tmp', JSON.stringify(env, null, 2) + '\n');
renameSync(file + '.tmp', file);
JS

# ---------------------------------------------------------------- session instances
# short resumption timeouts, for e2e/sessions-*.spec.ts (the restartable Prosody starts when a test asks for it)
export E2E_DIR
if [ -n "$WITH_EJ" ]; then bash "$HERE/sessions.sh" start; else bash "$HERE/sessions.sh" prosody sm start; fi

# ---------------------------------------------------------------- summary
cat <<EOF

== antistrophe e2e servers (127.0.0.1; TLS certs signed by $CERTS/ca.crt) ==
Prosody $(ver prosody | cut -d- -f1)  BOSH http://127.0.0.1:$P_HTTP/http-bind   https://127.0.0.1:$P_HTTPS/http-bind
               WS   ws://127.0.0.1:$P_HTTP/xmpp-websocket   wss://127.0.0.1:$P_HTTPS/xmpp-websocket
  localhost        alice bob carol dave jürgen  PLAIN SCRAM-SHA-1 SCRAM-SHA-256 (+EXTERNAL on https/wss with alice's cert)
  hashed.localhost alice  PLAIN SCRAM-SHA-1 (stored SCRAM keys: saved scramKeys log in)
  anon.localhost   ANONYMOUS
  cert.localhost   EXTERNAL only (https/wss, certuser's cert)
  cyrus.localhost  alice bob  DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256 SCRAM-SHA-512 PLAIN
  oauth.localhost  OAUTHBEARER, tokens: ${OAUTH_TOKENS//,/ }
EOF
[ -n "$WITH_EJ" ] && cat <<EOF
ejabberd $(ver ejabberd | cut -d- -f1)  BOSH http://127.0.0.1:$E_HTTP/bosh   https://127.0.0.1:$E_HTTPS/bosh
               WS   ws://127.0.0.1:$E_HTTP/ws   wss://127.0.0.1:$E_HTTPS/ws
  ej.localhost       alice bob  PLAIN DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256 SCRAM-SHA-512 X-OAUTH2 (token: $EJ_TOKEN_FILE)
  anon.ej.localhost  ANONYMOUS
EOF
echo "Passwords, tokens, certificates: $E2E_DIR/env.json"
echo "Ready in $(elapsed "$T_START")s. Stop with: $HERE/stop.sh"
