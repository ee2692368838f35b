#!/usr/bin/env bash
# Real-peer lab for tlscheck: several Postfix instances (one per TLS profile, each on its
# own loopback address, port 25), a dnsmasq serving the lab.test zone on 127.0.53.1:53, an
# HTTP server for CRLs and CA certificates (pki.lab.test, 127.0.80.1:80) and an OCSP
# responder (ocsp.lab.test, 127.0.80.2:80: OpenSSL's, behind a loopback HTTP front).
# Issue 15: the DNSSEC-signed zone sec.test on NSD (127.0.53.2:53), a validating unbound
# (127.0.53.3:53) and the MTA-STS policy hosts (HTTPS, 127.0.54.1:443 and 127.0.54.2:443).
#
#   lab.sh install   apt-get the packages (root; safe to re-run)
#   lab.sh start     PKI (once), configs, start everything, wait until it answers (root)
#   lab.sh stop      stop every instance, dnsmasq, nsd, unbound and the HTTP(S)/OCSP servers (root)
#   lab.sh status    what runs (exit 0 all running, 3 otherwise)
#   lab.sh env       shell-sourceable LAB_* variables
#   lab.sh check     probe every configuration with openssl s_client, openssl ocsp/crl, DNS,
#                    delv, dig, curl
#
# LAB_DIR (default /tmp/tlscheck-lab) holds the PKI, the instance configs, queues and logs.
# Nothing here talks to anything but 127.0.0.0/8 and ::1. See tests/lab/README.md.
set -euo pipefail

LAB_DIR="${LAB_DIR:-/tmp/tlscheck-lab}"
LAB_DIR="${LAB_DIR%/}"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LABCHECK="$SCRIPT_DIR/labcheck.py"

ZONE=lab.test
DNS_ADDR=127.0.53.1
DNS_PORT=53
READY_TIMEOUT="${LAB_READY_TIMEOUT:-20}"
DEFAULT_MAIN_CF=/etc/postfix/main.cf
PKI="$LAB_DIR/pki"
PF="$LAB_DIR/postfix"

# Postfix instances: name -> listen address, MX host name (leaf certificate subject), profile.
INSTANCES=(modern tls12 tls13 legacy nostarttls required staticrsa ipv6 modern2 revoked deadrev mtls
  weakkey dheonly sha1 smtps anull dhe13 ffdhe13 dane)
declare -A ADDR=(
  [modern]=127.0.1.10 [tls12]=127.0.1.11 [tls13]=127.0.1.12 [legacy]=127.0.1.13
  [nostarttls]=127.0.1.14 [required]=127.0.1.15 [staticrsa]=127.0.1.16 [ipv6]=::1
  [modern2]=127.0.1.17 [revoked]=127.0.1.18 [deadrev]=127.0.1.19 [mtls]=127.0.1.20
  [weakkey]=127.0.1.21 [dheonly]=127.0.1.22 [sha1]=127.0.1.23 [smtps]=127.0.1.24
  [anull]=127.0.1.25 [dhe13]=127.0.1.26 [ffdhe13]=127.0.1.27 [dane]=127.0.1.30
)
declare -A HOST=(
  [modern]=mx.modern.$ZONE [tls12]=mx.tls12.$ZONE [tls13]=mx.tls13.$ZONE
  [legacy]=mx.legacy.$ZONE [nostarttls]=mx.nostarttls.$ZONE [required]=mx.required.$ZONE
  [staticrsa]=mx.staticrsa.$ZONE [ipv6]=mx.ipv6.$ZONE [modern2]=mx2.two.$ZONE
  [revoked]=mx.revoked.$ZONE [deadrev]=mx.deadrev.$ZONE [mtls]=mx.mtls.$ZONE
  [weakkey]=mx.weakkey.$ZONE [dheonly]=mx.dheonly.$ZONE [sha1]=mx.sha1.$ZONE
  [smtps]=mx.smtps.$ZONE [anull]=mx.anull.$ZONE [dhe13]=mx.dhe13.$ZONE
  [ffdhe13]=mx.ffdhe13.$ZONE [dane]=mx.dane-ee.sec.test
)
declare -A PROFILE=(
  [modern]=modern [tls12]=tls12 [tls13]=tls13 [legacy]=legacy [nostarttls]=nostarttls
  [required]=required [staticrsa]=staticrsa [ipv6]=modern [modern2]=modern
  [revoked]=modern [deadrev]=modern [mtls]=mtls
  [weakkey]=modern [dheonly]=dheonly [sha1]=modern [smtps]=modern [anull]=anull
  [dhe13]=dhe13 [ffdhe13]=ffdhe13 [dane]=modern
)
# Extra SANs (space-separated): implicit.lab.test has no MX, only an A record to the modern
# instance (RFC 5321 implicit MX), so the modern leaf also names it. The dane instance is the
# MX host of every sec.test domain (DANE and MTA-STS, issue 15), so its leaf names them all.
declare -A EXTRA_SAN=([modern]="implicit.$ZONE"
  [dane]="mx.dane-ta.sec.test mx.dane-mismatch.sec.test mx.dane-unusable.sec.test mx.dane-cname.sec.test
    mx.bogus.sec.test mx.unsigned.sec.test mx.sts-good.sec.test mx.sts-lf.sec.test mx.sts-testing.sec.test
    mx.sts-notcovered.sec.test mx.a.sts-wild.sec.test mx.sts-redirect.sec.test mx.sts-badcert.sec.test
    mx.sts-none.sec.test mx.sts-twotxt.sec.test mx.sts-badid.sec.test")
# Leaf extension section in ca.cnf (default `leaf`: CRL and OCSP on the lab's servers).
declare -A LEAF_EXT=([deadrev]=leaf_dead)
# Leaves revoked in the intermediate's database (so in its CRL and at the OCSP responder).
declare -A REVOKE=([revoked]=keyCompromise)
# Leaf key size (default RSA 2048) and the digest the intermediate signs it with (default sha256).
declare -A KEY_BITS=([weakkey]=1024)
declare -A LEAF_MD=([sha1]=sha1)
# Extra listeners with TLS at once (SMTPS, smtpd_tls_wrappermode), beside STARTTLS on port 25.
declare -A IMPLICIT_PORT=([smtps]=465)
# The 1024-bit DH group of the dheonly instance (smtpd_tls_dh1024_param_file).
DH1024="$PKI/dh1024.pem"

# Configurations exported by `env` (and probed by `check`).
CONFIGS=(modern tls12 tls13 legacy nostarttls required staticrsa ipv6 two nullmx implicit revoked deadrev mtls
  weakkey dheonly sha1 smtps anull dhe13 ffdhe13)
# Configurations with their own instance and a domain of their own: MX 10 -> HOST, A -> ADDR.
MX_CONFIGS=(modern tls12 tls13 legacy nostarttls required staticrsa ipv6 revoked deadrev mtls
  weakkey dheonly sha1 smtps anull dhe13 ffdhe13)

# Revocation servers. Both listen on port 80 of their own loopback address; dead.lab.test
# resolves to a loopback address where nothing listens (connection refused at once).
HTTP_PORT=80
PKI_HOST=pki.$ZONE PKI_ADDR=127.0.80.1
OCSP_HOST=ocsp.$ZONE OCSP_ADDR=127.0.80.2
DEAD_HOST=dead.$ZONE DEAD_ADDR=127.0.80.9
CRL_URL=http://$PKI_HOST/intermediate.crl
CA_ISSUERS_URL=http://$PKI_HOST/intermediate.crt
ROOT_CRL_URL=http://$PKI_HOST/root.crl
ROOT_ISSUERS_URL=http://$PKI_HOST/root.crt
OCSP_URL=http://$OCSP_HOST/
DEAD_CRL_URL=http://$DEAD_HOST/intermediate.crl
DEAD_OCSP_URL=http://$DEAD_HOST/
MISSING_URL=http://$PKI_HOST/missing.crl
WWW="$LAB_DIR/www"
# The loopback HTTP(S) servers: labcheck.py serve-http / serve-ocsp, and mtasts_server.py (the
# MTA-STS policy hosts, HTTPS on port 443).
SERVERS=(pki-http ocsp mtasts mtasts-bad)
MTASTS_SERVER="$SCRIPT_DIR/mtasts_server.py"

# ---- Issue 15: DANE with DNSSEC, MTA-STS, TLS-RPT (the signed zone sec.test).
SEC_ZONE=sec.test
SEC_DNS_ADDR=127.0.53.2   # NSD: authoritative for sec.test and its child zones
VAL_DNS_ADDR=127.0.53.3   # unbound: validating resolver, trust anchor sec.test's DS
MTASTS_ADDR=127.0.54.1    # HTTPS: every mta-sts.<domain> except sts-badcert
MTASTS_BAD_ADDR=127.0.54.2  # HTTPS: mta-sts.sts-badcert.sec.test, certificate for wrong.sec.test only
HTTPS_PORT=443
DNS_DIR="$LAB_DIR/dns"
MTASTS_DIR="$LAB_DIR/mtasts"
SIGNED_ZONES=(sec.test bogus.sec.test)  # one KSK + one ZSK each (ECDSAP256SHA256)
UNSIGNED_ZONES=(unsigned.sec.test)      # delegated, no DS in the parent: provably insecure
SIG_DAYS=30      # RRSIG validity
RESIGN_DAYS=2    # re-sign when the signatures expire within this many days
DNS_TTL=60
# How zones are signed; part of each signed zone's stamp, so a change re-signs them.
SIGN_LAYOUT="ldns-signzone, NSEC, KSK signs DNSKEY, ZSK the rest; bogus: TLSA RRSIG corrupted"
# MTA-STS domains of sec.test (policy bodies in $MTASTS_DIR/<domain>.txt).
STS_DOMAINS=(sts-good sts-lf sts-testing sts-notcovered sts-wild sts-redirect sts-badcert sts-none
  sts-twotxt sts-badid)
STS_ID=20261202T01
# Leaves of the HTTPS servers (not Postfix instances): the policy host certificate (every
# mta-sts.<domain> but sts-badcert's) and the wrong-name one (wrong.sec.test only).
SERVER_LEAVES=(mtasts mtasts-bad)
declare -A LEAF_HOST=([mtasts]=mta-sts.sts-good.$SEC_ZONE [mtasts-bad]=wrong.$SEC_ZONE)
EXTRA_SAN[mtasts]="$(for d in "${STS_DOMAINS[@]}"; do
  [[ $d == sts-good || $d == sts-badcert ]] || printf 'mta-sts.%s.%s ' "$d" "$SEC_ZONE"; done)"
# Bumped whenever the PKI's structure changes: an older $PKI is discarded and rebuilt.
PKI_LAYOUT="2 (openssl ca databases, CRL/OCSP/caIssuers URLs, OCSP signer, client CAs)"

STATIC_RSA_CIPHERS="AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA"

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

need_root() { [[ $(id -u) -eq 0 ]] || die "'$1' needs root (ports 25 and 53, Postfix)"; }

