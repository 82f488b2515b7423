#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# upstream-probe.py IMAGES: run as root inside a test guest (see
# upstream-probe.sh).  Mounts pairs of images from IMAGES (images/build.sh
# output plus digest-lz4hc.erofs) with -o inode_share,domain_id=...,
# file-backed or through a loop device, reads a file through the first
# mount and counts with mincore() how much of it the second mount's mapping
# of that file already holds: all of it means one shared page cache.  Also
# checks the data (cmp against the source tree) and what the options accept.
# Images stay where they are: file-backed mounts need a backing file system
# with ->read_folio (the guest's 9p root has it, tmpfs does not).
import ctypes, ctypes.util, mmap, os, re, subprocess, sys

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
		      ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
PAGE = os.sysconf("SC_PAGE_SIZE")
images = sys.argv[1]
RAND, TEXT = "random-1048699", "text-1048699"
n = failed = 0


def sh(*cmd):
	return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def mount(img, mnt, mode, opts):
	"""mode file: file-backed (mount(2) on the image); loop: loop device"""
	src = os.path.join(images, img + ".erofs")
	if mode == "loop":
		src = sh("losetup", "-r", "-f", "--show", src)
	os.makedirs(mnt, exist_ok=True)
	if libc.mount(src.encode(), mnt.encode(), b"erofs", 1, opts.encode()):
		err = ctypes.get_errno()
		if mode == "loop":
			sh("losetup", "-d", src)
		return os.strerror(err)
	return None


def umount_all():
	for mnt in ("/tmp/a", "/tmp/b"):
		if os.path.ismount(mnt):
			libc.umount(mnt.encode())
	subprocess.run(["losetup", "-D"], check=False)
	with open("/proc/sys/vm/drop_caches", "w") as f:
		f.write("3")


def resident(path):
	"""pages of path that its own mapping finds in the page cache"""
	size = os.path.getsize(path)
	fd = os.open(path, os.O_RDONLY)
	addr = libc.mmap(None, size, 1, 1, fd, 0)	# PROT_READ, MAP_SHARED
	os.close(fd)
	pages = (size + PAGE - 1) // PAGE
	vec = ctypes.create_string_buffer(pages)
	libc.mincore(ctypes.c_void_p(addr), size, vec)
	libc.munmap(ctypes.c_void_p(addr), size)
	return sum(b & 1 for b in vec.raw), pages


def report(ok, desc):
	global n, failed
	n += 1
	failed += not ok
	print(("ok" if ok else "not ok"), n, desc, flush=True)


def pair(fname, a, ma, b, mb, opts_a, opts_b, expect, how="read"):
	"""expect: True shared, False not shared; how a is read: read, mmap
	or sendfile"""
	desc = f"{fname}: {a}({ma}) {b}({mb}) -o {opts_a} / {opts_b}, {how}"
	umount_all()
	err = mount(a, "/tmp/a", ma, opts_a) or mount(b, "/tmp/b", mb, opts_b)
	if err:
		report(False, f"{desc}: mount failed: {err}")
		return
	fa, fb = "/tmp/a/" + fname, "/tmp/b/" + fname
	with open(fa, "rb") as f:
		if how == "mmap":
			m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
			sum(m[i] for i in range(0, len(m), PAGE))
			m.close()
		elif how == "sendfile":
			with open("/dev/null", "wb") as null:
				while os.sendfile(null.fileno(), f.fileno(), None, 1 << 20):
					pass
		else:
			while f.read(1 << 20):
				pass
	got, pages = resident(fb)
	same = subprocess.run(["cmp", fa, fb]).returncode == 0 and \
		subprocess.run(["cmp", fa, os.path.join(images, "tree", fname)]).returncode == 0
	shared = got == pages
	report(same and shared == expect,
	       f"{desc}: {got}/{pages} pages of b resident after reading a "
	       f"({'shared' if shared else 'not shared'}, expected {'shared' if expect else 'not shared'})"
	       f"{'' if same else ', DATA DIFFERS'}")


subprocess.run(["dmesg", "-C"], check=False)

S, D1, D2 = "inode_share,domain_id=d1", "domain_id=d1", "inode_share,domain_id=d2"
print(f"# kernel {os.uname().release}")
# one layout, two images
for ma, mb in (("file", "file"), ("loop", "loop"), ("file", "loop")):
	pair(RAND, "digest", ma, "digest-copy", mb, S, S, ma == mb)
pair(RAND, "digest", "file", "digest-copy", "file", S, S, True, "mmap")
# upstream's splice_read is filemap_splice_read on the erofs file itself,
# so sendfile/splice fill the file's own, unshared page cache
pair(RAND, "digest", "file", "digest-copy", "file", S, S, False, "sendfile")
pair(RAND, "digest", "file", "digest-copy", "file", "ro", "ro", False)
pair(RAND, "digest", "file", "digest-copy", "file", D1, D1, False)
pair(RAND, "digest", "file", "digest-copy", "file", S, D2, False)
# across layouts (both file-backed, then both loop); layouts of RAND: 2
# (flat inline) in digest and digest-lz4hc (incompressible), 4 (chunks)
# in digest-chunk, 3 (compact compressed) in digest-lz4; of TEXT: 2 in
# digest, 1 (compressed, in the fragment) in digest-lz4, 3 in digest-lz4hc
# and digest-tail
for mode in ("file", "loop"):
	pair(RAND, "digest", mode, "digest-chunk", mode, S, S, True)
	pair(RAND, "digest", mode, "digest-lz4hc", mode, S, S, True)
	pair(RAND, "digest-lz4", mode, "digest-lz4hc", mode, S, S, False)
	pair(TEXT, "digest-lz4", mode, "digest-lz4hc", mode, S, S, True)
	pair(TEXT, "digest-tail", mode, "digest-lz4hc", mode, S, S, True)
	pair(TEXT, "digest", mode, "digest-lz4hc", mode, S, S, False)
	pair(TEXT, "digest-lz4", mode, "lz4hc", mode, S, S, False)
pair(TEXT, "digest-lz4", "file", "digest-lz4hc", "loop", S, S, True)
umount_all()

# options and odd cases
report(mount("digest", "/tmp/a", "file", "inode_share") is not None,
       "inode_share without domain_id is refused")
umount_all()
report(mount("plain", "/tmp/a", "file", S) is None,
       "an image without fingerprints mounts with inode_share (unshared)")
umount_all()
mount("digest", "/tmp/a", "file", S)
try:
	os.close(os.open("/tmp/a/" + RAND, os.O_RDONLY | os.O_DIRECT))
	report(False, "O_DIRECT open of a shared file is refused (it was accepted)")
except OSError as e:
	report(True, f"O_DIRECT open of a shared file is refused ({e.strerror})")
with open("/tmp/a/" + RAND, "rb") as f:
	m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
	print("# /proc/self/maps: " + [l for l in open("/proc/self/maps") if RAND in l][0].strip())
	m.close()
print("# /proc/mounts: " + [l for l in open("/proc/mounts") if "/tmp/a" in l][0].strip())
umount_all()
print("# erofs kernel messages (distinct, without time stamp and device):")
seen = set()
for line in sh("dmesg").splitlines():
	msg = re.sub(r"^\[[ .0-9]*\] |\(device [^)]*\)", "", line)
	if "erofs" in line.lower() and msg not in seen:
		seen.add(msg)
		print("#   " + msg)
print(f"# {n - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
