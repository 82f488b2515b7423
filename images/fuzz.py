#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""fuzz.py --seed S --count N IMAGE...: print a mutation plan for the
valid fingerprinted EROFS images IMAGE... (scripts/fuzz.sh runs it; the
guest runner scripts/fuzz-guest.c applies it).  The plan is text, so no
mutant is ever stored:

    base INDEX PATH                 one line per seed image
    ID INDEX SIZE DESC OFF:HEX...   one line per mutant: the seed, its size
                                    after truncation, what was mutated,
                                    and the bytes written at each offset

Mutations are random bytes and bit flips, and structured ones that parse
the image as fs/erofs/erofs_fs.h lays it out: superblock fields (the
superblock checksum is recomputed, mostly), inode fields, inline xattr
headers and entries, the shared xattr area, the long xattr prefixes,
directory entries, and the fingerprint xattr (value length 0, 1, block
size and more, copied from another file, or its inode turned into a
directory, symlink or device).  One seed gives the same plan on every
machine.  fuzz.py --show ID PLAN prints one mutant's line again."""
import argparse
import random
import struct
import sys

EROFS_MAGIC = 0xE0F5E1E2
SB = 1024
COMPAT_SB_CHKSUM = 0x1
COMPAT_ISHARE = 0x20
FP_NAME_INDEX_LONG = 0x80

# superblock fields: name, offset in the superblock, width
SB_FIELDS = [
    ("magic", 0, 4), ("feature_compat", 8, 4), ("blkszbits", 12, 1),
    ("sb_extslots", 13, 1), ("root_nid", 14, 2), ("inos", 16, 8),
    ("build_time", 24, 8), ("blocks", 36, 4), ("meta_blkaddr", 40, 4),
    ("xattr_blkaddr", 44, 4), ("feature_incompat", 80, 4),
    ("available_compr_algs", 84, 2), ("extra_devices", 86, 2),
    ("devt_slotoff", 88, 2), ("dirblkbits", 90, 1),
    ("xattr_prefix_count", 91, 1), ("xattr_prefix_start", 92, 4),
    ("packed_nid", 96, 8), ("xattr_filter_reserved", 104, 1),
    ("ishare_xattr_prefix_id", 105, 1), ("reserved2", 106, 1),
]
COMPACT_FIELDS = [
    ("i_format", 0, 2), ("i_xattr_icount", 2, 2), ("i_mode", 4, 2),
    ("i_nlink", 6, 2), ("i_size", 8, 4), ("i_u", 16, 4), ("i_ino", 20, 4),
]
EXTENDED_FIELDS = [
    ("i_format", 0, 2), ("i_xattr_icount", 2, 2), ("i_mode", 4, 2),
    ("i_size", 8, 8), ("i_u", 16, 4), ("i_ino", 20, 4), ("i_nlink", 44, 4),
    ("i_mtime_nsec", 40, 4),
]
MODES = {"dir": 0o040755, "symlink": 0o120777, "chr": 0o020644,
         "fifo": 0o010644, "reg": 0o100644, "bad": 0o170000}


def crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = crc32c_table()


def crc32c(data, crc=0xFFFFFFFF):
    # the kernel's crc32c(~0, ...): no final inversion
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def u(data, off, width):
    return int.from_bytes(data[off:off + width], "little")