need_tools() {
  local t missing=()
  for t in postfix postconf dnsmasq openssl python3 setsid nsd nsd-checkconf unbound unbound-checkconf \
    ldns-keygen ldns-signzone ldns-key2ds ldns-read-zone drill delv dig curl; do
    PATH="$PATH:/usr/sbin:/sbin" command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  ((${#missing[@]} == 0)) || die "missing ${missing[*]}: run 'sudo $0 install' first"
  export PATH="$PATH:/usr/sbin:/sbin"
}

# ---------------------------------------------------------------------------- install

# Services the packages would start: nsd and unbound listen on port 53 of every interface by
# default. No service may run after `install`: a policy-rc.d forbids starting any while apt
# runs, and whatever the packages started anyway (their pid files) is stopped afterwards.
PACKAGE_SERVICES=(nsd:/run/nsd/nsd.pid unbound:/run/unbound.pid)

cmd_install() {
  need_root install
  export DEBIAN_FRONTEND=noninteractive
  # Leave Postfix unconfigured: no /etc/postfix/main.cf, no system instance.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # nsd: authoritative server of the signed zones; ldnsutils: ldns-keygen, ldns-signzone,
  # ldns-key2ds, drill; unbound: the validating resolver; bind9-dnsutils: delv and dig
  # (oracles); curl: the MTA-STS oracles.
  local pkgs=(postfix dnsmasq-base openssl ca-certificates procps util-linux nsd ldnsutils unbound
    bind9-dnsutils curl)
  # labcheck.py needs the standard library beyond python3-minimal (http.server, subprocess).
  python3 -c 'import http.server, http.client, subprocess, pwd, ssl' >/dev/null 2>&1 || pkgs+=(python3)
  local policy=/usr/sbin/policy-rc.d ours=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# tlscheck lab.sh install: no service starts while packages are installed.\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    ours=1
  fi
  local rc=0
  {
    if [[ ! -d /var/lib/apt/lists ]] || ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
      apt-get update -q
    fi
    if ! apt-get install -y -q --no-install-recommends "${pkgs[@]}"; then
      apt-get update -q
      apt-get install -y -q --no-install-recommends "${pkgs[@]}"
    fi
  } || rc=$?
  ((ours)) && rm -f "$policy"
  ((rc == 0)) || die "apt-get install failed (exit $rc)"
  local s name pidf pid comm
  for s in "${PACKAGE_SERVICES[@]}"; do
    name="${s%%:*}" pidf="${s#*:}"
    [[ -r "$pidf" ]] || continue
    pid="$(tr -dc '0-9' <"$pidf")"
    comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || comm=""
    # (nsd's processes are named "nsd: xfrd", "nsd: main", ...)
    if [[ -n "$pid" && ( "$comm" == "$name" || "$comm" == "$name:"* ) ]]; then
      log "stopping the $name service the package started (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      wait_gone 5 "$pid" || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  log "installed: $(dpkg-query -W -f='${Package} ${Version}, ' "${pkgs[@]}" 2>/dev/null)"
}

# ---------------------------------------------------------------------------- PKI

# write_if_changed FILE: stdin -> FILE unless identical; returns 0 if it wrote.
write_if_changed() {
  local f="$1" tmp
  tmp="$(mktemp "$f.XXXXXX")"
  cat >"$tmp"
  if [[ -f "$f" ]] && cmp -s "$tmp" "$f"; then
    rm -f "$tmp"
    return 1
  fi
  chmod 644 "$tmp"
  mv -f "$tmp" "$f"
  return 0
}

serial() { echo "0x$(openssl rand -hex 12)"; }

ossl() {  # run openssl quietly, show its output on failure
  local out
  if ! out="$(openssl "$@" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "openssl $1 failed"
  fi
}

CA_CNF="$PKI/ca.cnf"

ca_cnf() {
  # `openssl ca` settings of the two server CAs plus every extension section (x509 -extfile
  # and ca -extensions read the same file). SAN comes from $LAB_LEAF_SAN, which must be set.
  local c
  cat <<EOF
# Generated by tests/lab/lab.sh: the lab PKI's 'openssl ca' configuration. Do not edit.
[ca]
default_ca = intermediate_ca
EOF
  for c in root intermediate; do
    cat <<EOF

[${c}_ca]
dir = $PKI/ca/$c
certificate = $PKI/$c.pem
private_key = $PKI/$c.key
database = \$dir/index.txt
new_certs_dir = \$dir/certs
crlnumber = \$dir/crlnumber
rand_serial = yes
default_md = sha256
default_days = $([[ $c == root ]] && echo 1825 || echo 365)
default_crl_days = 30
policy = policy_lab
unique_subject = no
copy_extensions = none
email_in_dn = no
EOF
  done
  cat <<EOF

[policy_lab]
organizationName = supplied
commonName = supplied

[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:$ROOT_CRL_URL
authorityInfoAccess = caIssuers;URI:$ROOT_ISSUERS_URL

[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = \$ENV::LAB_LEAF_SAN
crlDistributionPoints = URI:$CRL_URL
authorityInfoAccess = OCSP;URI:$OCSP_URL,caIssuers;URI:$CA_ISSUERS_URL

[leaf_dead]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = \$ENV::LAB_LEAF_SAN
crlDistributionPoints = URI:$DEAD_CRL_URL
authorityInfoAccess = OCSP;URI:$DEAD_OCSP_URL,caIssuers;URI:$CA_ISSUERS_URL

[ocsp_signer]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
noCheck = ignored

[client_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
}

# fill_key_pool N: N RSA keys generated in parallel (one job per CPU) into $PKI/pool, for a
# PKI built from scratch: key generation is most of its time.
fill_key_pool() {
  mkdir -p "$PKI/pool"
  chmod 700 "$PKI/pool"
  seq 1 "$1" | xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} \
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/pool/{}.key" 2>/dev/null || true
}

new_csr() {  # new_csr NAME CN [BITS]: fresh RSA key $PKI/NAME.key (2048-bit ones from the pool
  # if any) and $PKI/NAME.csr
  local pooled bits="${3:-2048}"
  pooled=""
  [[ $bits == 2048 ]] && { pooled="$(find "$PKI/pool" -name '*.key' -size +0 2>/dev/null | head -n1)" || pooled=""; }
  if [[ -n "$pooled" ]] && openssl pkey -in "$pooled" -noout 2>/dev/null; then
    mv -f "$pooled" "$PKI/$1.key"
    ossl req -new -key "$PKI/$1.key" -out "$PKI/$1.csr" -subj "/O=tlscheck Lab/CN=$2"
  else
    ossl req -new -newkey "rsa:$bits" -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.csr" \
      -subj "/O=tlscheck Lab/CN=$2"
  fi
  chmod 600 "$PKI/$1.key"
}

self_signed() {  # self_signed NAME CN DAYS EXT: a root outside any database
  new_csr "$1" "$2"
  ossl x509 -req -in "$PKI/$1.csr" -signkey "$PKI/$1.key" -sha256 -days "$3" \
    -set_serial "$(serial)" -extfile "$CA_CNF" -extensions "$4" -out "$PKI/$1.pem"
  rm -f "$PKI/$1.csr"
}

signed_by() {  # signed_by NAME CN DAYS EXT ISSUER: issued with x509 -req (client PKI, no database)
  new_csr "$1" "$2"
  ossl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$5.pem" -CAkey "$PKI/$5.key" -sha256 -days "$3" \
    -set_serial "$(serial)" -extfile "$CA_CNF" -extensions "$4" -out "$PKI/$1.pem"
  rm -f "$PKI/$1.csr"
}

ca_issue() {  # ca_issue CA NAME CN EXT OUT [BITS [MD]]: issued with `openssl ca`, recorded in
  # CA's index.txt; an RSA key of BITS (default 2048), signed with digest MD (default sha256)
  new_csr "$2" "$3" "${6:-2048}"
  ossl ca -config "$CA_CNF" -name "${1}_ca" -batch -notext -preserveDN -extensions "$4" \
    -md "${7:-sha256}" -in "$PKI/$2.csr" -out "$5"
  rm -f "$PKI/$2.csr"
}

fresh() {  # fresh CERT: exists and is valid for at least another day
  [[ -s "$1" ]] && openssl x509 -in "$1" -noout -checkend 86400 >/dev/null 2>&1
}

ca_db() {  # ca_db CA: an empty openssl ca database
  local d="$PKI/ca/$1"
  rm -rf "$d"
  mkdir -p "$d/certs"
  : >"$d/index.txt"
  echo 1000 >"$d/crlnumber"
}

ensure_revoked() {  # ensure_revoked INSTANCE REASON: revoke the leaf unless its serial is revoked
  local cert="$PKI/$1.leaf.pem" serial
  serial="$(openssl x509 -in "$cert" -noout -serial)"
  serial="${serial#serial=}"
  if awk -F'\t' -v s="$serial" 'toupper($4) == toupper(s) && $1 == "R" { r = 1 } END { exit !r }' \
      "$PKI/ca/intermediate/index.txt"; then
    return 0
  fi
  log "PKI: revoking leaf $1 (serial $serial, $2)"
  ossl ca -config "$CA_CNF" -name intermediate_ca -revoke "$cert" -crl_reason "$2"
}

crl_fresh() {  # crl_fresh CA: its CRL exists, is newer than the database, and is valid for a day
  local pem="$PKI/$1.crl.pem" next
  [[ -s "$pem" && "$pem" -nt "$PKI/ca/$1/index.txt" ]] || return 1
  next="$(openssl crl -in "$pem" -noout -nextupdate 2>/dev/null)" || return 1
  next="$(date -d "${next#nextUpdate=}" +%s 2>/dev/null)" || return 1
  ((next > $(date +%s) + 86400))
}

publish() {  # publish NAME: stdin -> $WWW/NAME (atomically, only when it changed)
  write_if_changed "$WWW/$1" || true
}

REISSUED=()  # instances whose certificate files make_pki rewrote

make_pki() {
  mkdir -p "$PKI"
  chmod 755 "$PKI"
  # An older lab PKI (no CA databases, no revocation URLs) cannot be patched: start afresh.
  if [[ -e "$PKI/root.pem" && "$(cat "$PKI/LAYOUT" 2>/dev/null)" != "$PKI_LAYOUT" ]]; then
    log "PKI: $PKI has an older layout, rebuilding it"
    rm -rf "${PKI:?}"/*
  fi
  export LAB_LEAF_SAN="DNS:unused.$ZONE"  # ca.cnf needs it set even for the CAs
  ca_cnf >"$CA_CNF"
  # The dheonly instance's 1024-bit DH group, made once: a prime search of one to a few seconds
  # on one CPU, run beside the key generation.
  local dh_job=""
  if ! openssl pkeyparam -in "$DH1024" -noout -text 2>/dev/null | grep -q '(1024 bit)'; then
    log "PKI: 1024-bit DH parameters (openssl dhparam, in the background)"
    openssl dhparam -out "$DH1024.tmp" 1024 >"$PKI/dhparam.out" 2>&1 &
    dh_job=$!
  fi
  # From scratch: root, intermediate, OCSP signer, the leaves, two client CAs, two clients.
  [[ -s "$PKI/root.pem" ]] || fill_key_pool $((3 + ${#INSTANCES[@]} + ${#SERVER_LEAVES[@]} - ${#KEY_BITS[@]} + 4))
  if ! fresh "$PKI/root.pem" || [[ ! -s "$PKI/root.key" || ! -f "$PKI/ca/root/index.txt" ]]; then
    log "PKI: root CA"
    ca_db root
    self_signed root "tlscheck Lab Root" 3650 root
    rm -f "$PKI/intermediate.pem"
  fi
  if ! fresh "$PKI/intermediate.pem" || [[ ! -s "$PKI/intermediate.key" || ! -f "$PKI/ca/intermediate/index.txt" ]]; then
    log "PKI: intermediate CA (issued by the root's database)"
    ca_db intermediate
    ca_issue root intermediate "tlscheck Lab Intermediate" intermediate "$PKI/intermediate.pem"
    rm -f "$PKI"/*.leaf.pem "$PKI/ocsp.pem"
  fi
  if ! fresh "$PKI/ocsp.pem" || [[ ! -s "$PKI/ocsp.key" ]]; then
    log "PKI: OCSP signer (delegated responder: EKU OCSPSigning, issued by the intermediate)"
    ca_issue intermediate ocsp "tlscheck Lab OCSP Responder" ocsp_signer "$PKI/ocsp.pem"
  fi
  local i host san spec bits md extra
  for i in "${INSTANCES[@]}" "${SERVER_LEAVES[@]}"; do
    host="${HOST[$i]:-${LEAF_HOST[$i]:-}}"
    san="DNS:$host"
    for extra in ${EXTRA_SAN[$i]:-}; do san+=",DNS:$extra"; done
    bits="${KEY_BITS[$i]:-2048}" md="${LEAF_MD[$i]:-sha256}"
    spec="san=$san ext=${LEAF_EXT[$i]:-leaf}"
    # Only the exceptions are spelled out, so that the other leaves' specs stay as they were.
    [[ $bits == 2048 ]] || spec+=" bits=$bits"
    [[ $md == sha256 ]] || spec+=" md=$md"
    # Regenerate a leaf when missing, when its SAN list, extensions, key size or digest
    # changed, or when it expires within a day.
    if fresh "$PKI/$i.leaf.pem" && [[ -s "$PKI/$i.key" && "$(cat "$PKI/$i.spec" 2>/dev/null)" == "$spec" ]]; then
      continue
    fi
    log "PKI: leaf $host ($san, ${LEAF_EXT[$i]:-leaf}, RSA $bits, $md)"
    LAB_LEAF_SAN="$san" ca_issue intermediate "$i" "$host" "${LEAF_EXT[$i]:-leaf}" "$PKI/$i.leaf.pem" "$bits" "$md"
    REISSUED+=("$i")
    cat "$PKI/$i.leaf.pem" "$PKI/intermediate.pem" >"$PKI/$i.chain.pem"
    printf '%s\n' "$spec" >"$PKI/$i.spec"
  done
  for i in "${!REVOKE[@]}"; do ensure_revoked "$i" "${REVOKE[$i]}"; done

  if [[ -n "$dh_job" ]]; then
    wait "$dh_job" || { cat "$PKI/dhparam.out" >&2; die "openssl dhparam failed"; }
    mv -f "$DH1024.tmp" "$DH1024"
    rm -f "$PKI/dhparam.out"
    REISSUED+=(dheonly dhe13)
  fi

  # Client PKI for the mtls instance: the CA Postfix trusts (and names in its
  # CertificateRequest), a client it accepts, and one from an unrelated CA that it must refuse.
  if ! fresh "$PKI/client-ca.pem" || [[ ! -s "$PKI/client-ca.key" ]]; then
    log "PKI: client CA"
    self_signed client-ca "tlscheck Lab Client CA" 3650 client_ca
    rm -f "$PKI/client.pem"
    REISSUED+=(mtls)  # its smtpd_tls_CAfile
  fi
  if ! fresh "$PKI/other-ca.pem" || [[ ! -s "$PKI/other-ca.key" ]]; then
    log "PKI: other (untrusted) client CA"
    self_signed other-ca "tlscheck Lab Other CA" 3650 client_ca
    rm -f "$PKI/client-wrong.pem"
  fi
  if ! fresh "$PKI/client.pem" || [[ ! -s "$PKI/client.key" ]]; then
    log "PKI: client certificate (clientAuth, issued by the client CA)"
    signed_by client "tlscheck Lab Client" 365 client client-ca
  fi
  if ! fresh "$PKI/client-wrong.pem" || [[ ! -s "$PKI/client-wrong.key" ]]; then
    log "PKI: wrong client certificate (clientAuth, issued by the other CA)"
    signed_by client-wrong "tlscheck Lab Wrong Client" 365 client other-ca
  fi

  # CRLs, regenerated when the database changed or the CRL is due within a day.
  local ca
  for ca in root intermediate; do
    crl_fresh "$ca" && continue
    log "PKI: CRL of the $ca CA"
    ossl ca -config "$CA_CNF" -name "${ca}_ca" -gencrl -out "$PKI/$ca.crl.pem"
    ossl crl -in "$PKI/$ca.crl.pem" -outform DER -out "$PKI/$ca.crl"
  done
  # A request for the modern leaf, which the readiness wait posts to the OCSP responder.
  ossl ocsp -issuer "$PKI/intermediate.pem" -cert "$PKI/modern.leaf.pem" -no_nonce -reqout "$PKI/ocsp-probe.req"
  rm -rf "$PKI/pool"
  printf '%s\n' "$PKI_LAYOUT" >"$PKI/LAYOUT"
  chmod 644 "$PKI"/*.pem "$PKI"/*.crl "$PKI/ca.cnf"
  # Client keys are test credentials for whoever runs the tests (not necessarily root).
  chmod 644 "$PKI/client.key" "$PKI/client-wrong.key"

  # What pki.lab.test serves: DER CRLs and DER CA certificates (caIssuers).
  mkdir -p "$WWW"
  chmod 755 "$WWW"
  publish intermediate.crl <"$PKI/intermediate.crl"
  publish root.crl <"$PKI/root.crl"
  openssl x509 -in "$PKI/intermediate.pem" -outform DER | publish intermediate.crt
  openssl x509 -in "$PKI/root.pem" -outform DER | publish root.crt
}

# ---------------------------------------------------------------------------- Postfix

tls_settings() {  # tls_settings PROFILE KEY CHAIN
  local p="$1" key="$2" chain="$3" level=may protocols=">=TLSv1.2"
  case "$p" in
    modern) ;;
    tls12) protocols=">=TLSv1.2, <=TLSv1.2" ;;
    tls13) protocols=">=TLSv1.3" ;;
    legacy) protocols=">=TLSv1, <=TLSv1.1" ;;
    nostarttls) level=none ;;
    required) level=encrypt ;;
    staticrsa) protocols=">=TLSv1.2, <=TLSv1.2" ;;
    mtls) level=encrypt ;;
    dheonly | anull) protocols=">=TLSv1.2, <=TLSv1.2" ;;
    dhe13) protocols=">=TLSv1.2" ;;
    ffdhe13) protocols=">=TLSv1.3" ;;
    *) die "unknown profile $p" ;;
  esac
  cat <<EOF
smtpd_tls_security_level = $level
smtpd_tls_chain_files = $key, $chain
smtpd_tls_protocols = $protocols
smtpd_tls_mandatory_protocols = $protocols
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
EOF
  case "$p" in
    legacy)
      # Debian's OpenSSL refuses TLS 1.0/1.1 handshakes at the default SECLEVEL=2.
      cat <<EOF
smtpd_tls_ciphers = medium
smtpd_tls_mandatory_ciphers = medium
tls_medium_cipherlist = DEFAULT:@SECLEVEL=0
EOF
      ;;
    mtls)
      # A trusted client certificate is required; the CertificateRequest names the client CA.
      cat <<EOF
smtpd_tls_ask_ccert = yes
smtpd_tls_req_ccert = yes
smtpd_tls_CAfile = $PKI/client-ca.pem
EOF
      ;;
    staticrsa)
      # Only RSA key exchange (no forward secrecy): no ECDHE, no DHE.
      cat <<EOF
smtpd_tls_ciphers = high
smtpd_tls_mandatory_ciphers = high
tls_high_cipherlist = $STATIC_RSA_CIPHERS
tls_medium_cipherlist = $STATIC_RSA_CIPHERS
smtpd_tls_exclude_ciphers = kECDHE, kDHE, aNULL
smtpd_tls_eecdh_grade = none
EOF
      ;;
    dheonly | dhe13)
      # (dhe13: the same TLS 1.2 list beside TLS 1.3, whose suites the list does not touch.)
      # Finite-field DHE only (kDHE+aRSA: no ECDHE, no static RSA, no anonymous suites), over a
      # 1024-bit group. Postfix runs OpenSSL at security level 0 (see the README), which
      # allows a 1024-bit group; an @SECLEVEL=2 in the list would refuse it ("dh key too small").
      # The server picks the suite in its own order, so every client offering DHE-RSA-AES256-
      # GCM-SHA384 gets that one, whatever order it offers in.
      cat <<EOF
smtpd_tls_ciphers = high
smtpd_tls_mandatory_ciphers = high
tls_high_cipherlist = kDHE+aRSA
tls_preempt_cipherlist = yes
smtpd_tls_dh1024_param_file = $DH1024
EOF
      ;;
    ffdhe13)
      # TLS 1.3 over RFC 7919 finite-field groups only: rustls has none of them, so a client
      # offering only x25519/secp256r1/secp384r1 is refused ("no suitable key share"), and the
      # certificate, which TLS 1.3 encrypts, is seen only by a client that has the group.
      # (Postfix 3.7 passes the names to OpenSSL's group list; 3.8 calls this tls_ffdhe_auto_groups.)
      cat <<EOF
tls_eecdh_auto_curves = ffdhe2048 ffdhe3072
EOF
      ;;
    anull)
      # Postfix's default list (aNULL:-aNULL:HIGH:...) re-adds the anonymous suites after the
      # others, and Postfix's security level 0 lets them through: this is Postfix's default,
      # spelled out with @SECLEVEL=0 so that it stays so.
      cat <<EOF
smtpd_tls_ciphers = medium
smtpd_tls_mandatory_ciphers = medium
tls_medium_cipherlist = aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:@SECLEVEL=0
EOF
      ;;
  esac
}

main_cf() {  # main_cf INSTANCE
  # The queue must not live below the config directory: `postfix check` walks the
  # config directory and would flag every queue subdirectory as "not owned by root".
  local i="$1" d="$PF/$1" protocols=ipv4
  [[ "${ADDR[$i]}" == *:* ]] && protocols=ipv6
  cat <<EOF
# Generated by tests/lab/lab.sh -- lab instance '$i' (profile ${PROFILE[$i]}). Do not edit.
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
maillog_file = $d/maillog
maillog_file_prefixes = /tmp, /var, /dev/stdout, $LAB_DIR
myhostname = ${HOST[$i]}
mydomain = $ZONE
myorigin = \$myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
readme_directory = no
inet_interfaces = loopback-only
inet_protocols = $protocols
mynetworks = 127.0.0.0/8 [::1]/128
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
default_transport = discard
relay_transport = discard
local_transport = discard
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtpd_banner = \$myhostname ESMTP tlscheck-lab $i
# Postfix 3.9's default: a client that breaks RFC 2920's pipelining rules is disconnected. The
# MAIL question's pipelined group (MAIL, RSET, STARTTLS last) must pass it.
smtpd_forbid_unauth_pipelining = yes
EOF
  tls_settings "${PROFILE[$i]}" "$PKI/$i.key" "$PKI/$i.chain.pem"
}

master_cf() {  # master_cf INSTANCE
  local listen="${ADDR[$1]}:25"
  [[ "${ADDR[$1]}" == *:* ]] && listen="[${ADDR[$1]}]:25"
  cat <<EOF
# Generated by tests/lab/lab.sh -- lab instance '$1'. Do not edit. No chroot anywhere.
# service type  private unpriv  chroot  wakeup  maxproc command
$listen inet n - n - - smtpd
EOF
  if [[ -n "${IMPLICIT_PORT[$1]:-}" ]]; then
    # SMTPS (RFC 8314): TLS at once; the STARTTLS listener above stays as it is.
    cat <<EOF
${ADDR[$1]}:${IMPLICIT_PORT[$1]} inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
EOF
  fi
  cat <<EOF
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# The default instance must list every alternate config directory, or `postfix -c DIR`
# exits 1 without a word. Creates a minimal /etc/postfix/main.cf when there is none; in an
# existing one, adds the lab directories and drops stale ones under $PF (keeps all others).
ensure_default_main_cf() {
  local want=() i
  for i in "${INSTANCES[@]}"; do want+=("$PF/$i/etc"); done
  if [[ ! -e "$DEFAULT_MAIN_CF" ]]; then
    log "creating $DEFAULT_MAIN_CF (lists the lab instances; no default instance is started)"
    {
      echo "# Created by tlscheck tests/lab/lab.sh: Postfix was installed unconfigured."
      echo "# The lab runs its own instances with 'postfix -c DIR'; they must be listed here."
      echo "compatibility_level = 3.6"
      echo "maillog_file = /var/log/postfix.log"
      echo "alternate_config_directories = ${want[*]}"
    } >"$DEFAULT_MAIN_CF"
    return
  fi
  local have=() keep=() d
  read -r -a have <<<"$(postconf -c /etc/postfix -h alternate_config_directories 2>/dev/null | tr ',' ' ')"
  for d in "${have[@]}"; do [[ "$d" == "$PF/"* ]] || keep+=("$d"); done
  if [[ "${have[*]}" != "${keep[*]}${keep[*]:+ }${want[*]}" ]]; then
    log "updating alternate_config_directories in $DEFAULT_MAIN_CF"
    postconf -c /etc/postfix -e "alternate_config_directories = ${keep[*]}${keep[*]:+ }${want[*]}"
  fi
}

master_pid() {  # prints the pid of a running master for INSTANCE, else fails
  local f="$PF/$1/queue/pid/master.pid" pid
  [[ -r "$f" ]] || return 1
  pid="$(tr -dc '0-9' <"$f")"
  [[ -n "$pid" ]] && is_alive "$pid" || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == master ]] || return 1
  echo "$pid"
}

# is_alive PID: the process exists and is not a zombie. The lab's daemons are children of
# PID 1, and a container's init may reap them only seconds after they exited.
is_alive() {
  local st
  st="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" || return 1
  [[ -n "$st" && "$st" != Z ]]
}

children_of() { ps -o pid= --ppid "$1" 2>/dev/null | tr -s ' \n' ' ' || true; }

maillog_tail() {
  local f="$PF/$1/maillog"
  if [[ -s "$f" ]]; then
    echo "---- tail of $f" >&2
    tail -n 15 "$f" >&2
  else
    echo "---- $f is empty or missing" >&2
  fi
}

# ---------------------------------------------------------------------------- dnsmasq

dnsmasq_args() {
  local c
  printf '%s\n' --conf-file=/dev/null --port=$DNS_PORT --listen-address=$DNS_ADDR --bind-interfaces \
    --no-resolv --no-hosts --no-poll --local=/test/ --local-ttl=60 --cache-size=0 \
    --pid-file="$LAB_DIR/dnsmasq.pid" --log-facility="$LAB_DIR/dnsmasq.log" --log-queries
  for c in "${MX_CONFIGS[@]}"; do
    printf '%s\n' "--mx-host=$c.$ZONE,${HOST[$c]},10" "--host-record=${HOST[$c]},${ADDR[$c]}"
  done
  printf '%s\n' "--host-record=$PKI_HOST,$PKI_ADDR" "--host-record=$OCSP_HOST,$OCSP_ADDR" \
    "--host-record=$DEAD_HOST,$DEAD_ADDR"
  printf '%s\n' "--mx-host=two.$ZONE,${HOST[modern]},10" "--mx-host=two.$ZONE,${HOST[modern2]},20" \
    "--host-record=${HOST[modern2]},${ADDR[modern2]}" \
    "--dns-rr=nullmx.$ZONE,15,000000" \
    "--host-record=implicit.$ZONE,${ADDR[modern]}"
}

dnsmasq_pid() {
  local pid
  [[ -r "$LAB_DIR/dnsmasq.pid" ]] || return 1
  pid="$(tr -dc '0-9' <"$LAB_DIR/dnsmasq.pid")"
  [[ -n "$pid" ]] && is_alive "$pid" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dnsmasq ]] || return 1
  echo "$pid"
}

wait_gone() {  # wait_gone SECONDS PID...: 0 when none of the pids is left
  local deadline=$((SECONDS + $1)) p alive
  shift
  while :; do
    alive=0
    for p in "$@"; do is_alive "$p" && alive=1; done
    ((alive == 0)) && return 0
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}

stop_dnsmasq() {
  local pid
  if pid="$(dnsmasq_pid)"; then
    kill "$pid" 2>/dev/null || true
    wait_gone 5 "$pid" || { kill -KILL "$pid" 2>/dev/null || true; wait_gone 2 "$pid" || true; }
    STOPPED+=("$pid")
    log "dnsmasq stopped (pid $pid)"
  fi
  rm -f "$LAB_DIR/dnsmasq.pid"
}

start_dnsmasq() {
  local args=()
  mapfile -t args < <(dnsmasq_args)
  if dnsmasq_pid >/dev/null && cmp -s <(printf '%s\n' "${args[@]}") "$LAB_DIR/dnsmasq.args"; then
    log "dnsmasq already running (pid $(dnsmasq_pid))"
    return 0
  fi
  stop_dnsmasq
  printf '%s\n' "${args[@]}" >"$LAB_DIR/dnsmasq.args"
  local out
  if ! out="$(dnsmasq "${args[@]}" 2>&1)"; then
    printf '%s\n' "$out" >&2
    [[ -s "$LAB_DIR/dnsmasq.log" ]] && { echo "---- tail of $LAB_DIR/dnsmasq.log" >&2; tail -n 10 "$LAB_DIR/dnsmasq.log" >&2; }
    die "dnsmasq failed to start on $DNS_ADDR:$DNS_PORT"
  fi
  log "dnsmasq started (pid $(dnsmasq_pid || echo '?')) on $DNS_ADDR:$DNS_PORT"
}

# ---------------------------------------------------------------------------- HTTP: CRLs, OCSP

# server_args NAME: the python3 command line of a loopback HTTP(S) server (the script first),
# one word a line.
server_args() {
  case "$1" in
    pki-http) printf '%s\n' "$LABCHECK" serve-http "$PKI_ADDR" "$HTTP_PORT" "$WWW" "$LAB_DIR/pki-http.pid" ;;
    ocsp)
      # `openssl ocsp -port N` listens on every interface (it takes no address), so OpenSSL's
      # responder runs once per request (-reqin/-respout) behind a front bound to loopback.
      printf '%s\n' "$LABCHECK" serve-ocsp "$OCSP_ADDR" "$HTTP_PORT" "$LAB_DIR/ocsp.pid" \
        "$PKI/ca/intermediate/index.txt" "$PKI/intermediate.pem" "$PKI/ocsp.pem" "$PKI/ocsp.key"
      ;;
    mtasts)
      local d doms=()
      for d in "${STS_DOMAINS[@]}"; do [[ $d == sts-badcert ]] || doms+=("$d.$SEC_ZONE"); done
      printf '%s\n' "$MTASTS_SERVER" "$MTASTS_ADDR" "$HTTPS_PORT" "$PKI/mtasts.chain.pem" "$PKI/mtasts.key" \
        "$MTASTS_DIR" "$LAB_DIR/mtasts.pid" "${doms[@]}"
      ;;
    mtasts-bad)
      printf '%s\n' "$MTASTS_SERVER" "$MTASTS_BAD_ADDR" "$HTTPS_PORT" "$PKI/mtasts-bad.chain.pem" \
        "$PKI/mtasts-bad.key" "$MTASTS_DIR" "$LAB_DIR/mtasts-bad.pid" "sts-badcert.$SEC_ZONE"
      ;;
    *) die "unknown server $1" ;;
  esac
}

server_where() {
  case "$1" in
    pki-http) echo "$PKI_ADDR:$HTTP_PORT $PKI_HOST" ;;
    ocsp) echo "$OCSP_ADDR:$HTTP_PORT $OCSP_HOST" ;;
    mtasts) echo "$MTASTS_ADDR:$HTTPS_PORT mta-sts.*.$SEC_ZONE" ;;
    mtasts-bad) echo "$MTASTS_BAD_ADDR:$HTTPS_PORT mta-sts.sts-badcert.$SEC_ZONE" ;;
  esac
}

server_pid() {  # prints the pid of a running server NAME (pid file + command line), else fails
  local pid cmd
  [[ -r "$LAB_DIR/$1.pid" ]] || return 1
  pid="$(tr -dc '0-9' <"$LAB_DIR/$1.pid")"
  [[ -n "$pid" ]] && is_alive "$pid" || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
  [[ "$cmd" == *"labcheck.py serve-"* || "$cmd" == *"mtasts_server.py "* ]] || return 1
  [[ "$cmd" == *" $LAB_DIR/$1.pid "* ]] || return 1
  echo "$pid"
}

stop_server() {
  local pid kids
  if pid="$(server_pid "$1")"; then
    kids="$(children_of "$pid")"  # an `openssl ocsp` answering a request right now
    kill -TERM "$pid" 2>/dev/null || true
    # shellcheck disable=SC2086
    if ! wait_gone 5 "$pid" $kids; then
      # shellcheck disable=SC2086
      kill -KILL "$pid" $kids 2>/dev/null || true
      # shellcheck disable=SC2086
      wait_gone 2 "$pid" $kids || true
    fi
    STOPPED+=("$pid")
    log "$1 stopped (pid $pid)"
  fi
  rm -f "$LAB_DIR/$1.pid"
}

start_servers() {  # start_servers NAME...: (re)start those not running with the same arguments
  local name args=() deadline pid launched=()
  for name in "$@"; do
    mapfile -t args < <(server_args "$name")
    if server_pid "$name" >/dev/null && cmp -s <(printf '%s\n' "${args[@]}") "$LAB_DIR/$name.args"; then
      log "$name already running (pid $(server_pid "$name"))"
      continue
    fi
    stop_server "$name"
    printf '%s\n' "${args[@]}" >"$LAB_DIR/$name.args"
    # Its own session, so it outlives this script; stdout and stderr go to the log.
    setsid python3 "${args[@]}" </dev/null >>"$LAB_DIR/$name.log" 2>&1 &
    launched+=("$name:$!")
  done
  deadline=$((SECONDS + 5))
  for name in "${launched[@]}"; do
    pid="${name#*:}"
    name="${name%%:*}"
    # The server writes its pid file once it listens.
    until server_pid "$name" >/dev/null; do
      if ! is_alive "$pid" || ((SECONDS >= deadline)); then
        echo "---- tail of $LAB_DIR/$name.log" >&2
        tail -n 10 "$LAB_DIR/$name.log" >&2
        die "$name failed to start on $(server_where "$name")"
      fi
      sleep 0.05
    done
    log "$name started (pid $(server_pid "$name")) on $(server_where "$name")"
  done
}

# ---------------------------------------------------------------------------- DNSSEC: sec.test

# spki_digest CERT sha256|sha512: hex digest of the certificate's SubjectPublicKeyInfo (DER),
# what a TLSA record with selector 1 carries; cert_digest CERT: SHA-256 of the whole DER
# certificate (selector 0, matching type 1).
spki_digest() {
  openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | "${2}sum" | cut -d' ' -f1
}
cert_digest() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }

KEYS="$DNS_DIR/keys"
ZONES="$DNS_DIR/zones"

# dns_keys ZONE: one KSK (flags 257) and one ZSK (256), ECDSAP256SHA256, made once:
# $KEYS/ZONE.ksk.{key,private}, $KEYS/ZONE.zsk.{key,private}. Keys do not expire; they are
# remade only when a file is missing or unreadable.
dns_keys() {
  local z="$1" kind base
  mkdir -p "$KEYS"
  chmod 700 "$KEYS"
  for kind in ksk zsk; do
    if [[ -s "$KEYS/$z.$kind.private" && -s "$KEYS/$z.$kind.key" ]] &&
       grep -q "DNSKEY" "$KEYS/$z.$kind.key"; then
      continue
    fi
    log "DNS: new $kind of $z (ECDSAP256SHA256)"
    base="$(cd "$KEYS" && ldns-keygen -a ECDSAP256SHA256 $([[ $kind == ksk ]] && echo -k) "$z")" ||
      die "ldns-keygen failed for $z"
    mv -f "$KEYS/$base.key" "$KEYS/$z.$kind.key"
    mv -f "$KEYS/$base.private" "$KEYS/$z.$kind.private"
    rm -f "$KEYS/$base.ds"
    chmod 600 "$KEYS/$z.$kind.private"
  done
}

# ds_of ZONE: the DS record of ZONE's KSK (SHA-256), "ZONE. IN DS tag 13 2 hex".
ds_of() {
  ldns-key2ds -n -2 "$KEYS/$1.ksk.key" | awk '{ printf "%s IN DS %s %s %s %s\n", $1, $5, $6, $7, $8 }'
}
# dnskey_of ZONE: the KSK's DNSKEY record, "ZONE. IN DNSKEY 257 3 13 base64".
dnskey_of() {
  sed 's/;.*//' "$KEYS/$1.ksk.key" | awk '$3 == "DNSKEY" || $4 == "DNSKEY" {
    for (i = 1; i <= NF; i++) if ($i == "DNSKEY") break
    k = ""; for (j = i + 4; j <= NF; j++) k = k $j
    printf "%s IN DNSKEY %s %s %s %s\n", $1, $(i + 1), $(i + 2), $(i + 3), k }'
}

# The records of sec.test and its child zones. Every MX host is the dane instance unless said.
zone_head() {  # zone_head ZONE
  cat <<EOF
; Generated by tests/lab/lab.sh: zone $1 of the lab (issue 15). Do not edit.
\$ORIGIN $1.
\$TTL $DNS_TTL
@ IN SOA ns1.$1. hostmaster.$1. 1 3600 600 86400 $DNS_TTL
@ IN NS ns1.$1.
ns1 IN A $SEC_DNS_ADDR
EOF
}

# The TLSA digests (set by make_dns): the dane leaf's SPKI (SHA-256, SHA-512), the intermediate's
# certificate (SHA-256), and some other key: the modern leaf's SPKI (SHA-256).
EE256="" EE512="" TA256="" WRONG256=""

sec_zone() {
  local ee256="$EE256" ee512="$EE512" ta="$TA256" wrong="$WRONG256" d
  zone_head "$SEC_ZONE"
  cat <<EOF

; DANE (RFC 7672): TLSA at _25._tcp.<MX host>
dane-ee IN MX 10 mx.dane-ee
mx.dane-ee IN A ${ADDR[dane]}
_25._tcp.mx.dane-ee IN TLSA 3 1 1 $ee256
_25._tcp.mx.dane-ee IN TLSA 3 1 2 $ee512
dane-ta IN MX 10 mx.dane-ta
mx.dane-ta IN A ${ADDR[dane]}
_25._tcp.mx.dane-ta IN TLSA 2 0 1 $ta
dane-mismatch IN MX 10 mx.dane-mismatch
mx.dane-mismatch IN A ${ADDR[dane]}
_25._tcp.mx.dane-mismatch IN TLSA 3 1 1 $wrong
dane-unusable IN MX 10 mx.dane-unusable
mx.dane-unusable IN A ${ADDR[dane]}
_25._tcp.mx.dane-unusable IN TLSA 1 1 1 $ee256
dane-nostarttls IN MX 10 mx.dane-nostarttls
mx.dane-nostarttls IN A ${ADDR[nostarttls]}
_25._tcp.mx.dane-nostarttls IN TLSA 3 1 1 $ee256
dane-cname IN MX 10 mx.dane-cname
mx.dane-cname IN CNAME mx.dane-ee

; bogus.sec.test: signed child zone (DS here), its TLSA RRSIG corrupted
bogus IN NS ns1.bogus
$(ds_of "bogus.$SEC_ZONE")
ns1.bogus IN A $SEC_DNS_ADDR
; unsigned.sec.test: unsigned child zone, no DS here (provably insecure)
unsigned IN NS ns1.unsigned
ns1.unsigned IN A $SEC_DNS_ADDR

; MTA-STS (RFC 8461) and TLS-RPT (RFC 8460)
EOF
  for d in "${STS_DOMAINS[@]}"; do
    case "$d" in
      sts-wild) echo "$d IN MX 10 mx.a.$d"; echo "mx.a.$d IN A ${ADDR[dane]}" ;;
      *) echo "$d IN MX 10 mx.$d"; echo "mx.$d IN A ${ADDR[dane]}" ;;
    esac
    case "$d" in
      sts-badcert) echo "mta-sts.$d IN A $MTASTS_BAD_ADDR" ;;
      *) echo "mta-sts.$d IN A $MTASTS_ADDR" ;;
    esac
    case "$d" in
      sts-twotxt)
        echo "_mta-sts.$d IN TXT \"v=STSv1; id=${STS_ID};\""
        echo "_mta-sts.$d IN TXT \"v=STSv1; id=20261202T02;\""
        echo "_mta-sts.$d IN TXT \"hello\""
        ;;
      sts-badid) echo "_mta-sts.$d IN TXT \"v=STSv1; id=bad_id!;\"" ;;
      *) echo "_mta-sts.$d IN TXT \"v=STSv1; id=${STS_ID};\"" ;;
    esac
    case "$d" in
      sts-good) echo "_smtp._tls.$d IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@$d.$SEC_ZONE,https://report.$d.$SEC_ZONE/tlsrpt\"" ;;
      sts-lf) echo "_smtp._tls.$d IN TXT \"v=TLSRPTv1; rua=ftp://wrong.example\"" ;;
      sts-notcovered)
        echo "_smtp._tls.$d IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@$d.$SEC_ZONE\""
        echo "_smtp._tls.$d IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt2@$d.$SEC_ZONE\""
        ;;
    esac
  done
}

