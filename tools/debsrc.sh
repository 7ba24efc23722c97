# Sourced by the scripts that fetch Debian source packages (tools/lwip-fetch.sh,
# tests/suites/busybox-fetch.sh): quiet apt-get with bounded waits, and deb-src
# entries enabled when none are configured (root or sudo needed only then).
# The caller sets `top` (its download area, apt.log goes there) and `die`.
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
export DEBIAN_FRONTEND=noninteractive
apt_quiet() { timeout 300 $SUDO apt-get -q -o Acquire::Retries=1 -o Acquire::http::Timeout=30 "$@" > "$top/apt.log" 2>&1; }
have_deb_src() {
    grep -rqsE '^[[:space:]]*(Types:.*deb-src|deb-src[[:space:]])' /etc/apt/sources.list /etc/apt/sources.list.d/
}
# A copy of the Debian entries with Types: deb-src (FACTS: debian.sources).
ensure_deb_src() {
    have_deb_src && return 0
    local list=/etc/apt/sources.list.d/debian.sources
    [ -f "$list" ] || die "no deb-src entries and no $list to derive them from"
    sed 's/^Types:.*/Types: deb-src/' "$list" | $SUDO tee /etc/apt/sources.list.d/oscortex-deb-src.sources > /dev/null ||
        die "cannot enable deb-src (needs root)"
    apt_quiet update || die "apt-get update failed (see $top/apt.log)"
}
