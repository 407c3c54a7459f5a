#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""mutate.py IN OUT SEED: copy the image IN to OUT with a few bytes changed.

Only blocks (1 KiB) that hold something are changed, so that the changes
land in metadata and directories rather than in free space: 1 to 24 bytes,
each set to a random value, to 0, to 0xff, or flipped in one bit, chosen
by SEED.  For the hostile-image tests (180) and make fuzz.
"""
import random
import sys


def main():
    src, dst, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)
    data = bytearray(open(src, "rb").read())
    bs = 1024
    used = [b for b in range(len(data) // bs)
            if any(data[b * bs:(b + 1) * bs])]
    if not used:
        sys.exit("mutate.py: %s is all zeros" % src)
    for _ in range(rng.randint(1, 24)):
        pos = rng.choice(used) * bs + rng.randrange(bs)
        how = rng.randrange(4)
        if how == 0:
            data[pos] = rng.randrange(256)
        elif how == 1:
            data[pos] = 0
        elif how == 2:
            data[pos] = 0xff
        else:
            data[pos] ^= 1 << rng.randrange(8)
    with open(dst, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
