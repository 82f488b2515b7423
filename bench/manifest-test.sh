#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# manifest-test.sh: check the input of the bench's theoretical limit on a
# small synthetic tree: bench/manifest.py lists each inode once (a file
# with three hard links is one line; a copy with its own inode is its own
# line; symlinks, FIFOs and directories are no lines), report.py's limit
# counts pages per inode, and a manifest cached by the older manifest.py
# (one line per path) is made again from its tree, or refused when the
# tree is gone.  Each check is one result; writes "PASSED FAILED 0" to
# $RESULTS/manifest-test when RESULTS is set.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
ko() { echo "manifest-test: $*" >&2; fail=$((fail + 1)); }

# check NAME GOT WANT
check() { if [ "$2" = "$3" ]; then ok; else ko "$1: got '$2', want '$3'"; fi; }

t=$tmp/tree
mkdir -p "$t/sub"
head -c 5000 /dev/zero | tr '\0' a >"$t/a"	# 2 pages
ln "$t/a" "$t/a-link"
ln "$t/a" "$t/sub/a-link2"
cp "$t/a" "$t/b"				# same digest, own inode
head -c 4096 /dev/zero | tr '\0' c >"$t/c"	# 1 page
: >"$t/empty"					# 0 pages
ln -s a "$t/sym"
mkfifo "$t/fifo"				# opened, it would block

sha() { sha256sum "$1" | cut -d' ' -f1; }
want="# manifest v2: one line per inode (st_dev, st_ino): pages sha256 path
2 $(sha "$t/a") a
2 $(sha "$t/a") b
1 $(sha "$t/c") c
0 $(sha "$t/empty") empty"

got=$(timeout 60 python3 "$REPO/bench/manifest.py" "$t") || ko "manifest.py failed"
check "one line per inode, first path in walk order" "$got" "$want"
echo "$got" >"$tmp/t.manifest"

# limit TREES...: "total distinct limit" of report.py for those manifests
limit() {
	python3 - "$REPO/bench" "$@" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import report
total, distinct, lim = report.limit([report.read_manifest(m) for m in sys.argv[2:]])
print(total, distinct, f'{lim:.4f}')
EOF
}
# a, b, c: 5 pages, 3 distinct (per path it would be 9 and 3)
check "limit of one tree" "$(limit "$tmp/t.manifest")" "5 3 0.4000"
# the same tree mounted twice: every inode counts once per mount
check "limit of one tree mounted twice" \
	"$(limit "$tmp/t.manifest" "$tmp/t.manifest")" "10 3 0.7000"

# a manifest of the older manifest.py: no header, one line per path
cat >"$tmp/old.manifest" <<EOF
2 $(sha "$t/a") a
2 $(sha "$t/a") a-link
2 $(sha "$t/a") b
1 $(sha "$t/c") c
0 $(sha "$t/empty") empty
2 $(sha "$t/a") sub/a-link2
EOF
cp "$tmp/old.manifest" "$tmp/gone.manifest"
got=$(python3 - "$REPO/bench" "$tmp/old.manifest" "$t" <<'EOF' 2>/dev/null
import sys
sys.path.insert(0, sys.argv[1])
import report
print(report.read_manifest(sys.argv[2], sys.argv[3]))
EOF
) || ko "read_manifest of an older manifest failed"
check "an older manifest is made again from its tree" "$got" \
	"[(2, '$(sha "$t/a")'), (2, '$(sha "$t/a")'), (1, '$(sha "$t/c")'), (0, '$(sha "$t/empty")')]"
check "and rewritten in the cache" "$(cat "$tmp/old.manifest")" "$want"

if python3 - "$REPO/bench" "$tmp/gone.manifest" "$tmp/no-such-tree" <<'EOF' 2>/dev/null
import sys
sys.path.insert(0, sys.argv[1])
import report
report.read_manifest(sys.argv[2], sys.argv[3])
EOF
then ko "an older manifest whose tree is gone was accepted"; else ok; fi

echo "manifest-test: $pass passed, $fail failed"
[ -n "${RESULTS:-}" ] && echo "$pass $fail 0" >"$RESULTS/manifest-test"
[ "$fail" -eq 0 ]
