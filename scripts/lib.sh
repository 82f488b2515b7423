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

# kernel_arch FLAVOUR: the architecture a test kernel flavour builds for
# and boots as: um, x86_64, the debug kernels um-debug (UML) and
# x86_64-debug (QEMU, SMP), x86_64-fuzz (x86_64-debug without
# EROFS_FS_DEBUG, for corrupt images), or upstream (unpatched Linux >= 7.0
# from scripts/upstream-tree.sh, a benchmark peer)
kernel_arch() {
	case $1 in
	um | um-debug) echo um ;;
	x86_64 | x86_64-debug | x86_64-fuzz | upstream) echo x86_64 ;;
	*) die "unknown kernel flavour $1 (um, um-debug, x86_64, x86_64-debug, x86_64-fuzz or upstream)" ;;
	esac
}

# fuzz_fragment: config.x86_64-debug with EROFS_FS_DEBUG off.  Its
# DBG_BUGON()s are BUG()s that stock erofs hits on purpose on inconsistent
# images (its Kconfig help: "enable more BUG_ONs which check the
# filesystem consistency"), so corrupt images are fuzzed without them.
fuzz_fragment() {
	local frag=$REPO/tools/testing/selftests/erofs/config.x86_64-debug
	local out=$CACHE/build/config.x86_64-fuzz

	mkdir -p "$CACHE/build"
	{ grep -v '^CONFIG_EROFS_FS_DEBUG=' "$frag"
	  echo '# CONFIG_EROFS_FS_DEBUG is not set'; } >"$out.tmp"
	mv "$out.tmp" "$out"
	echo "$out"
}

# kunit.py fragments of the test kernel FLAVOUR: all erofs suites plus
# what the userspace tests and the guest runner need (config.ARCH), plus
# config.FLAVOUR for a debug flavour; upstream has its own config.upstream
# (upstream Linux has none of our suites)
kunit_args() {
	local frag=$REPO/tools/testing/selftests/erofs/config arch
	if [ "$1" = upstream ]; then
		[ -f "$frag.upstream" ] || die "no kernel fragment for upstream"
		echo "--kunitconfig=$frag.upstream"
		return
	fi
	arch=$(kernel_arch "$1")
	printf -- '--kunitconfig=%s ' "$REPO/fs/erofs/.kunitconfig" "$frag" "$frag.$arch"
	if [ "$1" = x86_64-fuzz ]; then
		printf -- '--kunitconfig=%s ' "$(fuzz_fragment)"
	elif [ "$1" != "$arch" ]; then
		[ -f "$frag.$1" ] || die "no kernel fragment for $1"
		printf -- '--kunitconfig=%s ' "$frag.$1"
	fi
	echo
}

# The series (fs/erofs/patches/series): each line a patch, then the new
# files the same change adds: NAME for fs/erofs/NAME, a repository-relative
# path (tools/testing/selftests/erofs/x.c) for any other file, or DIR/ for
# every file under the repository's DIR.  A new file is kept at its final
# state; later patches may change it (see apply-erofs.sh, series-import.sh).
SERIES_DIR=$REPO/fs/erofs/patches

# series_files ENTRY...: the repository-relative files the entries name
series_files() {
	local e
	for e in "$@"; do
		case $e in
		*/) [ -d "$REPO/$e" ] || die "series names a missing directory: $e"
		    (cd "$REPO" && find "${e%/}" -type f | LC_ALL=C sort) ;;
		*/*) echo "$e" ;;
		*) echo "fs/erofs/$e" ;;
		esac
	done
}

# patch_paths PATCH: the files a patch changes (both sides of a rename)
patch_paths() {
	sed -n 's|^diff --git a/\([^ ]*\) b/\([^ ]*\)$|\1\n\2|p' "$1" | LC_ALL=C sort -u
}

# patch_sections keep|drop LIST PATCH: PATCH with only (keep) or without
# (drop) the sections of the files named in the file LIST, one path a line;
# keep prints the sections alone, drop the mail around the rest as well.
# Hunks are followed by their line counts, so that a removed line that
# reads "- " is never taken for the mail's "-- " signature.
patch_sections() {
	awk -v mode="$1" -v list="$2" '
	BEGIN {
		while ((getline f <list) > 0)
			named[f] = 1
		insec = 0; sel = 0; old = 0; new = 0
	}
	function out() {
		if ((mode == "keep") == (insec && sel))
			print
	}
	old > 0 || new > 0 {
		c = substr($0, 1, 1)
		if (c == "-") old--
		else if (c == "+") new--
		else if (c != "\\") { old--; new-- }
		out()
		next
	}
	/^diff --git / {
		insec = 1
		sel = (substr($3, 3) in named) || (substr($4, 3) in named)
		out()
		next
	}
	insec && /^@@ / {
		n = split(substr($2, 2), a, ","); old = n > 1 ? a[2] + 0 : 1
		n = split(substr($3, 2), a, ","); new = n > 1 ? a[2] + 0 : 1
		out()
		next
	}
	insec && $0 == "-- " { insec = 0 }
	{ out() }
	' "$3"
}
