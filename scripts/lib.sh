# SPDX-License-Identifier: GPL-2.0
# Shared settings for the project's scripts; sourced, never run.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${EROFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erofs-ishare}
JOBS=${JOBS:-$(nproc)}

step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# need CMD PACKAGE: install PACKAGE with apt-get when CMD is missing
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	apt_install "$2"
	command -v "$1" >/dev/null 2>&1 || die "$1 is still missing after installing $2"
}

apt_install() {
	[ "$(id -u)" = 0 ] || die "missing packages ($*); run as root or: apt-get install $*"
	step "apt-get install $*"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >"$CACHE/apt.log" 2>&1; then
		apt-get update -q >>"$CACHE/apt.log" 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$CACHE/apt.log" 2>&1 ||
			die "apt-get install $* failed; see $CACHE/apt.log"
	fi
}

mkdir -p "$CACHE"

# kunit.py fragments of the test kernel for ARCH: all erofs suites plus
# what the userspace tests and the guest runner need
kunit_args() {
	local frag=$REPO/tools/testing/selftests/erofs/config
	[ -f "$frag.$1" ] || die "no kernel fragment for arch $1"
	echo "--kunitconfig=$REPO/.kunitconfig --kunitconfig=$frag --kunitconfig=$frag.$1"
}
