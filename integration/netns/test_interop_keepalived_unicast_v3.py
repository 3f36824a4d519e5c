#!/usr/bin/env python3
"""Interop over unicast, VRRPv3: vipd (unicast_peers) and keepalived 2.2.7 (unicast_peer) elect,
fail over both ways, never two masters, with the switch flooding no multicast to either side.

The steps are in vipdtest/interop.py. --engine keepalived runs keepalived on both sides
(validates the scenario itself).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import vipdtest as vt  # noqa: E402
from vipdtest import interop  # noqa: E402

if __name__ == "__main__":
    vt.main(lambda ctx: interop.run(ctx, version=3, unicast=True),
            "vipd/keepalived interop over unicast, VRRPv3", tools=("ip", "keepalived"))
