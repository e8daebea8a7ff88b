#!/usr/bin/env python3
"""Regenerates the seed corpora of fuzz_netlink and fuzz_pfroute from the
test fixtures, so the fuzzers start from messages a kernel really sends:

  tests/fuzz/make-seeds.py            (from the source root or anywhere)

corpus_netlink/: every tests/data/netlink/*.nl capture whole, and each of
its messages alone. corpus_pfroute/: the literal per-OS messages of
tests/unit/test_pfroute_parse.c, plus one message of each kind per layout
built from the offsets in backends/pfroute/abi.h. A pfroute seed starts with
the harness's selector byte (layout in bits 0-1, own-pid check in bit 2).
Files named crash-* are inputs that once found a bug: they are kept.
"""
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ = os.path.join(ROOT, "tests", "fuzz")
LAYOUTS = ["FREEBSD", "MACOS", "OPENBSD", "NETBSD"]


def clean(corpus):
    os.makedirs(corpus, exist_ok=True)
    for name in os.listdir(corpus):
        if not name.startswith("crash-"):
            os.unlink(os.path.join(corpus, name))


def write(corpus, name, data):
    with open(os.path.join(corpus, name), "wb") as f:
        f.write(data)


def netlink_seeds():
    corpus = os.path.join(FUZZ, "corpus_netlink")
    clean(corpus)
    data_dir = os.path.join(ROOT, "tests", "data", "netlink")
    for name in sorted(os.listdir(data_dir)):
        if not name.endswith(".nl"):
            continue
        blob = open(os.path.join(data_dir, name), "rb").read()
        base = name[:-3]
        write(corpus, base, blob)
        off = i = 0
        while off + 16 <= len(blob):
            (length,) = struct.unpack_from("=I", blob, off)
            if length < 16 or off + length > len(blob):
                break
            write(corpus, "%s-%03d" % (base, i), blob[off:off + length])
            off += (length + 3) & ~3
            i += 1


def c_int(text):
    text = text.strip()
    if text.startswith("'"):
        return ord(text[1])
    return int(text, 0)


def literal_fixtures():
    """The `static const uint8_t name[size] = { [i] = v, ... };` arrays."""
    src = open(os.path.join(ROOT, "tests", "unit", "test_pfroute_parse.c")).read()
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    pat = re.compile(r"static const uint8_t (\w+)\[([^\]]+)\] = \{(.*?)\};", re.S)
    for name, size, body in pat.findall(src):
        if not re.fullmatch(r"[\d\s+]+", size):
            continue
        buf = bytearray(sum(int(x) for x in size.split("+")))
        for idx, val in re.findall(r"\[(\d+)\]\s*=\s*('.'|0x[0-9a-fA-F]+|\d+)", body):
            buf[int(idx)] = c_int(val)
        yield name, bytes(buf)


def abi_numbers():
    text = open(os.path.join(ROOT, "backends", "pfroute", "abi.h")).read()
    return {k: int(v, 0) for k, v in re.findall(r"#define (PFR_\w+)\s+(0x[0-9a-fA-F]+|\d+)", text)}