# child_zone NAME: the delegated child zones bogus.sec.test and unsigned.sec.test hold the same
# records (what differs is how they are signed, or not).
child_zone() {
  zone_head "$1.$SEC_ZONE"
  cat <<EOF
@ IN MX 10 mx
mx IN A ${ADDR[dane]}
_25._tcp.mx IN TLSA 3 1 1 $EE256
EOF
}
bogus_zone() { child_zone bogus; }
unsigned_zone() { child_zone unsigned; }

# corrupt_rrsig FILE OWNER TYPE: change bytes inside the base64 signature of OWNER's RRSIG
# covering TYPE, so that it stays well-formed (same length, valid base64) but does not verify.
corrupt_rrsig() {
  python3 - "$@" <<'PY'
import sys
path, owner, rtype = sys.argv[1], sys.argv[2].lower(), sys.argv[3].upper()
lines, hit = open(path).read().split("\n"), 0
for n, line in enumerate(lines):
    f = line.split()
    # owner TTL IN RRSIG type alg labels ttl expiration inception tag signer signature
    if len(f) > 12 and f[0].lower() == owner and f[3] == "RRSIG" and f[4].upper() == rtype:
        sig = list("".join(f[12:]))
        for i in (10, 20, 30, 50):  # inside r and s (64 bytes, 88 base64 characters)
            sig[i] = "A" if sig[i] != "A" else "B"
        lines[n] = "\t".join(f[:12] + ["".join(sig)])
        hit += 1
if hit != 1:
    sys.exit("corrupt_rrsig: %d RRSIG %s records at %s" % (hit, rtype, owner))
open(path, "w").write("\n".join(lines))
PY
}

