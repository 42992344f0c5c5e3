# Sourced by the fetch-*.sh scripts: `apt_download DIR WHO PKG…` downloads Debian packages'
# .deb files into DIR with `apt-get download` (no install, no root needed unless the package
# index must be refreshed: a machine whose index is missing or stale gets one `apt-get update`
# and a retry). WHO names the calling script in the error message.
apt_download() {
  local dir=$1 who=$2
  shift 2
  if ( cd "$dir" && apt-get download "$@" >/dev/null 2>&1 ); then return 0; fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq || true
  ( cd "$dir" && apt-get download "$@" >/dev/null 2>&1 ) || {
    echo "$who: apt-get download $* failed (is Debian's archive reachable?)" >&2
    return 1
  }
}