def pfroute_seeds():
    corpus = os.path.join(FUZZ, "corpus_pfroute")
    clean(corpus)
    for name, msg in literal_fixtures():
        for i, os_name in enumerate(LAYOUTS):
            if name.startswith(os_name.lower()):
                write(corpus, "literal-" + name, bytes([i]) + msg)
                write(corpus, "literal-%s-ownpid" % name, bytes([i | 4]) + msg)
    n = abi_numbers()
    for sel, os_name in enumerate(LAYOUTS):
        def num(key, default=None):
            return n.get("PFR_%s_%s" % (os_name, key), n.get("PFR_" + key, default))

        align = num("SA_ALIGN")

        def sa_in(addr):
            sa = bytearray(16)
            sa[0], sa[1] = 16, 2
            sa[4:8] = bytes(addr)
            return bytes(sa)

        def pad(b):
            return b + bytes((-len(b)) % align)

        def header(size, mtype, hdrlen_key):
            h = bytearray(size)
            h[2], h[3] = num("VERSION"), mtype
            if hdrlen_key and num(hdrlen_key) is not None:
                struct.pack_into("=H", h, num(hdrlen_key), size)
            return h

        def finish(h, body):
            msg = h + body
            struct.pack_into("=H", msg, 0, len(msg))
            return bytes(msg)

        msgs = {}
        # RTM_ADD and RTM_DELETE of 10.9.0.0/16 via 10.0.0.1 on ifindex 2
        for mtype, label in ((n["PFR_RTM_ADD"], "route-add"), (n["PFR_RTM_DELETE"], "route-del")):
            h = header(num("RT_SIZE"), mtype, "RT_HDRLEN")
            struct.pack_into("=H", h, num("RT_INDEX"), 2)
            struct.pack_into("=I", h, num("RT_FLAGS"), 0x803)  # UP | GATEWAY | STATIC
            struct.pack_into("=I", h, num("RT_ADDRS"), 0x7)
            struct.pack_into("=i", h, num("RT_PID"), 1337)
            mask = bytearray(8)
            mask[0], mask[4], mask[5] = 6, 255, 255
            body = pad(sa_in([10, 9, 0, 0])) + pad(sa_in([10, 0, 0, 1])) + pad(bytes(mask[:6]))
            msgs[label] = finish(h, body)
        # RTM_IFINFO: ifindex 3 up, named v0 in an RTA_IFP sockaddr_dl
        h = header(num("IFM_SIZE"), num("RTM_IFINFO"), "IFM_HDRLEN")
        struct.pack_into("=I", h, num("IFM_ADDRS"), 0x10)
        struct.pack_into("=I", h, num("IFM_FLAGS"), 0x41)
        struct.pack_into("=H", h, num("IFM_INDEX"), 3)
        if num("IFM_LINK_STATE") is not None:
            h[num("IFM_LINK_STATE")] = 2
        dl = bytearray(20)
        dl[0], dl[1], dl[2], dl[5] = 20, 18, 3, 2
        dl[8:10] = b"v0"
        msgs["ifinfo"] = finish(h, pad(bytes(dl)))
        # RTM_NEWADDR 10.0.0.5/24 on ifindex 3
        h = header(num("IFAM_SIZE"), num("RTM_NEWADDR"), "IFAM_HDRLEN")
        struct.pack_into("=I", h, num("IFAM_ADDRS"), 0x24)
        struct.pack_into("=H", h, num("IFAM_INDEX"), 3)
        mask = bytearray(7)
        mask[0], mask[4], mask[5], mask[6] = 7, 255, 255, 255
        msgs["newaddr"] = finish(h, pad(bytes(mask)) + pad(sa_in([10, 0, 0, 5])))
        # RTM_IFANNOUNCE departure of ifindex 3
        if num("RTM_IFANNOUNCE") is not None:
            h = header(num("IFAN_SIZE"), num("RTM_IFANNOUNCE"), "IFAN_HDRLEN")
            struct.pack_into("=H", h, num("IFAN_INDEX"), 3)
            h[num("IFAN_NAME"):num("IFAN_NAME") + 2] = b"v0"
            struct.pack_into("=H", h, num("IFAN_WHAT"), 1)
            msgs["ifannounce"] = finish(h, b"")
        if num("RTM_DESYNC") is not None:
            msgs["desync"] = finish(header(num("RT_SIZE"), num("RTM_DESYNC"), None), b"")
        # a multipath route as a sysctl dump lists it: two RTM_GET entries
        # for 10.9.0.0/16 (via 10.0.0.1 on ifindex 2, via 10.0.0.2 on 3),
        # then another destination
        mpath = []
        for dst, gw, ifindex in (([10, 9, 0, 0], [10, 0, 0, 1], 2), ([10, 9, 0, 0], [10, 0, 0, 2], 3),
                                 ([10, 8, 0, 0], [10, 0, 0, 1], 2)):
            h = header(num("RT_SIZE"), n["PFR_RTM_GET"], "RT_HDRLEN")
            struct.pack_into("=H", h, num("RT_INDEX"), ifindex)
            struct.pack_into("=I", h, num("RT_FLAGS"), 0x803 | (num("RTF_MPATH") or 0))
            struct.pack_into("=I", h, num("RT_ADDRS"), 0x7)
            mask = bytearray(6)
            mask[0], mask[4], mask[5] = 6, 255, 255
            mpath.append(finish(h, pad(sa_in(dst)) + pad(sa_in(gw)) + pad(bytes(mask))))
        write(corpus, "%s-mpath-dump" % os_name.lower(), bytes([sel]) + b"".join(mpath))
        for label, msg in msgs.items():
            write(corpus, "%s-%s" % (os_name.lower(), label), bytes([sel]) + msg)
        # a sysctl dump: every message in one buffer
        write(corpus, "%s-dump" % os_name.lower(), bytes([sel]) + b"".join(msgs.values()))


def main():
    netlink_seeds()
    pfroute_seeds()
    for c in ("corpus_netlink", "corpus_pfroute"):
        print("%s: %d files" % (c, len(os.listdir(os.path.join(FUZZ, c)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
