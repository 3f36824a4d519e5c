#!/usr/bin/env python3
"""The trio of test_trio_six_vips.py over unicast: each instance's unicast_peers name the two
other hosts, and the switch floods no multicast to any director. Losing one host must still
spread its two VIPs over the other two, and its return must take them back.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from test_trio_six_vips import scenario  # noqa: E402

if __name__ == "__main__":
    vt.main(lambda ctx: scenario(ctx, unicast=True),
            "trio with six VIPs over unicast peers, cut one host, restore")
