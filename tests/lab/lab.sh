#!/usr/bin/env bash
# Real-peer lab for tlscheck: several Postfix instances (one per TLS profile, each on its
# own loopback address, port 25) and a dnsmasq serving the lab.test zone on 127.0.53.1:53.
#
#   lab.sh install   apt-get the packages (root; safe to re-run)
#   lab.sh start     PKI (once), configs, start everything, wait until it answers (root)
#   lab.sh stop      stop every instance and dnsmasq (root)
#   lab.sh status    what runs (exit 0 all running, 3 otherwise)
#   lab.sh env       shell-sourceable LAB_* variables
#   lab.sh check     probe every configuration with openssl s_client and DNS queries
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
INSTANCES=(modern tls12 tls13 legacy nostarttls required staticrsa ipv6 modern2)
declare -A ADDR=(
  [modern]=127.0.1.10 [tls12]=127.0.1.11 [tls13]=127.0.1.12 [legacy]=127.0.1.13
  [nostarttls]=127.0.1.14 [required]=127.0.1.15 [staticrsa]=127.0.1.16 [ipv6]=::1
  [modern2]=127.0.1.17
)
declare -A HOST=(
  [modern]=mx.modern.$ZONE [tls12]=mx.tls12.$ZONE [tls13]=mx.tls13.$ZONE
  [legacy]=mx.legacy.$ZONE [nostarttls]=mx.nostarttls.$ZONE [required]=mx.required.$ZONE
  [staticrsa]=mx.staticrsa.$ZONE [ipv6]=mx.ipv6.$ZONE [modern2]=mx2.two.$ZONE
)
declare -A PROFILE=(
  [modern]=modern [tls12]=tls12 [tls13]=tls13 [legacy]=legacy [nostarttls]=nostarttls
  [required]=required [staticrsa]=staticrsa [ipv6]=modern [modern2]=modern
)
# Extra SANs: implicit.lab.test has no MX, only an A record to the modern instance
# (RFC 5321 implicit MX), so the modern leaf also names it.
declare -A EXTRA_SAN=([modern]="implicit.$ZONE")

# Configurations exported by `env` (and probed by `check`).
CONFIGS=(modern tls12 tls13 legacy nostarttls required staticrsa ipv6 two nullmx implicit)

STATIC_RSA_CIPHERS="AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA"

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

need_root() { [[ $(id -u) -eq 0 ]] || die "'$1' needs root (ports 25 and 53, Postfix)"; }

