"""Whether an IPv4 address is local to a process's network namespace, read without a process
of our own: /proc/PID/net/fib_trie lists every local address as a "/32 host LOCAL" leaf. Cheap
enough to poll every 10 ms while a big IPVS table goes in (polling `ip` or /proc/net/ip_vs is
not)."""


def has_local_address(pid: int, address: str) -> bool:
    """`address` is up in the namespace of `pid` (False once the process or namespace is gone)."""
    try:
        with open(f"/proc/{pid}/net/fib_trie") as f:
            text = f.read()
    except OSError:
        return False
    leaf = f"|-- {address}\n"
    at = text.find(leaf)
    while at >= 0:
        nxt = text.find("|--", at + 4)
        if "host LOCAL" in text[at:nxt if nxt >= 0 else len(text)]:
            return True
        at = text.find(leaf, at + 4)
    return False