# sign_zone ZONE: $ZONES/ZONE.zone -> $ZONES/ZONE.zone.signed (NSEC, not NSEC3; RRSIG valid $SIG_DAYS
# days), unless the signed file is current: same source and keys (the stamp), and signatures
# valid for more than $RESIGN_DAYS days. Returns 0 when it signed.
sign_zone() {
  local z="$1" src="$ZONES/$1.zone" out="$ZONES/$1.zone.signed" stamp="$ZONES/$1.stamp" want expires now
  now="$(date +%s)"
  want="$({ echo "$SIGN_LAYOUT"; cat "$src" "$KEYS/$z.ksk.key" "$KEYS/$z.zsk.key"; } | sha256sum | cut -d' ' -f1)"
  if [[ -s "$out" && -s "$stamp" ]] && [[ "$(sed -n 's/^source=//p' "$stamp")" == "$want" ]]; then
    expires="$(sed -n 's/^expires=//p' "$stamp")"
    ((${expires:-0} > now + RESIGN_DAYS * 86400)) && return 1
  fi
  expires=$((now + SIG_DAYS * 86400))
  log "DNS: signing $z (RRSIG $(date -u -d "@$((now - 3600))" +%F) .. $(date -u -d "@$expires" +%F))"
  local err
  if ! err="$(ldns-signzone -u -i "$((now - 3600))" -e "$expires" -o "$z." -f "$out.tmp" "$src" \
      "$KEYS/$z.ksk" "$KEYS/$z.zsk" 2>&1)"; then
    printf '%s\n' "$err" >&2
    die "ldns-signzone failed for $z"
  fi
  # (Called in a condition, where set -e does not apply: every failure is checked by hand.)
  if [[ "$z" == "bogus.$SEC_ZONE" ]]; then
    corrupt_rrsig "$out.tmp" "_25._tcp.mx.bogus.$SEC_ZONE." TLSA || die "could not corrupt the TLSA RRSIG of bogus.$SEC_ZONE"
  fi
  chmod 644 "$out.tmp"
  mv -f "$out.tmp" "$out"
  printf 'source=%s\nexpires=%s\n' "$want" "$expires" >"$stamp"
  return 0
}

DNS_CHANGED=0  # make_dns rewrote a zone

# make_dns: keys (once), zones, signatures, trust anchors, the NSD and unbound configs.
make_dns() {
  mkdir -p "$DNS_DIR" "$ZONES"
  chmod 755 "$DNS_DIR" "$ZONES"
  local z
  for z in "${SIGNED_ZONES[@]}"; do dns_keys "$z"; done
  EE256="$(spki_digest "$PKI/dane.leaf.pem" sha256)"
  EE512="$(spki_digest "$PKI/dane.leaf.pem" sha512)"
  TA256="$(cert_digest "$PKI/intermediate.pem")"
  WRONG256="$(spki_digest "$PKI/modern.leaf.pem" sha256)"
  [[ ${#EE256} == 64 && ${#EE512} == 128 && ${#TA256} == 64 && ${#WRONG256} == 64 ]] ||
    die "could not compute the TLSA digests of the dane leaf and the intermediate"
  # Children first: the parent carries bogus.sec.test's DS.
  bogus_zone | write_if_changed "$ZONES/bogus.$SEC_ZONE.zone" || true
  unsigned_zone | write_if_changed "$ZONES/unsigned.$SEC_ZONE.zone" && DNS_CHANGED=1
  sec_zone | write_if_changed "$ZONES/$SEC_ZONE.zone" || true
  for z in "${SIGNED_ZONES[@]}"; do sign_zone "$z" && DNS_CHANGED=1; done
  # Trust anchors of sec.test: DS (zone-file syntax; unbound's trust-anchor-file), the KSK's
  # DNSKEY, and delv's trust-anchors clause (named.conf syntax, static-ds).
  ds_of "$SEC_ZONE" | write_if_changed "$DNS_DIR/$SEC_ZONE.ds" || true
  dnskey_of "$SEC_ZONE" | write_if_changed "$DNS_DIR/$SEC_ZONE.dnskey" || true
  awk '{ printf "trust-anchors {\n  %s static-ds %s %s %s \"%s\";\n};\n", $1, $4, $5, $6, $7 }' \
    "$DNS_DIR/$SEC_ZONE.ds" | write_if_changed "$DNS_DIR/$SEC_ZONE.anchor.conf" || true
  nsd_conf | write_if_changed "$DNS_DIR/nsd.conf" && DNS_CHANGED=1
  unbound_conf | write_if_changed "$DNS_DIR/unbound.conf" && DNS_CHANGED=1
  printf '; Root hints of the lab resolver: "." is a loopback address where nothing listens.\n. 3600000 NS nothing.invalid.\nnothing.invalid. 3600000 A 127.0.53.254\n' |
    write_if_changed "$DNS_DIR/root.hints" && DNS_CHANGED=1
  mkdir -p "$DNS_DIR/nsd" "$DNS_DIR/unbound"
  chown nsd:nsd "$DNS_DIR/nsd" 2>/dev/null || true
  chown unbound:unbound "$DNS_DIR/unbound" 2>/dev/null || true
  return 0
}

nsd_conf() {
  local z
  cat <<EOF
# Generated by tests/lab/lab.sh: authoritative for $SEC_ZONE and its child zones. Do not edit.
server:
  ip-address: $SEC_DNS_ADDR
  port: $DNS_PORT
  do-ip4: yes
  do-ip6: no
  server-count: 1
  reuseport: no
  username: nsd
  chroot: ""
  zonesdir: "$ZONES"
  database: ""
  zonelistfile: "$DNS_DIR/nsd/zone.list"
  xfrdfile: "$DNS_DIR/nsd/xfrd.state"
  xfrdir: "$DNS_DIR/nsd"
  pidfile: "$LAB_DIR/nsd.pid"
  logfile: "$LAB_DIR/nsd.log"
  hide-version: yes
  verbosity: 1
  zonefiles-check: yes
remote-control:
  control-enable: no
EOF
  for z in "${SIGNED_ZONES[@]}"; do printf 'zone:\n  name: %s\n  zonefile: %s.zone.signed\n' "$z" "$z"; done
  for z in "${UNSIGNED_ZONES[@]}"; do printf 'zone:\n  name: %s\n  zonefile: %s.zone\n' "$z" "$z"; done
}

unbound_conf() {
  local z
  cat <<EOF
# Generated by tests/lab/lab.sh: validating resolver for $SEC_ZONE only. Do not edit.
# Nothing leaves loopback: every query goes out from 127.0.0.1, names outside sec.test are
# refused, and the root hints point at a loopback address where nothing listens.
server:
  interface: $VAL_DNS_ADDR
  port: $DNS_PORT
  do-ip4: yes
  do-ip6: no
  do-udp: yes
  do-tcp: yes
  outgoing-interface: 127.0.0.1
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  module-config: "validator iterator"
  trust-anchor-file: "$DNS_DIR/$SEC_ZONE.ds"
  root-hints: "$DNS_DIR/root.hints"
  local-zone: "." refuse
  local-zone: "test." nodefault
  local-zone: "$SEC_ZONE." transparent
  ede: yes
  val-log-level: 2
  log-servfail: yes
  val-bogus-ttl: 5
  prefetch: no
  qname-minimisation: no
  trust-anchor-signaling: no
  root-key-sentinel: no
  log-time-ascii: yes
  username: "unbound"
  chroot: ""
  directory: "$DNS_DIR/unbound"
  pidfile: "$LAB_DIR/unbound.pid"
  logfile: "$(daemon_log unbound)"
  use-syslog: no
  do-daemonize: yes
  verbosity: 1
remote-control:
  control-enable: no
EOF
  for z in "$SEC_ZONE" "${SIGNED_ZONES[@]:1}" "${UNSIGNED_ZONES[@]}"; do
    printf 'stub-zone:\n  name: "%s."\n  stub-addr: %s\n' "$z" "$SEC_DNS_ADDR"
  done
}

# daemon_pid NAME: the pid of the lab's nsd or unbound (pid file, process name, and our config
# on its command line: other nsd/unbound processes on the machine are not ours), else fails.
daemon_pid() {
  local pid cmd
  [[ -r "$LAB_DIR/$1.pid" ]] || return 1
  pid="$(tr -dc '0-9' <"$LAB_DIR/$1.pid")"
  [[ -n "$pid" ]] && is_alive "$pid" || return 1
  # (nsd names its processes "nsd: xfrd", "nsd: main", "nsd: server 1"; the pid file has the
  # first, the parent of the others.)
  local comm
  comm="$(cat "/proc/$pid/comm" 2>/dev/null)"
  [[ "$comm" == "$1" || "$comm" == "$1:"* ]] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
  [[ "$cmd" == *"$DNS_DIR/$1.conf"* ]] || return 1
  echo "$pid"
}

# daemon_log NAME: its log file. unbound opens it after dropping to user unbound, so its log
# lives in its own directory.
daemon_log() {
  case "$1" in
    unbound) echo "$DNS_DIR/unbound/unbound.log" ;;
    *) echo "$LAB_DIR/$1.log" ;;
  esac
}

descendants_of() {  # every process below PID (children, grandchildren, ...)
  local p
  for p in $(children_of "$1"); do printf '%s ' "$p"; descendants_of "$p"; done
}

stop_daemon() {  # stop_daemon NAME: SIGTERM to the pid file's process; waits for its descendants
  local pid kids
  if pid="$(daemon_pid "$1")"; then
    kids="$(descendants_of "$pid")"
    kill -TERM "$pid" 2>/dev/null || true
    # shellcheck disable=SC2086
    if ! wait_gone 5 "$pid" $kids; then
      # shellcheck disable=SC2086
      kill -KILL "$pid" $kids 2>/dev/null || true
      # shellcheck disable=SC2086
      wait_gone 2 "$pid" $kids || true
    fi
    # shellcheck disable=SC2206
    STOPPED+=("$pid" $kids)
    log "$1 stopped (pid $pid)"
  fi
  rm -f "$LAB_DIR/$1.pid"
}

# start_daemon NAME: start nsd or unbound unless it runs with the current config and zones.
start_daemon() {
  local name="$1" conf="$DNS_DIR/$1.conf" out check
  if daemon_pid "$name" >/dev/null && ((DNS_CHANGED == 0)); then
    log "$name already running (pid $(daemon_pid "$name"))"
    return 0
  fi
  stop_daemon "$name"
  case "$name" in
    nsd) check=(nsd-checkconf "$conf") ;;
    unbound) check=(unbound-checkconf "$conf") ;;
  esac
  out="$("${check[@]}" 2>&1)" || { printf '%s\n' "$out" >&2; die "$name: ${check[0]} $conf failed"; }
  # Both daemonize and write their pid file; their own session, so they outlive this script.
  if ! out="$(setsid "$name" -c "$conf" 2>&1 </dev/null)"; then
    printf '%s\n' "$out" >&2
    [[ -s "$(daemon_log "$name")" ]] && { echo "---- tail of $(daemon_log "$name")" >&2; tail -n 10 "$(daemon_log "$name")" >&2; }
    die "$name failed to start"
  fi
  local deadline=$((SECONDS + 5))
  until daemon_pid "$name" >/dev/null; do
    if ((SECONDS >= deadline)); then
      [[ -s "$(daemon_log "$name")" ]] && { echo "---- tail of $(daemon_log "$name")" >&2; tail -n 10 "$(daemon_log "$name")" >&2; }
      die "$name did not write $LAB_DIR/$name.pid"
    fi
    sleep 0.05
  done
  log "$name started (pid $(daemon_pid "$name")) on $([[ $name == nsd ]] && echo "$SEC_DNS_ADDR" || echo "$VAL_DNS_ADDR"):$DNS_PORT"
}

