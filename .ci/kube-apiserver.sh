#!/usr/bin/env bash
# Provides the two binaries the cluster integration tests run: etcd (Debian's
# etcd-server, installed with apt-get when missing) and kube-apiserver, built
# from the k8s.io/kubernetes module source at the release that matches the
# k8s.io/api version in go.mod (k8s.io/api v0.N.P is Kubernetes v1.N.P;
# INGRESSMUX_KUBE_VERSION overrides it) and cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/ingressmux/ keyed by that version, so only
# the first run on a machine pays for the build (5-11 minutes of 2 cores on a
# quiet machine).
#
# The module zip of k8s.io/kubernetes cannot be built as it is: its go.mod
# points the k8s.io staging modules at ./staging/..., which the zip does not
# contain. The build therefore works on a writable copy whose go.mod requires
# the published staging modules at the matching v0.x release instead.
#
# Prints, on stdout, lines an environment can take as they are:
#   INGRESSMUX_KUBE_APISERVER=/path/to/kube-apiserver
#   INGRESSMUX_ETCD=/path/to/etcd
# Everything else goes to stderr. Runs unattended (no stdin, CI=true, root or
# passwordless sudo for the apt-get step).
set -euo pipefail

version="${INGRESSMUX_KUBE_VERSION:-}"
if [ -z "$version" ]; then
  api_version=$(cd "$(dirname "$0")/.." && go list -m -f '{{.Version}}' k8s.io/api)
  version="v1.${api_version#v0.}"
fi
case "$version" in
  v1.*) ;;
  *) echo "INGRESSMUX_KUBE_VERSION must look like v1.N.P, got $version" >&2; exit 2 ;;
esac
staging_version="v0.${version#v1.}"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/ingressmux"
cache_dir="$cache_root/kube-apiserver-$version"
binary="$cache_dir/kube-apiserver"

log() { echo "kube-apiserver.sh: $*" >&2; }

ensure_etcd() {
  if command -v etcd >/dev/null 2>&1; then
    return
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  log "installing etcd-server with apt-get"
  $sudo apt-get update -qq </dev/null >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends etcd-server </dev/null >&2
  # The package starts a system etcd where an init system runs; the tests pick
  # their own ports, so it does not get in the way, but it is not needed.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
    $sudo systemctl stop etcd >&2 || true
  fi
}

build_kube_apiserver() {
  mkdir -p "$cache_dir"
  # One build at a time per machine: a second caller waits and then finds the
  # binary in the cache.
  exec 9>"$cache_dir/.lock"
  flock 9
  if [ -x "$binary" ]; then
    log "cached: $binary"
    return
  fi

  local started work dir
  started=$(date +%s)
  work=$(mktemp -d "${TMPDIR:-/tmp}/ingressmux-kube-build.XXXXXX")
  # shellcheck disable=SC2064
  trap "chmod -R u+w '$work' 2>/dev/null; rm -rf '$work'" EXIT

  log "downloading k8s.io/kubernetes@$version"
  dir=$(cd "$work" && GOFLAGS= GOWORK=off go mod download -json "k8s.io/kubernetes@$version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$dir" ] || [ ! -f "$dir/go.mod" ]; then
    log "go mod download did not give a module directory for k8s.io/kubernetes@$version"
    exit 1
  fi
  cp -r "$dir" "$work/src"
  chmod -R u+w "$work/src"
  rm -f "$work/src/go.work" "$work/src/go.work.sum"

  # Published staging modules instead of ./staging/src/k8s.io/X.
  sed -i -E \
    -e '/^[[:space:]]*(replace[[:space:]]+)?k8s\.io\/[^[:space:]]+[[:space:]]+=>[[:space:]]+\.\/staging\//d' \
    -e "s#^([[:space:]]*(require[[:space:]]+)?k8s\.io/[^[:space:]]+)[[:space:]]+v0\.0\.0([[:space:]]|\$)#\1 $staging_version\3#" \
    "$work/src/go.mod"
  if grep -q '=> ./staging/' "$work/src/go.mod"; then
    log "go.mod still points at ./staging after rewriting it"
    exit 1
  fi

  log "building kube-apiserver $version (several minutes on 2 cores)"
  # The version Kubernetes' own build stamps in, so that /version and
  # --version tell the truth.
  local minor pkg=k8s.io/component-base/version
  minor=$(echo "$version" | cut -d. -f2)
  (cd "$work/src" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go build -trimpath -ldflags "-X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean" \
      -o "$work/kube-apiserver" ./cmd/kube-apiserver) >&2
  "$work/kube-apiserver" --version >&2
  mv "$work/kube-apiserver" "$binary.tmp"
  mv "$binary.tmp" "$binary"
  log "built in $(( $(date +%s) - started ))s: $binary"
}

ensure_etcd
if [ -x "$binary" ]; then
  log "cached: $binary"
else
  build_kube_apiserver
fi

echo "INGRESSMUX_KUBE_APISERVER=$binary"
echo "INGRESSMUX_ETCD=$(command -v etcd)"
