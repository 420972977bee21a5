#!/usr/bin/env python3
"""Writes each frame of `[u32 little-endian length][frame]...` captures to OUTDIR/<n> (fuzz seeds)."""
import struct
import sys
from pathlib import Path

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
count = 0
for capture in sys.argv[2:]:
    data = Path(capture).read_bytes()
    pos = 0
    while pos + 4 <= len(data):
        (length,) = struct.unpack_from('<I', data, pos)
        (out / f'{count:05d}').write_bytes(data[pos + 4:pos + 4 + length])
        pos += 4 + length
        count += 1