class Image:
    """the parts of an EROFS image a mutation aims at (byte offsets)"""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if u(d, SB, 4) != EROFS_MAGIC:
            sys.exit(f"fuzz.py: {path} is not an EROFS image")
        self.blkbits = d[SB + 12]
        self.bs = 1 << self.blkbits
        self.compat = u(d, SB + 8, 4)
        self.meta = u(d, SB + 40, 4) * self.bs
        self.xattr_start = u(d, SB + 44, 4) * self.bs
        self.pfx_count = d[SB + 91]
        self.fp_index = FP_NAME_INDEX_LONG | d[SB + 105]
        self.inodes = []	# (offset, extended, mode)
        self.xattr_hdrs = []	# offsets of inline xattr headers
        self.entries = []	# (offset, is_fingerprint) inline entries
        self.shared_ids = []	# offsets of h_shared_xattrs[] slots
        self.shared = set()	# offsets of shared xattr entries
        self.fps = []		# (entry offset, inode offset) fingerprints
        self.dirents = []	# offsets of erofs_dirent
        self.prefixes = []	# offsets of long prefix length fields
        self.walk(u(d, SB + 14, 2))
        pos = u(d, SB + 92, 4) * 4
        # prefixes in a packed inode (no PLAIN_XATTR_PFX): not aimed at
        plain = self.compat & 0x10 or not u(d, SB + 96, 8)
        for _ in range(self.pfx_count if plain else 0):
            pos = (pos + 3) & ~3
            if pos + 2 > len(d):
                break
            self.prefixes.append(pos)
            pos += 2 + u(d, pos, 2)

    def walk(self, root):
        d, seen, todo = self.data, set(), [root]
        while todo:
            nid = todo.pop()
            if nid in seen:
                continue
            seen.add(nid)
            off = self.meta + nid * 32
            if off + 64 > len(d):
                continue
            fmt = u(d, off, 2)
            ext = fmt & 1
            isize = 64 if ext else 32
            mode = u(d, off + 4, 2)
            size = u(d, off + 8, 8 if ext else 4)
            icount = u(d, off + 2, 2)
            xsize = 12 + 4 * (icount - 1) if icount else 0
            self.inodes.append((off, ext, mode))
            if icount:
                self.xattrs(off, off + isize, xsize)
            if mode & 0o170000 != 0o040000:
                continue
            layout = (fmt >> 1) & 7
            if layout not in (0, 2):
                continue
            nblocks = (size + self.bs - 1) // self.bs
            for i in range(nblocks):
                if layout == 2 and i == nblocks - 1:
                    base = off + isize + xsize
                else:
                    base = u(d, off + 16, 4) * self.bs + i * self.bs
                blen = min(self.bs, size - i * self.bs)
                if base + 12 > len(d):
                    break
                n = u(d, base + 8, 2) // 12
                for j in range(min(n, blen // 12)):
                    self.dirents.append(base + 12 * j)
                    todo.append(u(d, base + 12 * j, 8))

    def xattrs(self, ioff, hdr, xsize):
        d = self.data
        self.xattr_hdrs.append(hdr)
        shared = d[hdr + 4]
        for k in range(shared):
            slot = hdr + 12 + 4 * k
            self.shared_ids.append(slot)
            eoff = self.xattr_start + u(d, slot, 4) * 4
            if eoff + 4 <= len(d):
                self.shared.add(eoff)
                if d[eoff + 1] == self.fp_index:
                    self.fps.append((eoff, ioff))
        pos, end = hdr + 12 + 4 * shared, hdr + xsize
        while pos + 4 <= end:
            is_fp = d[pos + 1] == self.fp_index
            self.entries.append((pos, is_fp))
            if is_fp:
                self.fps.append((pos, ioff))
            pos += (4 + d[pos] + u(d, pos + 2, 2) + 3) & ~3


class Mutator:
    def __init__(self, img, rng):
        self.img, self.rng = img, rng
        self.patch = {}		# offset -> byte
        self.size = len(img.data)
        self.desc = []

    def put(self, off, data):
        for i, b in enumerate(data):
            if 0 <= off + i < len(self.img.data):
                self.patch[off + i] = b

    def byte(self, off):
        return self.patch.get(off, self.img.data[off] if off < len(self.img.data) else 0)

    def value(self, orig, width):
        r, top = self.rng, (1 << (8 * width)) - 1
        pick = r.choice([0, 1, top, top - 1, 1 << (8 * width - 1), "rand",
                         "plus", "minus", "flip", "double", "small"])
        if pick == "rand":
            return r.getrandbits(8 * width)
        if pick == "plus":
            return (orig + r.randint(1, 16)) & top
        if pick == "minus":
            return (orig - r.randint(1, 16)) & top
        if pick == "flip":
            return orig ^ (1 << r.randrange(8 * width))
        if pick == "double":
            return (orig * 2) & top
        if pick == "small":
            return r.randrange(0, 70) & top
        return pick

    def field(self, base, name, off, width, value=None):
        orig = u(self.img.data, base + off, width)
        v = self.value(orig, width) if value is None else value
        self.put(base + off, v.to_bytes(width, "little"))
        self.desc.append(f"{name}={v:#x}")

    # -- structured mutations
    def sb(self):
        name, off, width = self.rng.choice(SB_FIELDS)
        value = None
        if name == "blkszbits":
            value = self.rng.choice([0, 9, 10, 11, 13, 16, 255])
        elif name == "feature_compat" and self.rng.random() < 0.5:
            value = self.img.compat ^ self.rng.choice([0x10, 0x20, 0x4, 0x30])
        self.field(SB, "sb." + name, off, width, value)
        return True

    def inode(self):
        if not self.img.inodes:
            return False
        off, ext, mode = self.rng.choice(self.img.inodes)
        name, foff, width = self.rng.choice(EXTENDED_FIELDS if ext else COMPACT_FIELDS)
        value = None
        if name == "i_mode" and self.rng.random() < 0.5:
            value = MODES[self.rng.choice(list(MODES))]
        elif name == "i_format" and self.rng.random() < 0.6:
            value = (self.rng.randrange(8) << 1) | ext
        self.field(off, f"inode@{off:#x}." + name, foff, width, value)
        return True

    def xattr_hdr(self):
        if not self.img.xattr_hdrs:
            return False
        hdr = self.rng.choice(self.img.xattr_hdrs)
        name, off, width = self.rng.choice([("h_name_filter", 0, 4),
                                            ("h_shared_count", 4, 1),
                                            ("h_reserved2", 5, 1)])
        self.field(hdr, f"xhdr@{hdr:#x}." + name, off, width)
        return True

    def entry(self, off, what):
        name, foff, width = self.rng.choice([("e_name_len", 0, 1),
                                             ("e_name_index", 1, 1),
                                             ("e_value_size", 2, 2),
                                             ("e_name", 4, 1)])
        value = None
        if name == "e_name_index" and self.rng.random() < 0.6:
            value = self.rng.choice([0, 1, 4, 6, 7, 0x80, 0x81, 0x82, 0xff,
                                     self.img.fp_index])
        self.field(off, f"{what}@{off:#x}." + name, foff, width, value)
        return True

    def xattr_entry(self):
        if not self.img.entries:
            return False
        return self.entry(self.rng.choice(self.img.entries)[0], "xattr")

    def shared(self):
        r = self.rng
        if self.img.shared_ids and r.random() < 0.4:
            slot = r.choice(self.img.shared_ids)
            self.field(slot, f"shared_id@{slot:#x}", 0, 4)
            return True
        if not self.img.shared:
            return False
        return self.entry(r.choice(sorted(self.img.shared)), "shared")

    def prefix(self):
        r = self.rng
        if not self.img.prefixes:
            return False
        pos = r.choice(self.img.prefixes)
        if r.random() < 0.5:
            self.field(pos, f"prefix@{pos:#x}.len", 0, 2)
        else:
            k = r.randrange(0, 2 + self.img.data[pos])
            self.field(pos, f"prefix@{pos:#x}.byte{k}", 2 + k, 1)
        return True

    def dirent(self):
        if not self.img.dirents:
            return False
        off = self.rng.choice(self.img.dirents)
        name, foff, width = self.rng.choice([("nid", 0, 8), ("nameoff", 8, 2),
                                             ("file_type", 10, 1)])
        value = None
        if name == "nid" and self.rng.random() < 0.5:
            ioff = self.rng.choice(self.img.inodes)[0]
            value = (ioff - self.img.meta) // 32 + self.rng.choice([0, 0, 1, -1])
            value &= (1 << 64) - 1
        self.field(off, f"dirent@{off:#x}." + name, foff, width, value)
        return True

    def fingerprint(self):
        r, img = self.rng, self.img
        if not img.fps:
            return False
        eoff, ioff = r.choice(img.fps)
        kind = r.choice(["len", "len", "len", "copy", "byte", "mode", "index"])
        where = "shared" if eoff in img.shared else "inline"
        if kind == "len":
            v = r.choice([0, 1, img.bs, img.bs - 1, img.bs + 1, 0xFFFF,
                          u(img.data, eoff + 2, 2) + 4])
            self.field(eoff, f"fp.{where}@{eoff:#x}.e_value_size", 2, 2, v)
        elif kind == "copy":
            # another file's fingerprint: one key, other content or size
            src, _ = r.choice(img.fps)
            n = min(u(img.data, src + 2, 2), u(img.data, eoff + 2, 2))
            vs, vd = src + 4 + img.data[src], eoff + 4 + img.data[eoff]
            self.put(vd, img.data[vs:vs + n])
            self.desc.append(f"fp.{where}@{eoff:#x}.value=from@{src:#x}")
        elif kind == "byte":
            k = r.randrange(max(1, u(img.data, eoff + 2, 2)))
            self.field(eoff + 4 + img.data[eoff], f"fp.{where}@{eoff:#x}.value{k}", k, 1)
        elif kind == "mode":
            m = r.choice(["dir", "symlink", "chr", "fifo"])
            self.field(ioff, f"fp-inode@{ioff:#x}.i_mode.{m}", 4, 2, MODES[m])
        else:
            self.field(eoff, f"fp.{where}@{eoff:#x}.e_name_index", 1, 1,
                       r.choice([0x80, 0x81, 0x82, 0x84, 0xff, 4]))
        return True

    # -- unstructured
    def random_bytes(self):
        r, img = self.rng, self.img
        n = r.randint(1, 16)
        meta_end = max([o + 256 for o, _, _ in img.inodes] + [SB + img.bs])
        for _ in range(n):
            hi = meta_end if r.random() < 0.8 else len(img.data)
            off = r.randrange(SB, max(SB + 1, hi))
            self.put(off, bytes([r.getrandbits(8)]))
        self.desc.append(f"random{n}")
        return True

    def bitflip(self):
        r, img = self.rng, self.img
        n = r.randint(1, 8)
        for _ in range(n):
            off = r.randrange(SB, len(img.data))
            self.put(off, bytes([self.byte(off) ^ (1 << r.randrange(8))]))
        self.desc.append(f"bitflip{n}")
        return True

    def truncate(self):
        r, img = self.rng, self.img
        self.size = r.choice([r.randrange(SB, len(img.data)),
                              r.randrange(1, len(img.data) // img.bs + 1) * img.bs])
        self.desc.append(f"truncate={self.size}")
        return True

    KINDS = [("sb", 14), ("inode", 18), ("xattr_hdr", 7), ("xattr_entry", 10),
             ("fingerprint", 16), ("shared", 6), ("prefix", 6), ("dirent", 8),
             ("random_bytes", 9), ("bitflip", 4), ("truncate", 2)]

    def run(self):
        r = self.rng
        names = [k for k, _ in self.KINDS]
        weights = [w for _, w in self.KINDS]
        for _ in range(1 if r.random() < 0.8 else r.randint(2, 4)):
            for _ in range(10):
                if getattr(self, r.choices(names, weights)[0])():
                    break
        self.fix_crc()

    def fix_crc(self):
        img = self.img
        if not img.compat & COMPAT_SB_CHKSUM:
            return
        # the kernel sums 1 << blkszbits bytes (less the 1024 before the
        # superblock) of the superblock as mutated
        bits = self.byte(SB + 12)
        if bits > 16:
            return
        length = 1 << bits
        if length > SB:
            length -= SB
        end = SB + length
        if not any(SB <= o < end for o in self.patch):
            return
        if self.rng.random() < 0.1:
            self.desc.append("stale-crc")
            return
        sbb = bytearray(self.byte(o) for o in range(SB, end))
        sbb[4:8] = bytes(4)
        self.put(SB + 4, struct.pack("<I", crc32c(bytes(sbb))))

    def line(self):
        # runs of consecutive bytes as one OFF:HEX
        out, run_off, run = [], None, bytearray()
        for off in sorted(self.patch):
            if run_off is not None and off == run_off + len(run):
                run.append(self.patch[off])
                continue
            if run_off is not None:
                out.append(f"{run_off}:{run.hex()}")
            run_off, run = off, bytearray([self.patch[off]])
        if run_off is not None:
            out.append(f"{run_off}:{run.hex()}")
        return f"{self.size} {','.join(self.desc) or '-'} {' '.join(out)}".rstrip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--show", nargs=2, metavar=("ID", "PLAN"))
    ap.add_argument("images", nargs="*")
    a = ap.parse_args()
    if a.show:
        with open(a.show[1]) as f:
            for line in f:
                if line.startswith(a.show[0] + " ") or line.startswith("base "):
                    print(line, end="")
        return
    imgs = [Image(p) for p in a.images]
    for i, img in enumerate(imgs):
        print(f"base {i} {img.path}")
    for n in range(a.count):
        i = n % len(imgs)
        m = Mutator(imgs[i], random.Random(f"{a.seed}/{n}"))
        m.run()
        print(f"{n} {i} {m.line()}")


main()
