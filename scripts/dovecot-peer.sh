#!/usr/bin/env bash
# A private Dovecot for peer comparisons (docs/BENCHMARKS.md, "Import against Dovecot").
# Everything lives under DIR: config, sockets, logs, the user db and the mail. It never reads or
# changes /etc/dovecot and listens on loopback only (and only when asked for a port).
#
#   scripts/dovecot-peer.sh ensure                 install dovecot-core with apt-get when doveadm is missing
#   scripts/dovecot-peer.sh start DIR [options]    write DIR/dovecot.conf and start the instance
#       --fsync optimized|always   mail_fsync (default optimized, Dovecot's default)
#       --mail FORMAT              maildir (default), sdbox or mdbox: mail_location FORMAT:~/mail
#       --lmtp-port N              also serve LMTP on 127.0.0.1:N
#       --imap-port N              also serve IMAP on 127.0.0.1:N (installs dovecot-imapd when missing)
#   scripts/dovecot-peer.sh doveadm DIR ARGS...    doveadm with the private config (user: bench)
#   scripts/dovecot-peer.sh stop DIR               stop the instance
#   scripts/dovecot-peer.sh user                   prints the user name (bench; password bench)
#
# As root the mail belongs to `nobody` (Dovecot refuses uid 0 for mail); otherwise to the caller.
set -euo pipefail
PEER_USER=bench

die() { echo "dovecot-peer: $*" >&2; exit 1; }

ensure() {
  local pkgs=()
  command -v doveadm >/dev/null 2>&1 || pkgs+=(dovecot-core)
  [ "${1:-}" = imap ] && [ ! -x /usr/lib/dovecot/imap ] && pkgs+=(dovecot-imapd)
  [ "${1:-}" = lmtp ] && [ ! -x /usr/lib/dovecot/lmtp ] && pkgs+=(dovecot-lmtpd)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "dovecot-peer: installing ${pkgs[*]} with apt-get" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >&2 \
    || die "could not install ${pkgs[*]} (apt-get update first?)"
  # Debian's package may start the system instance; the peer never uses it, and leaves it alone.
}

start() {
  local dir="$1"; shift
  local fsync=optimized mail=maildir lmtp="" imap=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --fsync) fsync="$2"; shift 2 ;;
      --mail) mail="$2"; shift 2 ;;
      --lmtp-port) lmtp="$2"; shift 2 ;;
      --imap-port) imap="$2"; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  case "$fsync" in optimized|always|never) ;; *) die "--fsync optimized|always|never, got $fsync" ;; esac
  ensure
  [ -n "$imap" ] && ensure imap
  [ -n "$lmtp" ] && ensure lmtp
  [ -f "$dir/run/master.pid" ] && stop "$dir"
  dir="$(mkdir -p "$dir" && cd "$dir" && pwd)"
  mkdir -p "$dir/run" "$dir/state" "$dir/log" "$dir/home/$PEER_USER"
  chmod 755 "$dir"
  local uid gid internal login
  if [ "$(id -u)" -eq 0 ]; then
    uid=$(id -u nobody); gid=$(id -g nobody); internal=dovecot; login=dovenull
    chown -R "$uid:$gid" "$dir/home"
  else
    uid=$(id -u); gid=$(id -g); internal=$(id -un); login=$(id -un)
  fi
  echo "$PEER_USER:{PLAIN}$PEER_USER:$uid:$gid::$dir/home/$PEER_USER::" > "$dir/passwd"
  chmod 644 "$dir/passwd"
  local protocols=""
  [ -n "$lmtp" ] && protocols="$protocols lmtp"
  [ -n "$imap" ] && protocols="$protocols imap"
  {
    echo "# Written by scripts/dovecot-peer.sh: a private instance under $dir"
    echo "base_dir = $dir/run"
    echo "state_dir = $dir/state"
    echo "log_path = $dir/log/dovecot.log"
    echo "ssl = no"
    echo "listen = 127.0.0.1"
    echo "protocols =$protocols"
    echo "default_internal_user = $internal"
    echo "default_login_user = $login"
    echo "first_valid_uid = 1"
    echo "mail_location = $mail:~/mail"
    echo "mail_fsync = $fsync"
    echo "auth_mechanisms = plain"
    echo "disable_plaintext_auth = no"
    echo "passdb {"; echo "  driver = passwd-file"; echo "  args = $dir/passwd"; echo "}"
    echo "userdb {"; echo "  driver = passwd-file"; echo "  args = $dir/passwd"; echo "}"
    if [ -n "$lmtp" ]; then
      echo "service lmtp {"; echo "  inet_listener lmtp {"; echo "    address = 127.0.0.1"; echo "    port = $lmtp"
      echo "  }"; echo "}"
      echo "lmtp_save_to_detail_mailbox = no"
      echo "protocol lmtp {"; echo "  auth_username_format = %n"; echo "}"
    fi
    if [ -n "$imap" ]; then
      echo "service imap-login {"; echo "  inet_listener imap {"; echo "    address = 127.0.0.1"; echo "    port = $imap"
      echo "  }"; echo "  inet_listener imaps {"; echo "    port = 0"; echo "  }"; echo "}"
      # Load tests open one connection per client process, all as the same user from 127.0.0.1.
      echo "protocol imap {"; echo "  mail_max_userip_connections = 1000"; echo "}"
    fi
  } > "$dir/dovecot.conf"
  dovecot -c "$dir/dovecot.conf" || die "dovecot did not start; see $dir/log/dovecot.log"
  for _ in $(seq 100); do
    [ -S "$dir/run/auth-userdb" ] && return 0
    sleep 0.05
  done
  die "dovecot started but $dir/run/auth-userdb did not appear; see $dir/log/dovecot.log"
}

stop() {
  local dir="$1" pid
  [ -f "$dir/run/master.pid" ] || return 0
  pid=$(cat "$dir/run/master.pid")
  doveadm -c "$dir/dovecot.conf" stop 2>/dev/null || kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$dir/run/master.pid"; return 0; }
    sleep 0.05
  done
  die "dovecot (pid $pid) did not stop"
}

cmd="${1:-}"; [ $# -gt 0 ] && shift
case "$cmd" in
  ensure) ensure "$@" ;;
  start) [ $# -ge 1 ] || die "start DIR [options]"; start "$@" ;;
  stop) [ $# -eq 1 ] || die "stop DIR"; stop "$1" ;;
  doveadm) [ $# -ge 1 ] || die "doveadm DIR ARGS..."; d="$1"; shift; exec doveadm -c "$d/dovecot.conf" "$@" ;;
  user) echo "$PEER_USER" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || exit 2 ;;
esac