need_tools() {
  local t missing=()
  for t in postfix postconf dnsmasq openssl python3; do
    PATH="$PATH:/usr/sbin:/sbin" command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  ((${#missing[@]} == 0)) || die "missing ${missing[*]}: run 'sudo $0 install' first"
  export PATH="$PATH:/usr/sbin:/sbin"
}

# ---------------------------------------------------------------------------- install

cmd_install() {
  need_root install
  export DEBIAN_FRONTEND=noninteractive
  # Leave Postfix unconfigured: no /etc/postfix/main.cf, no system instance.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  local pkgs=(postfix dnsmasq-base openssl ca-certificates procps)
  command -v python3 >/dev/null 2>&1 || pkgs+=(python3-minimal)
  if [[ ! -d /var/lib/apt/lists ]] || ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
    apt-get update -q
  fi
  if ! apt-get install -y -q --no-install-recommends "${pkgs[@]}"; then
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${pkgs[@]}"
  fi
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

make_ca() {  # make_ca NAME CN DAYS EXT [ISSUER]
  local name="$1" cn="$2" days="$3" ext="$4" issuer="${5:-}"
  ossl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -out "$PKI/$name.csr" \
    -subj "/O=tlscheck Lab/CN=$cn"
  if [[ -z "$issuer" ]]; then
    ossl x509 -req -in "$PKI/$name.csr" -signkey "$PKI/$name.key" -sha256 -days "$days" \
      -set_serial "$(serial)" -extfile "$PKI/ext.cnf" -extensions "$ext" -out "$PKI/$name.pem"
  else
    ossl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$issuer.pem" -CAkey "$PKI/$issuer.key" -sha256 \
      -days "$days" -set_serial "$(serial)" -extfile "$PKI/ext.cnf" -extensions "$ext" -out "$PKI/$name.pem"
  fi
  chmod 600 "$PKI/$name.key"
  rm -f "$PKI/$name.csr"
}

make_pki() {
  mkdir -p "$PKI"
  chmod 755 "$PKI"
  cat >"$PKI/ext.cnf" <<'EOF'
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = $ENV::LAB_LEAF_SAN
EOF
  export LAB_LEAF_SAN="DNS:unused.$ZONE"  # ext.cnf needs it set even for the CAs
  if [[ ! -s "$PKI/root.pem" || ! -s "$PKI/root.key" ]]; then
    log "PKI: root CA"
    make_ca root "tlscheck Lab Root" 3650 root
    rm -f "$PKI/intermediate.pem"
  fi
  if [[ ! -s "$PKI/intermediate.pem" || ! -s "$PKI/intermediate.key" ]]; then
    log "PKI: intermediate CA"
    make_ca intermediate "tlscheck Lab Intermediate" 1825 intermediate root
    rm -f "$PKI"/*.leaf.pem
  fi
  local i host san
  for i in "${INSTANCES[@]}"; do
    host="${HOST[$i]}"
    san="DNS:$host"
    [[ -n "${EXTRA_SAN[$i]:-}" ]] && san+=",DNS:${EXTRA_SAN[$i]}"
    # Regenerate a leaf when missing, when its SAN list changed, or when it expires within a day.
    if [[ -s "$PKI/$i.leaf.pem" && -s "$PKI/$i.key" && "$(cat "$PKI/$i.san" 2>/dev/null)" == "$san" ]] &&
       openssl x509 -in "$PKI/$i.leaf.pem" -noout -checkend 86400 >/dev/null 2>&1; then
      continue
    fi
    log "PKI: leaf $host ($san)"
    ossl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$i.key" -out "$PKI/$i.csr" \
      -subj "/O=tlscheck Lab/CN=$host"
    LAB_LEAF_SAN="$san" ossl x509 -req -in "$PKI/$i.csr" -CA "$PKI/intermediate.pem" \
      -CAkey "$PKI/intermediate.key" -sha256 -days 365 -set_serial "$(serial)" \
      -extfile "$PKI/ext.cnf" -extensions leaf -out "$PKI/$i.leaf.pem"
    cat "$PKI/$i.leaf.pem" "$PKI/intermediate.pem" >"$PKI/$i.chain.pem"
    printf '%s\n' "$san" >"$PKI/$i.san"
    chmod 600 "$PKI/$i.key"
    rm -f "$PKI/$i.csr"
  done
  chmod 644 "$PKI"/*.pem
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
  [[ -n "$pid" && -d "/proc/$pid" ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == master ]] || return 1
  echo "$pid"
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
  for c in modern tls12 tls13 legacy nostarttls required staticrsa ipv6; do
    printf '%s\n' "--mx-host=$c.$ZONE,${HOST[$c]},10" "--host-record=${HOST[$c]},${ADDR[$c]}"
  done
  printf '%s\n' "--mx-host=two.$ZONE,${HOST[modern]},10" "--mx-host=two.$ZONE,${HOST[modern2]},20" \
    "--host-record=${HOST[modern2]},${ADDR[modern2]}" \
    "--dns-rr=nullmx.$ZONE,15,000000" \
    "--host-record=implicit.$ZONE,${ADDR[modern]}"
}

dnsmasq_pid() {
  local pid
  [[ -r "$LAB_DIR/dnsmasq.pid" ]] || return 1
  pid="$(tr -dc '0-9' <"$LAB_DIR/dnsmasq.pid")"
  [[ -n "$pid" && -d "/proc/$pid" && "$(cat "/proc/$pid/comm" 2>/dev/null)" == dnsmasq ]] || return 1
  echo "$pid"
}

wait_gone() {  # wait_gone SECONDS PID...: 0 when none of the pids is left
  local deadline=$((SECONDS + $1)) p alive
  shift
  while :; do
    alive=0
    for p in "$@"; do [[ -d "/proc/$p" ]] && alive=1; done
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

# ---------------------------------------------------------------------------- start / stop

cmd_start() {
  need_root start
  need_tools
  mkdir -p "$LAB_DIR" "$PF"
  chmod 755 "$LAB_DIR" "$PF"
  make_pki

  local i d changed=()
  for i in "${INSTANCES[@]}"; do
    d="$PF/$i/etc"
    mkdir -p "$d" "$PF/$i/queue"
    chmod 755 "$PF/$i" "$d" "$PF/$i/queue"
    local c=0
    main_cf "$i" | write_if_changed "$d/main.cf" && c=1
    master_cf "$i" | write_if_changed "$d/master.cf" && c=1
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

  local out failed=()
  for i in "${INSTANCES[@]}"; do
    d="$PF/$i/etc"
    if master_pid "$i" >/dev/null; then
      if [[ " ${changed[*]} " == *" $i "* ]]; then
        if out="$(postfix -c "$d" reload 2>&1)"; then
          log "postfix $i: reloaded (config changed)"
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
    if out="$(postfix -c "$d" start 2>&1)"; then
      log "postfix $i: started on ${ADDR[$i]}:25 (${HOST[$i]})"
    else
      log "postfix $i: 'postfix -c $d start' failed (exit $?):"
      printf '%s\n' "$out" >&2
      maillog_tail "$i"
      failed+=("$i")
    fi
  done
  ((${#failed[@]} == 0)) || die "Postfix instance(s) failed to start: ${failed[*]} (run '$0 stop' to clean up)"

  start_dnsmasq

  local targets=()
  for i in "${INSTANCES[@]}"; do
    if [[ "${ADDR[$i]}" == *:* ]]; then targets+=("smtp:[${ADDR[$i]}]:25"); else targets+=("smtp:${ADDR[$i]}:25"); fi
  done
  targets+=("dns:$DNS_ADDR:$DNS_PORT:two.$ZONE:2")
  if ! out="$(python3 "$LABCHECK" wait "$READY_TIMEOUT" "${targets[@]}")"; then
    printf '%s\n' "$out" >&2
    for i in "${INSTANCES[@]}"; do
      local a="${ADDR[$i]}"
      [[ "$a" == *:* ]] && a="[$a]"
      if [[ "$out" == *"smtp:$a:25 "* ]]; then
        master_pid "$i" >/dev/null || echo "postfix $i: master is not running" >&2
        maillog_tail "$i"
      fi
    done
    if [[ "$out" == *"dns:"* && -s "$LAB_DIR/dnsmasq.log" ]]; then
      echo "---- tail of $LAB_DIR/dnsmasq.log" >&2
      tail -n 10 "$LAB_DIR/dnsmasq.log" >&2
    fi
    die "lab not ready within ${READY_TIMEOUT}s"
  fi
  log "ready: ${#INSTANCES[@]} Postfix instances answer 220, dnsmasq answers on $DNS_ADDR:$DNS_PORT"
}

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
  fi
}

cmd_status() {
  local i pid kids all=0 n=0 where
  for i in "${INSTANCES[@]}"; do
    n=$((n + 1))
    where="${ADDR[$i]}:25"
    [[ "${ADDR[$i]}" == *:* ]] && where="[${ADDR[$i]}]:25"
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
    if [[ "$c" == two ]]; then
      emit LAB_TWO_HOST2 "${HOST[modern2]}"
      emit LAB_TWO_IP2 "${ADDR[modern2]}"
    fi
  done
}

# ---------------------------------------------------------------------------- check

CHECK_FAILS=0

# tls NAME ADDR HOST EXPECT [s_client options...]; EXPECT is "ok" or "fail".
tls() {
  local name="$1" addr="$2" host="$3" expect="$4" out proto cipher verify rc=0 connect
  shift 4
  connect="$addr:25"
  [[ "$addr" == *:* ]] && connect="[$addr]:25"
  out="$(timeout 15 openssl s_client -brief -starttls smtp -connect "$connect" -servername "$host" \
    -CAfile "$PKI/root.pem" -verify_hostname "$host" "$@" </dev/null 2>&1)" || rc=$?
  proto="$(sed -n 's/^Protocol version: //p' <<<"$out" | head -n1)"
  cipher="$(sed -n 's/^Ciphersuite: //p' <<<"$out" | head -n1)"
  verify="$(sed -n 's/^Verification: //p' <<<"$out" | head -n1)"
  local got=fail
  [[ $rc -eq 0 && -n "$proto" ]] && got=ok
  local verdict=PASS
  [[ "$got" == "$expect" ]] || { verdict=FAIL; CHECK_FAILS=$((CHECK_FAILS + 1)); }
  if [[ "$got" == ok ]]; then
    printf '%s %-10s %-22s %-40s -> %s %s, verify %s\n' "$verdict" "$name" "$connect" "${*:-(defaults)}" "$proto" "$cipher" "${verify:-?}"
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
  }
  echo "== SMTP dialogue (EHLO, then MAIL FROM before STARTTLS)"
  smtpq "${ADDR[modern]}" "250-STARTTLS" "250 2.1.0"
  smtpq "${ADDR[nostarttls]}" "!STARTTLS" "250 2.1.0"
  smtpq "${ADDR[required]}" "250-STARTTLS" "530 5.7.0 Must issue a STARTTLS command first"
  smtpq "${ADDR[ipv6]}" "250-STARTTLS" "250 2.1.0"
  echo "== DNS ($DNS_ADDR:$DNS_PORT)"
  local c
  for c in modern tls12 tls13 legacy nostarttls required staticrsa; do
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
  dnsq "nonexistent.$ZONE" MX "rcode=NXDOMAIN"
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
    sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
    exit 2
    ;;
esac