# ---------------------------------------------------------------------------- MTA-STS policies

# mtasts_policy DOMAIN: the policy body (CRLF unless said), or nothing for the redirect.
mtasts_policy() {
  local d="$1" host="mx.$1.$SEC_ZONE" mode=enforce eol=$'\r\n'
  case "$d" in
    sts-lf) eol=$'\n' ;;
    sts-testing) mode=testing ;;
    sts-notcovered) host="mx.other.$SEC_ZONE" ;;
    sts-wild) host="*.$d.$SEC_ZONE" ;;
    sts-none) printf 'version: STSv1%smode: none%smax_age: 86400%s' "$eol" "$eol" "$eol"; return ;;
  esac
  printf 'version: STSv1%smode: %s%smx: %s%smax_age: 86400%s' "$eol" "$mode" "$eol" "$host" "$eol" "$eol"
}

# make_mtasts: $MTASTS_DIR/<domain>.txt (the body), .type (Content-Type, when not
# "text/plain; charset=utf-8") and .redirect (Location of a 301 instead of a body).
make_mtasts() {
  mkdir -p "$MTASTS_DIR"
  chmod 755 "$MTASTS_DIR"
  local d f
  for d in "${STS_DOMAINS[@]}"; do
    f="$MTASTS_DIR/$d.$SEC_ZONE"
    if [[ $d == sts-redirect ]]; then
      rm -f "$f.txt"
      echo "https://mta-sts.sts-good.$SEC_ZONE/.well-known/mta-sts.txt" | write_if_changed "$f.redirect" || true
      continue
    fi
    mtasts_policy "$d" | write_if_changed "$f.txt" || true
    if [[ $d == sts-lf ]]; then echo "text/plain" | write_if_changed "$f.type" || true; else rm -f "$f.type"; fi
  done
}

# ---------------------------------------------------------------------------- start / stop

