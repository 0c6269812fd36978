#!/usr/bin/env bash
# Makes the certificates of a secured Brook cluster with openssl: a cluster CA, one certificate per
# node (for its Kafka TLS listeners and for mutual TLS with its peers) and client certificates
# (principal User:<CN> on an SSL listener with --tls-client-auth). Keys never leave this directory
# and are never committed (certs/ is in .gitignore).
#
#   scripts/make-certs.sh [--dir certs] [--nodes brook-1,brook-2,brook-3] [--clients admin] [--days 365]
#
# Every node certificate names the node's host (DNS), localhost and 127.0.0.1, so clients on the
# host and peers on the compose network can check it. Existing files are kept: delete the
# directory to start over, or delete one node's files to reissue it from the same CA.
set -euo pipefail

dir=certs
nodes=brook-1,brook-2,brook-3
clients=admin
days=365
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "make-certs: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v openssl >/dev/null || { echo "make-certs: openssl is needed (apt-get install openssl)" >&2; exit 2; }

umask 077
mkdir -p "$dir"
cd "$dir"

if [ ! -f ca.key ]; then
  openssl req -x509 -newkey rsa:3072 -nodes -keyout ca.key -out ca.crt -days "$days" \
    -subj "/CN=Brook cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  echo "make-certs: $dir/ca.crt (the cluster CA; keep ca.key offline once the certificates are made)"
fi

issue() { # name subject-alt-names
  local name=$1 san=$2
  [ -f "$name.crt" ] && { echo "make-certs: $dir/$name.crt exists, kept"; return; }
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n%s' \
    "${san:+subjectAltName=$san}" > "$name.ext"
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
  echo "make-certs: $dir/$name.crt"
}

IFS=, read -ra node_list <<< "$nodes"
for node in "${node_list[@]}"; do issue "$node" "DNS:$node,DNS:localhost,IP:127.0.0.1"; done
IFS=, read -ra client_list <<< "$clients"
for client in "${client_list[@]}"; do [ -n "$client" ] && issue "$client" ""; done

# The container image runs as uid 1000 and must read its node's key (never the CA's).
chmod 0755 .
chmod 0644 ./*.crt
chmod 0600 ./*.key
node_keys=()
for node in "${node_list[@]}"; do node_keys+=("$node.key"); done
if [ "$(id -u)" = 0 ]; then
  chown 1000:1000 "${node_keys[@]}"
elif [ "$(id -u)" != 1000 ]; then
  echo "make-certs: the brook image runs as uid 1000; for docker-compose: sudo chown 1000 ${node_keys[*]/#/$dir/}"
fi