cmd_start() {
  need_root start
  need_tools
  mkdir -p "$LAB_DIR" "$PF"
  chmod 755 "$LAB_DIR" "$PF"
  make_pki
  make_dns
  make_mtasts

  local i d changed=()
  for i in "${INSTANCES[@]}"; do
    d="$PF/$i/etc"
    mkdir -p "$d" "$PF/$i/queue"
    chmod 755 "$PF/$i" "$d" "$PF/$i/queue"
    local c=0
    main_cf "$i" | write_if_changed "$d/main.cf" && c=1
    master_cf "$i" | write_if_changed "$d/master.cf" && c=1
    # A running instance keeps serving its old certificate until its smtpd processes restart.
    [[ " ${REISSUED[*]} " == *" $i "* ]] && c=1
    ((c)) && changed+=("$i")
  done
  ensure_default_main_cf

  # Postfix stalls (and may give up) when main.cf/master.cf changed within the last second:
  # write everything first, then wait once.
  local newest=0 f m
  for f in "$DEFAULT_MAIN_CF" "$PF"/*/etc/main.cf "$PF"/*/etc/master.cf; do
    m="$(stat -c %Y "$f")"
    ((m > newest)) && newest=$m
  done
  while (($(date +%s) <= newest + 1)); do sleep 0.25; done

  local out failed=() starting=()
  for i in "${INSTANCES[@]}"; do
    d="$PF/$i/etc"
    if master_pid "$i" >/dev/null; then
      if [[ " ${changed[*]} " == *" $i "* ]]; then
        if out="$(postfix -c "$d" reload 2>&1)"; then
          log "postfix $i: reloaded (config or certificates changed)"
        else
          printf '%s\n' "$out" >&2
          maillog_tail "$i"
          failed+=("$i")
        fi
      else
        log "postfix $i: already running (pid $(master_pid "$i"))"
      fi
      continue
    fi
    # `postfix start` takes about half a second: start every instance at once.
    postfix -c "$d" start >"$PF/$i/start.out" 2>&1 &
    starting+=("$i:$!")
  done
  local s rc
  for s in "${starting[@]}"; do
    i="${s%%:*}"
    rc=0
    wait "${s#*:}" || rc=$?
    if ((rc == 0)); then
      log "postfix $i: started on ${ADDR[$i]}:25${IMPLICIT_PORT[$i]:+ and ${ADDR[$i]}:${IMPLICIT_PORT[$i]} (SMTPS)} (${HOST[$i]})"
    else
      log "postfix $i: 'postfix -c $PF/$i/etc start' failed (exit $rc):"
      cat "$PF/$i/start.out" >&2
      maillog_tail "$i"
      failed+=("$i")
    fi
  done
  ((${#failed[@]} == 0)) || die "Postfix instance(s) failed to start: ${failed[*]} (run '$0 stop' to clean up)"

  start_dnsmasq
  start_daemon nsd
  start_daemon unbound
  # A running HTTPS server keeps the certificate it loaded: restart it when it was reissued.
  local srv
  for srv in "${SERVER_LEAVES[@]}"; do
    [[ " ${REISSUED[*]} " == *" $srv "* ]] && stop_server "$srv"
  done
  start_servers "${SERVERS[@]}"

  local targets=()
  for i in "${INSTANCES[@]}"; do
    if [[ "${ADDR[$i]}" == *:* ]]; then targets+=("smtp:[${ADDR[$i]}]:25"); else targets+=("smtp:${ADDR[$i]}:25"); fi
    [[ -n "${IMPLICIT_PORT[$i]:-}" ]] && targets+=("smtps:${ADDR[$i]}:${IMPLICIT_PORT[$i]}")
  done
  targets+=("dns:$DNS_ADDR:$DNS_PORT:two.$ZONE:2")
  # NSD answers, and unbound resolves and validates through it (a bogus answer is a SERVFAIL).
  targets+=("dns:$SEC_DNS_ADDR:$DNS_PORT:dane-ee.$SEC_ZONE:1" "dns:$VAL_DNS_ADDR:$DNS_PORT:dane-ee.$SEC_ZONE:1")
  targets+=("http:$PKI_ADDR:$HTTP_PORT:/intermediate.crl" "ocsp:$OCSP_ADDR:$HTTP_PORT:$PKI/ocsp-probe.req")
  if ! out="$(python3 "$LABCHECK" wait "$READY_TIMEOUT" "${targets[@]}")"; then
    printf '%s\n' "$out" >&2
    for i in "${INSTANCES[@]}"; do
      local a="${ADDR[$i]}"
      [[ "$a" == *:* ]] && a="[$a]"
      if [[ "$out" == *"smtp:$a:25 "* || "$out" == *"smtps:$a:"* ]]; then
        master_pid "$i" >/dev/null || echo "postfix $i: master is not running" >&2
        maillog_tail "$i"
      fi
    done
    if [[ "$out" == *"dns:"* && -s "$LAB_DIR/dnsmasq.log" ]]; then
      echo "---- tail of $LAB_DIR/dnsmasq.log" >&2
      tail -n 10 "$LAB_DIR/dnsmasq.log" >&2
    fi
    [[ "$out" == *"http:"* ]] && { echo "---- tail of $LAB_DIR/pki-http.log" >&2; tail -n 10 "$LAB_DIR/pki-http.log" >&2; }
    [[ "$out" == *"ocsp:"* ]] && { echo "---- tail of $LAB_DIR/ocsp.log" >&2; tail -n 10 "$LAB_DIR/ocsp.log" >&2; }
    local dl
    for dl in nsd unbound; do
      [[ "$out" == *"dns:127.0.53."* && -s "$(daemon_log "$dl")" ]] && { echo "---- tail of $(daemon_log "$dl")" >&2; tail -n 10 "$(daemon_log "$dl")" >&2; }
    done
    die "lab not ready within ${READY_TIMEOUT}s"
  fi
  log "ready: ${#INSTANCES[@]} Postfix instances answer 220 (SMTPS after TLS), dnsmasq answers on $DNS_ADDR:$DNS_PORT," \
    "$PKI_HOST serves the CRL, $OCSP_HOST answers OCSP, nsd ($SEC_DNS_ADDR) and unbound ($VAL_DNS_ADDR) answer for $SEC_ZONE," \
    "MTA-STS policies on $MTASTS_ADDR:$HTTPS_PORT and $MTASTS_BAD_ADDR:$HTTPS_PORT"
}

STOPPED=()  # pids cmd_stop ended

cmd_stop() {
  need_root stop
  # Same signal as `postfix -c DIR stop` (SIGTERM to the master from its pid file), but sent
  # to every instance at once and independent of /etc/postfix/main.cf: `postfix stop` polls
  # once a second per instance and refuses to run for an unlisted config directory.
  local i pid masters=() everyone=() names=()
  for i in "${INSTANCES[@]}"; do
    pid="$(master_pid "$i")" || continue
    # shellcheck disable=SC2207
    everyone+=("$pid" $(children_of "$pid"))
    masters+=("$pid")
    names+=("$i:$pid")
    kill -TERM "$pid" 2>/dev/null || true
  done
  stop_dnsmasq
  stop_daemon unbound
  stop_daemon nsd
  local srv
  for srv in "${SERVERS[@]}"; do stop_server "$srv"; done
  if ((${#masters[@]})); then
    if ! wait_gone 10 "${masters[@]}"; then
      log "some Postfix masters ignored SIGTERM, killing them"
      kill -KILL "${masters[@]}" 2>/dev/null || true
    fi
    # The master takes its children down with it; make sure of it.
    if ! wait_gone 5 "${everyone[@]}"; then
      for pid in "${everyone[@]}"; do
        if [[ -d "/proc/$pid" ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
      done
      wait_gone 2 "${everyone[@]}" || log "warning: some processes outlived SIGKILL: ${everyone[*]}"
    fi
    log "postfix stopped: ${names[*]}"
    STOPPED+=("${masters[@]}")
  fi
  # The daemons are children of PID 1; wait (briefly, all at once) until it has reaped them as
  # well, so that not even a <defunct> entry is left.
  local deadline=$((SECONDS + 5)) left=()
  while :; do
    left=()
    for pid in "${STOPPED[@]}"; do [[ -d "/proc/$pid" ]] && left+=("$pid"); done
    ((${#left[@]} == 0 || SECONDS >= deadline)) && break
    sleep 0.1
  done
  ((${#left[@]} == 0)) || log "note: exited but not yet reaped by PID 1: ${left[*]}"
}

cmd_status() {
  local i pid kids all=0 n=0 where
  for i in "${INSTANCES[@]}"; do
    n=$((n + 1))
    where="${ADDR[$i]}:25"
    [[ "${ADDR[$i]}" == *:* ]] && where="[${ADDR[$i]}]:25"
    [[ -n "${IMPLICIT_PORT[$i]:-}" ]] && where+="+${IMPLICIT_PORT[$i]}"
    if pid="$(master_pid "$i")"; then
      kids="$(children_of "$pid" | wc -w)"
      printf '%-11s %-17s %-24s running  master pid %s, %s children\n' "$i" "$where" "${HOST[$i]}" "$pid" "$kids"
      all=$((all + 1))
    else
      printf '%-11s %-17s %-24s stopped\n' "$i" "$where" "${HOST[$i]}"
    fi
  done
  n=$((n + 1))
  if pid="$(dnsmasq_pid)"; then
    printf '%-11s %-17s %-24s running  pid %s\n' dnsmasq "$DNS_ADDR:$DNS_PORT" "$ZONE" "$pid"
    all=$((all + 1))
  else
    printf '%-11s %-17s %-24s stopped\n' dnsmasq "$DNS_ADDR:$DNS_PORT" "$ZONE"
  fi
  local dd
  for dd in nsd:$SEC_DNS_ADDR unbound:$VAL_DNS_ADDR; do
    n=$((n + 1))
    if pid="$(daemon_pid "${dd%%:*}")"; then
      printf '%-11s %-17s %-24s running  pid %s\n' "${dd%%:*}" "${dd#*:}:$DNS_PORT" "$SEC_ZONE" "$pid"
      all=$((all + 1))
    else
      printf '%-11s %-17s %-24s stopped\n' "${dd%%:*}" "${dd#*:}:$DNS_PORT" "$SEC_ZONE"
    fi
  done
  local srv w
  for srv in "${SERVERS[@]}"; do
    n=$((n + 1))
    read -r -a w <<<"$(server_where "$srv")"
    if pid="$(server_pid "$srv")"; then
      printf '%-11s %-17s %-24s running  pid %s\n' "$srv" "${w[0]}" "${w[1]}" "$pid"
      all=$((all + 1))
    else
      printf '%-11s %-17s %-24s stopped\n' "$srv" "${w[0]}" "${w[1]}"
    fi
  done
  echo "lab dir: $LAB_DIR ($all of $n running)"
  ((all == n)) || return 3
}

# ---------------------------------------------------------------------------- env

cmd_env() {
  local c u host ip
  emit() { printf "%s='%s'\n" "$1" "${2//\'/\'\\\'\'}"; }
  emit LAB_DIR "$LAB_DIR"
  emit LAB_DNS "$DNS_ADDR:$DNS_PORT"
  emit LAB_TRUST "$PKI/root.pem"
  emit LAB_PORT 25
  emit LAB_CONFIGS "${CONFIGS[*]}"
  for c in "${CONFIGS[@]}"; do
    u="${c^^}"
    case "$c" in
      two) host="${HOST[modern]}" ip="${ADDR[modern]}" ;;
      nullmx) host="" ip="" ;;
      implicit) host="implicit.$ZONE" ip="${ADDR[modern]}" ;;
      *) host="${HOST[$c]}" ip="${ADDR[$c]}" ;;
    esac
    emit "LAB_${u}_DOMAIN" "$c.$ZONE"
    emit "LAB_${u}_HOST" "$host"
    emit "LAB_${u}_IP" "$ip"
    # The instance's leaf certificate (PEM), for openssl oracles.
    [[ -n "${HOST[$c]:-}" ]] && emit "LAB_${u}_LEAF" "$PKI/$c.leaf.pem"
    if [[ "$c" == two ]]; then
      emit LAB_TWO_HOST2 "${HOST[modern2]}"
      emit LAB_TWO_IP2 "${ADDR[modern2]}"
    fi
    # The SMTPS (implicit TLS) port, beside STARTTLS on LAB_PORT.
    [[ -n "${IMPLICIT_PORT[$c]:-}" ]] && emit "LAB_${u}_PORT" "${IMPLICIT_PORT[$c]}"
  done
  # Revocation: what the leaves point at (all names resolve through LAB_DNS only).
  emit LAB_INTERMEDIATE "$PKI/intermediate.pem"
  emit LAB_OCSP_SIGNER "$PKI/ocsp.pem"
  emit LAB_CRL_URL "$CRL_URL"
  emit LAB_ROOT_CRL_URL "$ROOT_CRL_URL"
  emit LAB_CA_ISSUERS_URL "$CA_ISSUERS_URL"
  emit LAB_OCSP_URL "$OCSP_URL"
  emit LAB_DEAD_URL "$DEAD_CRL_URL"
  emit LAB_DEAD_OCSP_URL "$DEAD_OCSP_URL"
  emit LAB_MISSING_URL "$MISSING_URL"
  emit LAB_PKI_HOST "$PKI_HOST"
  emit LAB_PKI_IP "$PKI_ADDR"
  emit LAB_OCSP_HOST "$OCSP_HOST"
  emit LAB_OCSP_IP "$OCSP_ADDR"
  emit LAB_DEAD_HOST "$DEAD_HOST"
  emit LAB_DEAD_IP "$DEAD_ADDR"
  # Mutual TLS (the mtls instance): the client CA it trusts, a client it accepts, one it refuses.
  emit LAB_CLIENT_CA "$PKI/client-ca.pem"
  emit LAB_CLIENT_CA_SUBJECT "$(subject_rfc2253 "$PKI/client-ca.pem")"
  emit LAB_CLIENT_CERT "$PKI/client.pem"
  emit LAB_CLIENT_KEY "$PKI/client.key"
  emit LAB_CLIENT_SUBJECT "$(subject_rfc2253 "$PKI/client.pem")"
  emit LAB_CLIENT_WRONG_CERT "$PKI/client-wrong.pem"
  emit LAB_CLIENT_WRONG_KEY "$PKI/client-wrong.key"
  emit LAB_CLIENT_WRONG_SUBJECT "$(subject_rfc2253 "$PKI/client-wrong.pem")"
  # Issue 15: DANE with DNSSEC, MTA-STS, TLS-RPT (zone sec.test; see the README's tables).
  emit LAB_SEC_ZONE "$SEC_ZONE"
  emit LAB_SEC_DNS "$SEC_DNS_ADDR:$DNS_PORT"
  emit LAB_VALIDATING_DNS "$VAL_DNS_ADDR:$DNS_PORT"
  emit LAB_DNSSEC_ANCHOR "$DNS_DIR/$SEC_ZONE.ds"
  emit LAB_DNSSEC_ANCHOR_DNSKEY "$DNS_DIR/$SEC_ZONE.dnskey"
  emit LAB_DNSSEC_ANCHOR_CONF "$DNS_DIR/$SEC_ZONE.anchor.conf"
  emit LAB_DANE_IP "${ADDR[dane]}"
  emit LAB_DANE_HOST "${HOST[dane]}"
  emit LAB_DANE_LEAF "$PKI/dane.leaf.pem"
  emit LAB_MTASTS_IP "$MTASTS_ADDR"
  emit LAB_MTASTS_BAD_IP "$MTASTS_BAD_ADDR"
  emit LAB_MTASTS_LEAF "$PKI/mtasts.leaf.pem"
}

subject_rfc2253() {  # subject_rfc2253 CERT: e.g. CN=tlscheck Lab Client CA,O=tlscheck Lab
  local s
  s="$(openssl x509 -in "$1" -noout -subject -nameopt RFC2253 2>/dev/null)" || return 0
  printf '%s' "${s#subject=}"
}

# ---------------------------------------------------------------------------- check

CHECK_FAILS=0

# tls NAME ADDR HOST EXPECT [s_client options...]; EXPECT is "ok" or "fail". STARTTLS on port
# 25, or TLS at once on port $IMPLICIT when that is set (IMPLICIT=465 tls ...).
tls() {
  local name="$1" addr="$2" host="$3" expect="$4" out proto cipher verify temp rc=0 connect
  local port="${IMPLICIT:-25}" starttls=(-starttls smtp)
  [[ -n "${IMPLICIT:-}" ]] && starttls=()
  shift 4
  connect="$addr:$port"
  [[ "$addr" == *:* ]] && connect="[$addr]:$port"
  out="$(timeout 15 openssl s_client -brief "${starttls[@]}" -connect "$connect" -servername "$host" \
    -CAfile "$PKI/root.pem" -verify_hostname "$host" "$@" </dev/null 2>&1)" || rc=$?
  proto="$(sed -n 's/^Protocol version: //p' <<<"$out" | head -n1)"
  cipher="$(sed -n 's/^Ciphersuite: //p' <<<"$out" | head -n1)"
  verify="$(sed -n 's/^Verification: //p' <<<"$out" | head -n1)"
  temp="$(sed -n 's/^Server Temp Key: //p' <<<"$out" | head -n1)"
  local got=fail
  [[ $rc -eq 0 && -n "$proto" ]] && got=ok
  local verdict=PASS
  [[ "$got" == "$expect" ]] || { verdict=FAIL; CHECK_FAILS=$((CHECK_FAILS + 1)); }
  if [[ "$got" == ok ]]; then
    printf '%s %-10s %-22s %-40s -> %s %s, temp key %s, verify %s\n' "$verdict" "$name" "$connect" "${*:-(defaults)}" \
      "$proto" "$cipher" "${temp:-none}" "${verify:-?}"
  else
    local why
    why="$(grep -m1 -E 'alert|error|Didn|no protocols|no cipher' <<<"$out" | sed -E 's/^[0-9A-F]+:error:[0-9A-F]+://' | cut -c1-90)"
    printf '%s %-10s %-22s %-40s -> handshake failed (%s)\n' "$verdict" "$name" "$connect" "${*:-(defaults)}" "${why:-rc $rc}"
  fi
}

# dnsq NAME TYPE EXPECTED-SUBSTRING...
dnsq() {
  local out want verdict=PASS
  out="$(python3 "$LABCHECK" dns "$DNS_ADDR" "$DNS_PORT" "$1" "$2" 2>&1)" || true
  shift 2
  for want in "$@"; do [[ "$out" == *"$want"* ]] || verdict=FAIL; done
  [[ $verdict == PASS ]] || CHECK_FAILS=$((CHECK_FAILS + 1))
  printf '%s dns %s\n' "$verdict" "$(tr '\n' ' ' <<<"$out" | tr -s ' ')"
}

# smtpq ADDR EXPECTED-SUBSTRING... / NOT-EXPECTED prefixed with '!'
smtpq() {
  local addr="$1" out want verdict=PASS
  shift
  out="$(python3 "$LABCHECK" smtp "$addr" 25 2>&1)" || true
  for want in "$@"; do
    if [[ "$want" == '!'* ]]; then [[ "$out" != *"${want#!}"* ]] || verdict=FAIL
    else [[ "$out" == *"$want"* ]] || verdict=FAIL; fi
  done
  [[ $verdict == PASS ]] || CHECK_FAILS=$((CHECK_FAILS + 1))
  printf '%s smtp %-12s %s\n' "$verdict" "$addr" "$(grep -E '^S: (220 |250[- ]STARTTLS|[2-5][0-9][0-9] .*MAIL|5[0-9][0-9]|250 2\.1\.0)' <<<"$out" | tr '\n' '|' | cut -c1-150)"
}

result() {  # result OK(0/1) TEXT...: one PASS/FAIL line
  local ok="$1"
  shift
  if ((ok)); then printf 'PASS %s\n' "$*"; else printf 'FAIL %s\n' "$*"; CHECK_FAILS=$((CHECK_FAILS + 1)); fi
}

serial_of() { local s; s="$(openssl x509 -in "$1" -noout -serial)"; printf '%s' "${s#serial=}"; }

# crlq NAME ISSUER [+SERIAL:REASON | -SERIAL]...: GET http://PKI_ADDR/NAME, verify its
# signature with ISSUER, check it is current, and which serials it lists (with what reason).
crlq() {
  local name="$1" issuer="$2" f="$CHECK_TMP/$1" out text ok=1 e serial reason got=() next
  shift 2
  out="$(python3 "$LABCHECK" fetch "http://$PKI_ADDR:$HTTP_PORT/$name" "$f" 2>&1)" || ok=0
  [[ "$out" == "status 200 type application/pkix-crl "* ]] || ok=0
  if ((ok)); then
    openssl crl -inform DER -in "$f" -CAfile "$issuer" -verify -noout 2>&1 | grep -q '^verify OK' || { ok=0; got+=("signature NOT verified"); }
    ((ok)) && got+=("signature OK ($(basename "$issuer"))")
    next="$(openssl crl -inform DER -in "$f" -noout -nextupdate)"
    next="${next#nextUpdate=}"
    (($(date -d "$next" +%s) > $(date +%s))) || { ok=0; got+=("stale"); }
    got+=("next update $next")
    text="$(openssl crl -inform DER -in "$f" -noout -text)"
    for e in "$@"; do
      serial="${e:1}"
      serial="${serial%%:*}"
      if [[ "$e" == +* ]]; then
        reason="${e#*:}"
        if grep -A5 "Serial Number: $serial" <<<"$text" | grep -q "$reason"; then
          got+=("lists ${serial:0:8}.. ($reason)")
        else
          ok=0
          got+=("does NOT list ${serial:0:8}.. as $reason")
        fi
      elif grep -q "Serial Number: $serial" <<<"$text"; then
        ok=0
        got+=("wrongly lists ${serial:0:8}..")
      fi
    done
    [[ $# -eq 0 ]] && grep -q 'No Revoked Certificates' <<<"$text" && got+=("no revoked certificates")
  fi
  local joined
  joined="$(printf '%s; ' "${got[@]}")"
  result "$ok" "crl  $(printf '%-17s' "$name") $out; ${joined%; }"
}

# servedq INSTANCE[:PORT] [WANT...] [-- s_client options]: the leaf Postfix sends is the current
# $PKI/INSTANCE.leaf.pem (same serial as in the CA database), not one it loaded before the PKI
# was reissued. STARTTLS on port 25, or TLS at once on PORT. Each WANT must be a substring of
# the served leaf's summary ("RSA 1024 bit", "sha1WithRSAEncryption").
servedq() {
  local i="${1%%:*}" port=25 starttls=(-starttls smtp) got want text summary ok=1 w
  [[ "$1" == *:* ]] && { port="${1#*:}"; starttls=(); }
  shift
  local wants=()
  while (($#)) && [[ "$1" != -- ]]; do wants+=("$1"); shift; done
  (($#)) && shift
  text="$(timeout 15 openssl s_client "${starttls[@]}" -connect "${ADDR[$i]}:$port" -servername "${HOST[$i]}" "$@" \
    </dev/null 2>/dev/null | openssl x509 -noout -serial -text 2>/dev/null)" || true
  got="$(grep -m1 '^serial=' <<<"$text")" || true
  want="$(openssl x509 -in "$PKI/$i.leaf.pem" -noout -serial)"
  [[ -n "$got" && "$got" == "$want" ]] || ok=0
  local bits sig
  bits="$(sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p' <<<"$text" | head -n1)"
  sig="$(sed -n 's/^ *Signature Algorithm: //p' <<<"$text" | head -n1)"
  summary="RSA ${bits:-?} bit, ${sig:-?}"
  for w in "${wants[@]}"; do [[ "$summary" == *"$w"* ]] || ok=0; done
  local label="$i"
  [[ $port == 25 ]] || label+=":$port"
  result "$ok" "leaf $(printf '%-17s' "$label") served ${got:-nothing} ($summary), $i.leaf.pem has ${want}"
}

# smtpsq INSTANCE: the SMTPS listener says nothing in plaintext, and after TLS (no STARTTLS) it
# sends its 220 banner and answers QUIT.
smtpsq() {
  local i="$1" port="${IMPLICIT_PORT[$1]}" out plain ok=1
  plain="$(python3 "$LABCHECK" banner "${ADDR[$i]}" "$port" 2 2>&1)" || true
  [[ "$plain" == "silent"* ]] || ok=0
  out="$(printf 'QUIT\n' | timeout 15 openssl s_client -connect "${ADDR[$i]}:$port" -servername "${HOST[$i]}" \
    -CAfile "$PKI/root.pem" -verify_hostname "${HOST[$i]}" -crlf -ign_eof 2>&1)" || true
  [[ "$out" == *"220 ${HOST[$i]} ESMTP"* && "$out" == *"221 2.0.0"* ]] || ok=0
  result "$ok" "smtps $(printf '%-16s' "${ADDR[$i]}:$port") plaintext: $plain; after TLS: $(grep -m1 -oE '^220 .*' <<<"$out" | tr -d '\r' || echo 'no 220')," \
    "QUIT: $(grep -m1 -oE '^221 .*' <<<"$out" | tr -d '\r' || echo 'no 221')"
}

# ocspq LABEL LEAF EXPECT [REASON]: openssl ocsp (POST, with a nonce) against the responder by
# address; the response must verify (delegated signer -> intermediate -> root) and be signed
# by the lab's OCSP signer.
ocspq() {
  local label="$1" leaf="$2" expect="$3" reason="${4:-}" out err ok=1 signer status
  out="$(timeout 15 openssl ocsp -issuer "$PKI/intermediate.pem" -cert "$leaf" -url "http://$OCSP_ADDR:$HTTP_PORT/" \
    -CAfile "$PKI/root.pem" -resp_text 2>"$CHECK_TMP/ocsp.err")" || ok=0
  err="$(cat "$CHECK_TMP/ocsp.err")"
  [[ "$err" == *"Response verify OK"* ]] || ok=0
  status="$(sed -n "s|^$leaf: ||p" <<<"$out" | head -n1)"
  [[ "$status" == "$expect" ]] || ok=0
  [[ -z "$reason" || "$out" == *"Reason: $reason"* ]] || ok=0
  signer="$(sed -n 's/^ *Responder Id: //p' <<<"$out" | head -n1)"
  [[ "$signer" == *"CN = tlscheck Lab OCSP Responder"* ]] || ok=0
  result "$ok" "ocsp $(printf '%-17s' "$label") -> ${status:-?}${reason:+ ($(sed -n 's/^[[:space:]]*Reason: //p' <<<"$out" | head -n1))}," \
    "$(grep -m1 -iE 'verify' <<<"$err"), signer ${signer:-?}"
}

# mtlsq LABEL EXPECT [s_client options...]: STARTTLS with the mtls instance, then EHLO and QUIT.
# EXPECT is a substring of what the server answers after the handshake.
mtlsq() {
  local label="$1" expect="$2" out ok=1 ca proto want_ca
  shift 2
  out="$(printf 'EHLO probe.lab.test\nQUIT\n' | timeout 15 openssl s_client -starttls smtp \
    -connect "${ADDR[mtls]}:25" -servername "${HOST[mtls]}" -CAfile "$PKI/root.pem" \
    -verify_hostname "${HOST[mtls]}" -crlf -ign_eof "$@" 2>&1)" || true
  want_ca="$(openssl x509 -in "$PKI/client-ca.pem" -noout -subject)"
  want_ca="${want_ca#subject=}"
  ca="$(awk '/^Acceptable client certificate CA names/ { getline; print; exit }' <<<"$out")"
  proto="$(sed -n 's/^New, \(TLSv[0-9.]*\), Cipher is .*/\1/p' <<<"$out" | head -n1)"
  [[ "$ca" == "$want_ca" ]] || ok=0
  [[ -n "$proto" ]] || ok=0
  [[ "$out" == *"$expect"* ]] || ok=0
  [[ "$expect" == 421* || "$out" != *"421 4.7.1"* ]] || ok=0
  result "$ok" "mtls $(printf '%-17s' "$label") -> handshake ${proto:-FAILED}, CA names [${ca:-none}]," \
    "then: $(grep -m1 -oE '(421|221|5[0-9][0-9]) [0-9]\.[0-9]\.[0-9] .*' <<<"$out" | tr -d '\r' || echo '?')"
}

# ---- issue 15 oracles: delv, dig through unbound, openssl s_client -dane_tlsa_*, curl

# delvq NAME TYPE EXPECT: delv against NSD with sec.test's DS as the only trust anchor. EXPECT
# is delv's verdict line: "fully validated", "unsigned answer" or "resolution failed".
delvq() {
  local name="$1" type="$2" expect="$3" out verdict n why ok=1
  out="$(timeout 20 delv @"$SEC_DNS_ADDR" -a "$DNS_DIR/$SEC_ZONE.anchor.conf" +root="$SEC_ZONE" "$name" "$type" 2>&1)" || true
  verdict="$(grep -m1 -oE '^; (fully validated|unsigned answer|negative response, fully validated|[a-z ]+)$' <<<"$out" | sed 's/^; //')" || true
  why="$(grep -m1 -oE 'resolution failed: .*' <<<"$out")" || true
  [[ -n "$why" ]] && verdict="${verdict:-$why}"
  n="$(awk -v t="$type" '$0 !~ /^;/ && $4 == t' <<<"$out" | wc -l)"
  [[ "$verdict" == "$expect"* ]] || ok=0
  [[ "$expect" == "resolution failed"* || $n -gt 0 ]] || ok=0
  result "$ok" "delv $(printf '%-34s %-5s' "$name" "$type") -> ${verdict:-?}$([[ $n -gt 0 ]] && echo ", $n $type")"
}

# digq NAME TYPE EXPECT [dig options]: one query to unbound. EXPECT is a list of words that must
# all hold: a status (NOERROR, SERVFAIL, NXDOMAIN), "ad" or "noad", "ede=N", "answers=N".
digq() {
  local name="$1" type="$2" expect="$3" out status flags ede n ok=1 w
  shift 3
  out="$(timeout 20 dig @"$VAL_DNS_ADDR" -p "$DNS_PORT" +dnssec +nocookie +tries=1 +time=5 "$@" "$name" "$type" 2>&1)" || true
  status="$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out" | head -n1)"
  flags="$(sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<<"$out" | head -n1)"
  ede="$(sed -n 's/^; EDE: //p' <<<"$out" | head -n1)"
  n="$(awk -v t="$type" '$0 !~ /^;/ && $4 == t' <<<"$out" | wc -l)"
  for w in $expect; do
    case "$w" in
      ad) [[ " $flags " == *" ad "* ]] || ok=0 ;;
      noad) [[ " $flags " != *" ad "* ]] || ok=0 ;;
      ede=*) [[ "$ede" == "${w#ede=} "* ]] || ok=0 ;;
      answers=*) [[ "$n" == "${w#answers=}" ]] || ok=0 ;;
      *) [[ "$status" == "$w" ]] || ok=0 ;;
    esac
  done
  result "$ok" "dig  $(printf '%-34s %-5s %-4s' "$name" "$type" "${*:-}") -> ${status:-no answer}, flags [${flags:-?}], $n $type${ede:+, EDE $ede}"
}

# tlsa_of NAME [dig options]: the TLSA records at _25._tcp.NAME through unbound, one rrdata a
# line ("3 1 1 HEX"), digests joined.
tlsa_of() {
  local name="$1"
  shift
  timeout 20 dig @"$VAL_DNS_ADDR" -p "$DNS_PORT" +short +nocookie "$@" "_25._tcp.$name" TLSA 2>/dev/null |
    awk 'NF >= 4 && $1 ~ /^[0-9]+$/ { d = ""; for (i = 4; i <= NF; i++) d = d $i; print $1, $2, $3, tolower(d) }'
}

# daneq LABEL NAME EXPECT FILTER [dig options]: openssl s_client -starttls smtp to the address of
# NAME (through unbound) with DANE: the TLSA records at _25._tcp.NAME (those starting with
# FILTER, e.g. "3 1 2", or all with "") as -dane_tlsa_rrdata. EXPECT: "match" (DANE TLSA
# matched, verified peername), "nomatch" (no matching DANE TLSA records) or "nostarttls".
daneq() {
  local label="$1" name="$2" expect="$3" filter="$4" out ip rr=() line got ok=1 m
  shift 4
  ip="$(timeout 20 dig @"$VAL_DNS_ADDR" -p "$DNS_PORT" +short +nocookie "$@" "$name" A 2>/dev/null | grep -E '^[0-9.]+$' | tail -n1)" || true
  while read -r line; do
    [[ -n "$line" && "$line" == "$filter"* ]] && rr+=(-dane_tlsa_rrdata "$line")
  done < <(tlsa_of "$name" "$@")
  if [[ -z "$ip" || ${#rr[@]} -eq 0 ]]; then
    result 0 "dane $(printf '%-16s' "$label") $name: no address ($ip) or no TLSA records${filter:+ $filter}"
    return
  fi
  out="$(timeout 15 openssl s_client -starttls smtp -connect "$ip:25" -servername "$name" \
    -dane_tlsa_domain "$name" "${rr[@]}" </dev/null 2>&1)" || true
  m="$(grep -m1 -oE 'DANE TLSA [0-9] [0-9] [0-9] \.\.\.[0-9a-f]{8}[0-9a-f]* matched (EE|TA) certificate at depth [0-9]' <<<"$out")" || true
  case "$expect" in
    match)
      [[ -n "$m" && "$out" == *"Verified peername: $name"* && "$out" == *"Verify return code: 0 (ok)"* ]] || ok=0
      got="$m, $(grep -m1 -oE 'Verified peername: .*' <<<"$out" || echo 'no verified peername')"
      ;;
    nomatch)
      [[ -z "$m" && "$out" == *"Verify return code: 65 (no matching DANE TLSA records)"* ]] || ok=0
      got="$(grep -m1 -oE 'Verification error: .*' <<<"$out" || echo 'no verification error')"
      ;;
    nostarttls)
      [[ "$out" == *"Didn't find STARTTLS in server response"* ]] || ok=0
      got="$(grep -m1 -oE "Didn't find STARTTLS.*" <<<"$out" || echo 'STARTTLS offered?')"
      ;;
  esac
  result "$ok" "dane $(printf '%-16s' "$label") $ip:25 $name, $((${#rr[@]} / 2)) TLSA${filter:+ ($filter)} -> $got"
}

# curlq DOMAIN ADDR EXPECT: curl the MTA-STS policy of DOMAIN from ADDR (--resolve, no
# redirects, the lab root only). EXPECT: "200 TYPE crlf|lf", "301 LOCATION" or "error N".
curlq() {
  local d="$1" addr="$2" expect="$3" host="mta-sts.$1.$SEC_ZONE" out rc=0 body="$CHECK_TMP/policy" eol got ok=1
  out="$(curl -sS --noproxy '*' --max-redirs 0 --max-time 10 --cacert "$PKI/root.pem" \
    --resolve "$host:$HTTPS_PORT:$addr" -o "$body" -w '%{http_code}|%{content_type}|%{redirect_url}' \
    "https://$host/.well-known/mta-sts.txt" 2>"$CHECK_TMP/curl.err")" || rc=$?
  if ((rc)); then
    got="error $rc: $(head -n1 "$CHECK_TMP/curl.err" | sed 's/^curl: ([0-9]*) //')"
  else
    IFS='|' read -r code ctype loc <<<"$out"
    case "$code" in
      200)
        eol=lf
        grep -q $'\r$' "$body" && eol=crlf
        got="200 $ctype $eol, $(grep -c '' "$body") lines: $(tr -d '\r' <"$body" | grep -E '^(mode|mx):' | tr '\n' ' ' | sed 's/ $//')"
        ;;
      *) got="$code ${loc:-$ctype}" ;;
    esac
  fi
  [[ "$got" == "$expect"* ]] || ok=0
  result "$ok" "curl $(printf '%-30s %-15s' "$host" "$addr:$HTTPS_PORT") -> $got"
}

check_sec() {
  echo "== DNSSEC: delv @$SEC_DNS_ADDR (NSD), trust anchor $DNS_DIR/$SEC_ZONE.anchor.conf (DS of $SEC_ZONE) only"
  delvq "mx.dane-ee.$SEC_ZONE" A "fully validated"
  delvq "_25._tcp.mx.dane-ee.$SEC_ZONE" TLSA "fully validated"
  delvq "mx.dane-cname.$SEC_ZONE" A "fully validated"
  delvq "mx.bogus.$SEC_ZONE" A "fully validated"
  delvq "_25._tcp.mx.bogus.$SEC_ZONE" TLSA "resolution failed: RRSIG failed to verify"
  delvq "mx.unsigned.$SEC_ZONE" A "unsigned answer"
  delvq "_25._tcp.mx.unsigned.$SEC_ZONE" TLSA "unsigned answer"
  delvq "_mta-sts.sts-good.$SEC_ZONE" TXT "fully validated"

  echo "== Validating resolver: dig @$VAL_DNS_ADDR (unbound, EDE on)"
  digq "_25._tcp.mx.bogus.$SEC_ZONE" TLSA "SERVFAIL noad ede=6 answers=0"
  digq "_25._tcp.mx.bogus.$SEC_ZONE" TLSA "NOERROR noad answers=1" +cd
  digq "mx.bogus.$SEC_ZONE" A "NOERROR ad answers=1"
  digq "_25._tcp.mx.dane-ee.$SEC_ZONE" TLSA "NOERROR ad answers=2"
  digq "_25._tcp.mx.dane-ta.$SEC_ZONE" TLSA "NOERROR ad answers=1"
  digq "_25._tcp.mx.dane-mismatch.$SEC_ZONE" TLSA "NOERROR ad answers=1"
  digq "_25._tcp.mx.dane-unusable.$SEC_ZONE" TLSA "NOERROR ad answers=1"
  digq "_25._tcp.mx.dane-nostarttls.$SEC_ZONE" TLSA "NOERROR ad answers=1"
  digq "mx.dane-cname.$SEC_ZONE" CNAME "NOERROR ad answers=1"
  digq "_25._tcp.mx.dane-cname.$SEC_ZONE" TLSA "NXDOMAIN ad answers=0"
  digq "mx.unsigned.$SEC_ZONE" A "NOERROR noad answers=1"
  digq "_25._tcp.mx.unsigned.$SEC_ZONE" TLSA "NOERROR noad answers=1"
  digq "unsigned.$SEC_ZONE" DS "NOERROR ad answers=0"
  digq "bogus.$SEC_ZONE" DS "NOERROR ad answers=1"
  digq "dane-ee.$SEC_ZONE" MX "NOERROR ad answers=1"
  digq "nonexistent.$SEC_ZONE" A "NXDOMAIN ad answers=0"
  digq "example.com" A "REFUSED answers=0"
  local d
  for d in "${STS_DOMAINS[@]}"; do
    case "$d" in
      sts-twotxt) digq "_mta-sts.$d.$SEC_ZONE" TXT "NOERROR ad answers=3" ;;
      *) digq "_mta-sts.$d.$SEC_ZONE" TXT "NOERROR ad answers=1" ;;
    esac
  done
  digq "_smtp._tls.sts-good.$SEC_ZONE" TXT "NOERROR ad answers=1"
  digq "_smtp._tls.sts-lf.$SEC_ZONE" TXT "NOERROR ad answers=1"
  digq "_smtp._tls.sts-notcovered.$SEC_ZONE" TXT "NOERROR ad answers=2"
  digq "_smtp._tls.sts-testing.$SEC_ZONE" TXT "NXDOMAIN ad answers=0"
  digq "sts-wild.$SEC_ZONE" MX "NOERROR ad answers=1"
  digq "mta-sts.sts-badcert.$SEC_ZONE" A "NOERROR ad answers=1"

  echo "== DANE: openssl s_client -starttls smtp -dane_tlsa_domain, TLSA records from unbound (no CA file)"
  daneq dane-ee "mx.dane-ee.$SEC_ZONE" match "3 1 1"
  daneq "dane-ee 3 1 2" "mx.dane-ee.$SEC_ZONE" match "3 1 2"
  daneq dane-ta "mx.dane-ta.$SEC_ZONE" match ""
  daneq dane-mismatch "mx.dane-mismatch.$SEC_ZONE" nomatch ""
  daneq dane-nostarttls "mx.dane-nostarttls.$SEC_ZONE" nostarttls ""
  daneq "dane-cname target" "mx.dane-ee.$SEC_ZONE" match ""
  daneq "bogus (+cd)" "mx.bogus.$SEC_ZONE" match "" +cd
  echo "== The dane instance (${ADDR[dane]}:25): WebPKI verification of every name its leaf lists"
  local n
  for n in "${HOST[dane]}" ${EXTRA_SAN[dane]}; do tls "${n%."$SEC_ZONE"}" "${ADDR[dane]}" "$n" ok; done
  tls "${HOST[dane]%."$SEC_ZONE"}" "${ADDR[dane]}" "${HOST[dane]}" ok -tls1_2
  servedq dane "RSA 2048 bit" sha256WithRSAEncryption

  echo "== MTA-STS: curl --max-redirs 0 --cacert $PKI/root.pem --resolve mta-sts.<domain>:$HTTPS_PORT:<address>"
  curlq sts-good "$MTASTS_ADDR" "200 text/plain; charset=utf-8 crlf"
  curlq sts-lf "$MTASTS_ADDR" "200 text/plain lf"
  curlq sts-testing "$MTASTS_ADDR" "200 text/plain; charset=utf-8 crlf, 4 lines: mode: testing mx: mx.sts-testing.$SEC_ZONE"
  curlq sts-notcovered "$MTASTS_ADDR" "200 text/plain; charset=utf-8 crlf, 4 lines: mode: enforce mx: mx.other.$SEC_ZONE"
  curlq sts-wild "$MTASTS_ADDR" "200 text/plain; charset=utf-8 crlf, 4 lines: mode: enforce mx: *.sts-wild.$SEC_ZONE"
  curlq sts-redirect "$MTASTS_ADDR" "301 https://mta-sts.sts-good.$SEC_ZONE/.well-known/mta-sts.txt"
  curlq sts-badcert "$MTASTS_BAD_ADDR" "error 60: SSL: no alternative certificate subject name matches"
  curlq sts-none "$MTASTS_ADDR" "200 text/plain; charset=utf-8 crlf, 3 lines: mode: none"
  curlq sts-twotxt "$MTASTS_ADDR" "200 text/plain; charset=utf-8 crlf"
  curlq sts-badid "$MTASTS_ADDR" "200 text/plain; charset=utf-8 crlf"
  # Another name on the same server: the certificate does not cover it; with -k, a 404.
  local out
  out="$(curl -sS -k --noproxy '*' --max-time 10 --resolve "mta-sts.unknown.$SEC_ZONE:$HTTPS_PORT:$MTASTS_ADDR" -o /dev/null \
    -w '%{http_code}' "https://mta-sts.unknown.$SEC_ZONE/.well-known/mta-sts.txt" 2>&1)" || true
  result "$([[ "$out" == 404 ]] && echo 1 || echo 0)" "curl $(printf '%-30s %-15s' "mta-sts.unknown.$SEC_ZONE" "$MTASTS_ADDR:$HTTPS_PORT") -> $out (-k: unknown host)"
  # The badcert policy host's certificate, with -k: the body is there, only the name is wrong.
  out="$(curl -sS -k --noproxy '*' --max-time 10 --resolve "mta-sts.sts-badcert.$SEC_ZONE:$HTTPS_PORT:$MTASTS_BAD_ADDR" \
    -o /dev/null -w '%{http_code}' "https://mta-sts.sts-badcert.$SEC_ZONE/.well-known/mta-sts.txt" 2>&1)" || true
  result "$([[ "$out" == 200 ]] && echo 1 || echo 0)" "curl $(printf '%-30s %-15s' "mta-sts.sts-badcert.$SEC_ZONE" "$MTASTS_BAD_ADDR:$HTTPS_PORT") -> $out (-k), served certificate: $(openssl s_client -connect "$MTASTS_BAD_ADDR:$HTTPS_PORT" -servername "mta-sts.sts-badcert.$SEC_ZONE" </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName 2>/dev/null | tail -n1 | sed 's/^ *//')"
}

cmd_check() {
  need_tools
  local L0="-cipher DEFAULT@SECLEVEL=0"
  echo "== TLS (openssl s_client -starttls smtp, trust $PKI/root.pem)"
  # shellcheck disable=SC2086
  {
    tls modern 127.0.1.10 "${HOST[modern]}" ok
    tls modern 127.0.1.10 "${HOST[modern]}" ok -tls1_3
    tls modern 127.0.1.10 "${HOST[modern]}" ok -tls1_2
    tls modern 127.0.1.10 "${HOST[modern]}" fail -tls1_1 $L0
    tls modern 127.0.1.10 "${HOST[modern]}" fail -tls1 $L0
    tls implicit 127.0.1.10 "implicit.$ZONE" ok
    tls tls12 "${ADDR[tls12]}" "${HOST[tls12]}" ok
    tls tls12 "${ADDR[tls12]}" "${HOST[tls12]}" ok -tls1_2
    tls tls12 "${ADDR[tls12]}" "${HOST[tls12]}" fail -tls1_3
    tls tls12 "${ADDR[tls12]}" "${HOST[tls12]}" fail -tls1_1 $L0
    tls tls13 "${ADDR[tls13]}" "${HOST[tls13]}" ok
    tls tls13 "${ADDR[tls13]}" "${HOST[tls13]}" ok -tls1_3
    tls tls13 "${ADDR[tls13]}" "${HOST[tls13]}" fail -tls1_2
    tls legacy "${ADDR[legacy]}" "${HOST[legacy]}" ok -tls1 $L0
    tls legacy "${ADDR[legacy]}" "${HOST[legacy]}" ok -tls1_1 $L0
    tls legacy "${ADDR[legacy]}" "${HOST[legacy]}" fail -tls1_2
    tls legacy "${ADDR[legacy]}" "${HOST[legacy]}" fail -tls1_3
    tls legacy "${ADDR[legacy]}" "${HOST[legacy]}" fail -tls1
    tls nostarttls "${ADDR[nostarttls]}" "${HOST[nostarttls]}" fail
    tls required "${ADDR[required]}" "${HOST[required]}" ok
    tls required "${ADDR[required]}" "${HOST[required]}" ok -tls1_2
    tls staticrsa "${ADDR[staticrsa]}" "${HOST[staticrsa]}" ok
    tls staticrsa "${ADDR[staticrsa]}" "${HOST[staticrsa]}" ok -cipher AES128-SHA
    tls staticrsa "${ADDR[staticrsa]}" "${HOST[staticrsa]}" fail -cipher ECDHE
    tls staticrsa "${ADDR[staticrsa]}" "${HOST[staticrsa]}" fail -cipher kDHE
    tls staticrsa "${ADDR[staticrsa]}" "${HOST[staticrsa]}" fail -tls1_3
    tls ipv6 "${ADDR[ipv6]}" "${HOST[ipv6]}" ok
    tls ipv6 "${ADDR[ipv6]}" "${HOST[ipv6]}" ok -tls1_2
    tls two/mx20 "${ADDR[modern2]}" "${HOST[modern2]}" ok
    tls revoked "${ADDR[revoked]}" "${HOST[revoked]}" ok
    tls deadrev "${ADDR[deadrev]}" "${HOST[deadrev]}" ok
    # Issue 13: servers that a client at OpenSSL's default security level 2 refuses on its own
    # side (1024-bit key, 1024-bit DH group, SHA-1 signature), an SMTPS port, anonymous suites.
    tls weakkey "${ADDR[weakkey]}" "${HOST[weakkey]}" ok $L0
    tls weakkey "${ADDR[weakkey]}" "${HOST[weakkey]}" ok -tls1_2 $L0
    tls dheonly "${ADDR[dheonly]}" "${HOST[dheonly]}" ok -tls1_2 -cipher 'DHE@SECLEVEL=0'
    tls dheonly "${ADDR[dheonly]}" "${HOST[dheonly]}" fail
    tls dheonly "${ADDR[dheonly]}" "${HOST[dheonly]}" fail -tls1_3
    tls dheonly "${ADDR[dheonly]}" "${HOST[dheonly]}" fail -tls1_2 -cipher 'ECDHE@SECLEVEL=0'
    tls dheonly "${ADDR[dheonly]}" "${HOST[dheonly]}" fail -tls1_2 -cipher 'kRSA@SECLEVEL=0'
    tls dheonly "${ADDR[dheonly]}" "${HOST[dheonly]}" fail -tls1_2 -cipher 'aNULL@SECLEVEL=0'
    tls dhe13 "${ADDR[dhe13]}" "${HOST[dhe13]}" ok -tls1_3
    tls dhe13 "${ADDR[dhe13]}" "${HOST[dhe13]}" ok -tls1_2 -cipher 'DHE@SECLEVEL=0'
    tls dhe13 "${ADDR[dhe13]}" "${HOST[dhe13]}" fail -tls1_2 -cipher 'ECDHE@SECLEVEL=0'
    tls ffdhe13 "${ADDR[ffdhe13]}" "${HOST[ffdhe13]}" ok -groups ffdhe2048
    tls ffdhe13 "${ADDR[ffdhe13]}" "${HOST[ffdhe13]}" fail -groups X25519:P-256:P-384
    tls sha1 "${ADDR[sha1]}" "${HOST[sha1]}" ok $L0
    tls sha1 "${ADDR[sha1]}" "${HOST[sha1]}" ok -tls1_2 $L0
    tls smtps "${ADDR[smtps]}" "${HOST[smtps]}" ok
    IMPLICIT=465 tls smtps "${ADDR[smtps]}" "${HOST[smtps]}" ok
    IMPLICIT=465 tls smtps "${ADDR[smtps]}" "${HOST[smtps]}" ok -tls1_2
    IMPLICIT=25 tls modern/tls 127.0.1.10 "${HOST[modern]}" fail
    tls anull "${ADDR[anull]}" "${HOST[anull]}" ok
    tls anull "${ADDR[anull]}" "${HOST[anull]}" ok -tls1_2 -cipher 'aNULL@SECLEVEL=0'
    tls anull "${ADDR[anull]}" "${HOST[anull]}" fail -tls1_3
    # Postfix's default: every instance whose list does not exclude aNULL accepts it.
    tls modern 127.0.1.10 "${HOST[modern]}" ok -tls1_2 -cipher 'aNULL@SECLEVEL=0'
  }
  echo "== SMTP dialogue (EHLO, then MAIL FROM before STARTTLS)"
  smtpq "${ADDR[modern]}" "250-STARTTLS" "250 2.1.0"
  smtpq "${ADDR[nostarttls]}" "!STARTTLS" "250 2.1.0"
  smtpq "${ADDR[required]}" "250-STARTTLS" "530 5.7.0 Must issue a STARTTLS command first"
  smtpq "${ADDR[ipv6]}" "250-STARTTLS" "250 2.1.0"
  smtpq "${ADDR[mtls]}" "250-STARTTLS" "530 5.7.0 Must issue a STARTTLS command first"
  smtpq "${ADDR[smtps]}" "250-STARTTLS" "250 2.1.0"
  echo "== SMTPS (${HOST[smtps]}: TLS at once on port ${IMPLICIT_PORT[smtps]})"
  smtpsq smtps

  CHECK_TMP="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$CHECK_TMP'" EXIT
  echo "== CRLs and CA certificates over HTTP ($PKI_HOST = $PKI_ADDR:$HTTP_PORT)"
  crlq intermediate.crl "$PKI/intermediate.pem" "+$(serial_of "$PKI/revoked.leaf.pem"):Key Compromise" \
    "-$(serial_of "$PKI/modern.leaf.pem")" "-$(serial_of "$PKI/deadrev.leaf.pem")" "-$(serial_of "$PKI/mtls.leaf.pem")" \
    "-$(serial_of "$PKI/weakkey.leaf.pem")" "-$(serial_of "$PKI/sha1.leaf.pem")"
  crlq root.crl "$PKI/root.pem" "-$(serial_of "$PKI/intermediate.pem")"
  local n out
  for n in intermediate root; do
    out="$(python3 "$LABCHECK" fetch "http://$PKI_ADDR:$HTTP_PORT/$n.crt" "$CHECK_TMP/$n.crt" 2>&1)" || true
    if [[ "$out" == "status 200 type application/pkix-cert "* ]] &&
       cmp -s "$CHECK_TMP/$n.crt" <(openssl x509 -in "$PKI/$n.pem" -outform DER); then
      result 1 "http $(printf '%-17s' "$n.crt") $out; DER of $n.pem (caIssuers)"
    else
      result 0 "http $(printf '%-17s' "$n.crt") $out; not the DER of $n.pem"
    fi
  done
  out="$(python3 "$LABCHECK" fetch "http://$PKI_ADDR:$HTTP_PORT/missing.crl" "$CHECK_TMP/missing" 2>&1)" || true
  result "$([[ "$out" == "status 404 "* ]] && echo 1 || echo 0)" "http $(printf '%-17s' missing.crl) $out"
  out="$(python3 "$LABCHECK" connect "$DEAD_ADDR" "$HTTP_PORT" 2>&1)" || true
  result "$([[ "$out" == refused ]] && echo 1 || echo 0)" "dead $(printf '%-17s' "$DEAD_ADDR:$HTTP_PORT") -> $out ($DEAD_HOST: nothing listens)"

  echo "== OCSP ($OCSP_HOST = $OCSP_ADDR:$HTTP_PORT: openssl ocsp -index, delegated signer)"
  for n in modern revoked deadrev; do servedq "$n"; done
  servedq weakkey "RSA 1024 bit" sha256WithRSAEncryption -- $L0
  servedq dheonly "RSA 2048 bit" sha256WithRSAEncryption -- -cipher 'DHE@SECLEVEL=0'
  servedq sha1 "RSA 2048 bit" sha1WithRSAEncryption
  servedq smtps:465 "RSA 2048 bit" sha256WithRSAEncryption
  servedq anull "RSA 2048 bit" sha256WithRSAEncryption
  ocspq modern "$PKI/modern.leaf.pem" good
  ocspq revoked "$PKI/revoked.leaf.pem" revoked keyCompromise
  ocspq deadrev "$PKI/deadrev.leaf.pem" good
  ocspq mtls "$PKI/mtls.leaf.pem" good
  ocspq weakkey "$PKI/weakkey.leaf.pem" good
  ocspq sha1 "$PKI/sha1.leaf.pem" good
  local ok=1 verify
  out="$(python3 "$LABCHECK" fetch "ocsp-get:http://$OCSP_ADDR:$HTTP_PORT/" "$CHECK_TMP/get.resp" "$PKI/ocsp-probe.req" 2>&1)" || ok=0
  [[ "$out" == "status 200 type application/ocsp-response "* ]] || ok=0
  verify="$(openssl ocsp -respin "$CHECK_TMP/get.resp" -issuer "$PKI/intermediate.pem" -cert "$PKI/modern.leaf.pem" \
    -CAfile "$PKI/root.pem" -no_nonce 2>&1)" || ok=0
  [[ "$verify" == *"Response verify OK"* && "$verify" == *"modern.leaf.pem: good"* ]] || ok=0
  result "$ok" "ocsp $(printf '%-17s' "GET modern") $out; $(grep -m1 -E 'verify|error' <<<"$verify"), $(grep -m1 'leaf.pem:' <<<"$verify" | sed 's|.*/||')"
  printf 'not an OCSP request' >"$CHECK_TMP/junk.req"
  out="$(python3 "$LABCHECK" fetch "http://$OCSP_ADDR:$HTTP_PORT/" "$CHECK_TMP/junk.resp" "$CHECK_TMP/junk.req" 2>&1)" || true
  ok=0
  [[ "$out" == "status 200 type application/ocsp-response bytes 5" &&
     "$(od -An -tx1 "$CHECK_TMP/junk.resp" | tr -d ' \n')" == 30030a0101 ]] && ok=1
  result "$ok" "ocsp $(printf '%-17s' "POST junk") $out (responseStatus malformedRequest)"

  echo "== Mutual TLS (${HOST[mtls]}, ${ADDR[mtls]}:25: smtpd_tls_req_ccert, CA $(basename "$PKI/client-ca.pem"))"
  mtlsq "no client cert" "421 4.7.1 ${HOST[mtls]} Error: No client certificate presented"
  mtlsq "client cert" "221 2.0.0 Bye" -cert "$PKI/client.pem" -key "$PKI/client.key"
  mtlsq "client cert 1.2" "221 2.0.0 Bye" -tls1_2 -cert "$PKI/client.pem" -key "$PKI/client.key"
  mtlsq "wrong client cert" "421 4.7.1 ${HOST[mtls]} Error: Client certificate not trusted" \
    -cert "$PKI/client-wrong.pem" -key "$PKI/client-wrong.key"

  echo "== DNS ($DNS_ADDR:$DNS_PORT)"
  local c
  for c in "${MX_CONFIGS[@]}"; do
    [[ $c == ipv6 ]] && continue
    dnsq "$c.$ZONE" MX "rcode=NOERROR answers=1" "MX 10 ${HOST[$c]}."
    dnsq "${HOST[$c]}" A "rcode=NOERROR answers=1" "A ${ADDR[$c]}"
  done
  dnsq "ipv6.$ZONE" MX "rcode=NOERROR answers=1" "MX 10 ${HOST[ipv6]}."
  dnsq "${HOST[ipv6]}" AAAA "rcode=NOERROR answers=1" "AAAA ::1"
  dnsq "${HOST[ipv6]}" A "rcode=NOERROR answers=0"
  dnsq "two.$ZONE" MX "rcode=NOERROR answers=2" "MX 10 ${HOST[modern]}." "MX 20 ${HOST[modern2]}."
  dnsq "${HOST[modern2]}" A "rcode=NOERROR answers=1" "A ${ADDR[modern2]}"
  dnsq "nullmx.$ZONE" MX "rcode=NOERROR answers=1" "MX 0 ."
  dnsq "implicit.$ZONE" MX "rcode=NOERROR answers=0"
  dnsq "implicit.$ZONE" A "rcode=NOERROR answers=1" "A ${ADDR[modern]}"
  dnsq "$PKI_HOST" A "rcode=NOERROR answers=1" "A $PKI_ADDR"
  dnsq "$OCSP_HOST" A "rcode=NOERROR answers=1" "A $OCSP_ADDR"
  dnsq "$DEAD_HOST" A "rcode=NOERROR answers=1" "A $DEAD_ADDR"
  dnsq "nonexistent.$ZONE" MX "rcode=NXDOMAIN"
  dnsq "dane-ee.$SEC_ZONE" MX "rcode=NXDOMAIN"  # sec.test is NSD's; dnsmasq has none of it
  check_sec
  echo "== Listeners on ports 25, 465, 53, $HTTP_PORT, $HTTPS_PORT (/proc/net): loopback only"
  ok=1
  out="$(python3 "$LABCHECK" listeners 25 465 53 "$HTTP_PORT" "$HTTPS_PORT")" || ok=0
  result "$ok" "listen $(grep -c '^loopback' <<<"$out") sockets on loopback$(grep '^EXPOSED' <<<"$out" | sed 's/^/; /' | tr -d '\n')"
  # The nsd and unbound packages listen on port 53 of the default interfaces when started as
  # services: none of that may run beside the lab's DNS servers.
  local port53
  port53="$(grep -E ' (127\.0\.0\.1|::1|0\.0\.0\.0|::):53$' <<<"$out" | awk '{ print $2 " " $3 }' | tr '\n' ',' | sed 's/,$//')" || true
  result "$([[ -z "$port53" ]] && echo 1 || echo 0)" "listen port 53: $(grep -E ':53$' <<<"$out" | awk '{ print $3 }' | sort -u | tr '\n' ' ')${port53:+-- NOT the lab: $port53}"
  if ((CHECK_FAILS)); then
    echo "check: $CHECK_FAILS FAILED"
    return 1
  fi
  echo "check: all passed"
}

# ---------------------------------------------------------------------------- main

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  check) cmd_check ;;
  *)
    sed -n '2,18s/^# \{0,1\}//p' "$0" >&2
    exit 2
    ;;
esac
