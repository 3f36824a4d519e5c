#!/usr/bin/env python3
"""Runs one command as root inside a throw-away VM on a Debian kernel (the vm test tiers).

    run-in-vm.py [--kernel 6.1|5.10] [options] [--] COMMAND [ARG...]

The guest boots the kernel unpacked by prepare.sh (cache/<series>/: 6.1 is Debian 12's, the
default; 5.10 Debian 11's) under qemu (software emulation), sees this
host's root file system read-only over virtio-9p under a tmpfs overlay (so it can write
anywhere, and nothing it writes reaches the host), runs COMMAND in the current directory with
PATH set, and powers off. COMMAND's output goes to the serial console, which is copied to
stdout; the exit status comes back through a small writable 9p share (the job directory).
With --systemd, /init hands over to systemd as PID 1 (switch_root) and COMMAND runs as the
service vipd-vm-job.service, the only unit the boot target asks for; it powers off when done.

Exit status: COMMAND's, 77 when qemu or the kernel cache is missing (the tier is skipped),
124 on timeout, 125 when the VM failed before or around COMMAND.
Standard library only.
"""

import argparse
import ctypes
import hashlib
import os
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
K_SKIP = 77
K_TIMEOUT = 124
K_VM_FAILED = 125
# Modules the initramfs itself needs to reach the root: everything else is loaded from the
# host-shared tree later. Debian's 6.1 and 5.10 configs both build these as modules (serial,
# tmpfs, devtmpfs and PCI are built in); on 5.10, 9p also pulls in fscache through
# modules.dep. One that a kernel builds in (modules.builtin) is simply not copied.
K_BOOT_MODULES = ("virtio_pci", "9pnet_virtio", "9p", "overlay")
# The kernels prepare.sh can fetch: series -> what it is (for messages).
K_KERNELS = {"6.1": "Debian 12 (bookworm)", "5.10": "Debian 11 (bullseye)"}
K_DEFAULT_LOAD = "ip_vs,ip_vs_rr,ip_vs_wrr,ip_vs_sh,dummy,veth"
# Environment passed to COMMAND besides these: every VIPD_* variable of the caller.
K_ENV_KEEP = ("TERM", "LANG", "PYTHONPATH")
# --systemd: the job's target only; no /etc/fstab mounts (the guest has no disks); the host's
# enabled units that reach out (NTP) or expect real hardware stay masked; status lines only for
# failures. The host root is shared, so these would otherwise come from its configuration.
K_SYSTEMD_APPEND = ("systemd.unit=vipd-vm-job.target fstab=no systemd.show_status=error "
                    "systemd.mask=systemd-timesyncd.service systemd.mask=systemd-pstore.service "
                    "systemd.mask=systemd-firstboot.service systemd.mask=systemd-repart.service "
                    "systemd.mask=systemd-random-seed.service")
# The console line /init prints last, also when it fails before the job runs.
K_MARKER = "VIPD_VM_EXIT="
# The kernel's last words on a clean power-off: noise in a test log.
K_POWER_DOWN = re.compile(r"^\[ *[0-9.]+\] reboot: Power down$")


def log(msg):
    print(f"run-in-vm: {msg}", file=sys.stderr, flush=True)


def skip(msg):
    log(f"SKIP: {msg}")
    sys.exit(K_SKIP)


def kernel_cache(base, series):
    """The directory of one kernel series under the cache base: cache/<series>/. A 6.1 cache of
    the layout before there were two kernels (kernel.ready at the top) is still found there."""
    cache = os.path.join(base, series)
    if series == "6.1" and not os.path.isfile(os.path.join(cache, "kernel.ready")) and \
            os.path.isfile(os.path.join(base, "kernel.ready")):
        return base
    return cache


def kernel_version(cache):
    try:
        with open(os.path.join(cache, "kernel.ready"), encoding="ascii") as f:
            kver = f.read().strip()
    except OSError:
        return None
    root = os.path.join(cache, "root")
    if not os.path.isfile(os.path.join(root, "boot", f"vmlinuz-{kver}")):
        return None
    return kver


def module_deps(moddir):
    """modules.dep as {name: (path, [dependency paths])}."""
    deps = {}
    with open(os.path.join(moddir, "modules.dep"), encoding="ascii") as f:
        for line in f:
            path, _, rest = line.partition(":")
            name = os.path.basename(path)[: -len(".ko")]
            deps[name] = (path, rest.split())
    return deps


def builtin_modules(moddir):
    """Names of the modules this kernel has built in (modules.builtin), '-' spelt '_'."""
    try:
        with open(os.path.join(moddir, "modules.builtin"), encoding="ascii") as f:
            return {os.path.basename(line.strip())[: -len(".ko")].replace("-", "_")
                    for line in f if line.strip().endswith(".ko")}
    except OSError:
        return set()


def load_order(moddir, wanted):
    """Module paths in an order insmod accepts: each after all of its dependencies. A wanted
    module the kernel has built in is left out (nothing to load)."""
    deps = module_deps(moddir)
    builtin = builtin_modules(moddir)
    by_path = {path: d for path, d in deps.values()}
    order = []

    def visit(path):
        if path in order:
            return
        for dep in by_path[path]:
            visit(dep)
        order.append(path)

    for name in wanted:
        key = name.replace("-", "_")
        if key not in deps and key in builtin:
            continue
        if key not in deps:
            raise SystemExit(f"run-in-vm: module {name} is not in {moddir}/modules.dep")
        visit(deps[key][0])
    return order


def build_initramfs(cache, kver):
    """The cached initramfs: busybox, /init, the boot modules. Rebuilt when an input changes."""
    moddir = os.path.join(cache, "root", "lib", "modules", kver)
    busybox = shutil.which("busybox", path="/bin:/usr/bin")
    if busybox is None:
        skip("busybox-static is not installed (scripts/install-deps.sh)")
    if shutil.which("cpio") is None:
        skip("cpio is not installed (scripts/install-deps.sh)")
    order = load_order(moddir, K_BOOT_MODULES)
    init = os.path.join(HERE, "init.sh")
    h = hashlib.sha256()
    for part in (kver, "\n".join(order)):
        h.update(part.encode())
    for path in (init, busybox):
        with open(path, "rb") as f:
            h.update(f.read())
    image = os.path.join(cache, f"initramfs-{h.hexdigest()[:16]}.cpio.gz")
    if os.path.isfile(image):
        return image
    with tempfile.TemporaryDirectory(prefix="vipd-vm-initramfs.") as tree:
        os.makedirs(os.path.join(tree, "bin"))
        os.makedirs(os.path.join(tree, "modules"))
        shutil.copy2(busybox, os.path.join(tree, "bin", "busybox"))
        shutil.copy2(init, os.path.join(tree, "init"))
        os.chmod(os.path.join(tree, "init"), 0o755)
        names = []
        for path in order:
            name = os.path.basename(path)
            shutil.copy2(os.path.join(moddir, path), os.path.join(tree, "modules", name))
            names.append(name)
        with open(os.path.join(tree, "modules", "load.order"), "w", encoding="ascii") as f:
            f.write("\n".join(names) + "\n")
        tmp = image + f".tmp{os.getpid()}"
        files = subprocess.run(["find", "."], cwd=tree, check=True, capture_output=True).stdout
        cpio = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "--owner=0:0"], cwd=tree,
                              input=files, check=True, capture_output=True).stdout
        with open(tmp, "wb") as f:
            subprocess.run(["gzip", "-1"], input=cpio, stdout=f, check=True)
        os.replace(tmp, image)
    for name in os.listdir(cache):  # images of an older init.sh or kernel
        if name.startswith("initramfs-") and name.endswith(".cpio.gz") and \
                os.path.join(cache, name) != image:
            os.unlink(os.path.join(cache, name))
    return image


def write_job(jobdir, args, kver, cache, load, systemd=False):
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": "/root", "LANG": "C.UTF-8", "TERM": "dumb"}
    for key, value in os.environ.items():
        if key.startswith("VIPD_") or key in K_ENV_KEEP:
            env[key] = value
    env["VIPD_IN_VM"] = "1"
    env["VIPD_VM_JOB"] = "/run/vipd-job"
    env["VIPD_VM_OUT"] = "/run/vipd-job/out"
    exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in sorted(env.items()))
    with open(os.path.join(jobdir, "job.sh"), "w", encoding="utf-8") as f:
        f.write(f"cd {shlex.quote(os.getcwd())} || exit 125\n")
        f.write(exports)
        f.write(f"exec {shlex.join(args)}\n")
    moddir = os.path.join(os.path.realpath(cache), "root", "lib", "modules", kver)
    with open(os.path.join(jobdir, "job.env"), "w", encoding="utf-8") as f:
        f.write(f"vm_kver={shlex.quote(kver)}\n")
        f.write(f"vm_modules_dir={shlex.quote(moddir)}\n")
        f.write(f"vm_load={shlex.quote(' '.join(m for m in load.split(',') if m))}\n")
        f.write(f"vm_systemd={1 if systemd else 0}\n")


def sweep_stale_jobs(max_age=3600):
    """Job directories of runs that were SIGKILLed (no chance to clean up), older than an hour."""
    base = tempfile.gettempdir()
    now = time.time()
    for name in os.listdir(base):
        path = os.path.join(base, name)
        try:
            if name.startswith("vipd-vm-job.") and now - os.stat(path).st_mtime > max_age:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def die_with_parent():
    # qemu must not outlive this script, even when CTest kills it with SIGKILL on a timeout.
    libc = ctypes.CDLL(None, use_errno=True)
    k_pr_set_pdeathsig = 1
    libc.prctl(k_pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


def qemu_command(kernel, initrd, jobdir, memory, cpus, append):
    return [
        "qemu-system-x86_64", "-accel", "tcg,thread=multi", "-cpu", "max",
        "-m", str(memory), "-smp", str(cpus),
        "-nodefaults", "-no-user-config", "-display", "none", "-vga", "none",
        "-serial", "stdio", "-monitor", "none", "-nic", "none", "-no-reboot",
        "-kernel", kernel, "-initrd", initrd,
        # mitigations=off: under TCG, page-table isolation makes every syscall flush the
        # emulated TLB; without it commands run about ten times faster (measured: `ip -V`
        # 1.05 s -> 0.11 s). The guest runs only our own tests.
        "-append", f"console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init mitigations=off {append}",
        "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,"
                   "multidevs=remap",
        "-virtfs", f"local,path={jobdir},mount_tag=vipdjob,security_model=none",
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--timeout", type=float, default=float(os.environ.get("VIPD_VM_TIMEOUT", 240)),
                   help="seconds for boot + COMMAND + power-off (default 240)")
    p.add_argument("--memory", type=int, default=1024, help="MiB (default 1024)")
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--load", default=K_DEFAULT_LOAD,
                   help="modules to load before COMMAND, comma separated, or none "
                        f"(default {K_DEFAULT_LOAD})")
    p.add_argument("--append", default=os.environ.get("VIPD_VM_APPEND", ""),
                   help="extra kernel command line (e.g. loglevel=7 to see the boot)")
    p.add_argument("--systemd", action="store_true",
                   help="boot systemd as PID 1 and run COMMAND as a service in it")
    p.add_argument("--kernel", choices=sorted(K_KERNELS), default=os.environ.get("VIPD_VM_KERNEL", "6.1"),
                   help="which prepared kernel to boot: " +
                        ", ".join(f"{k} {v}" for k, v in K_KERNELS.items()) + " (default 6.1)")
    p.add_argument("--cache", default=os.environ.get("VIPD_VM_CACHE", os.path.join(HERE, "cache")),
                   help="the cache prepare.sh fills (each kernel in <cache>/<series>/)")
    p.add_argument("--out", metavar="DIR",
                   help="copy what COMMAND writes under $VIPD_VM_OUT (in the guest) to DIR on "
                        "this host, e.g. logs to study after the guest is gone")
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    if a.command and a.command[0] == "--":
        a.command = a.command[1:]
    if not a.command:
        p.error("no COMMAND")
    if a.load == "none":
        a.load = ""

    if shutil.which("qemu-system-x86_64") is None:
        skip("qemu-system-x86_64 is not installed (scripts/install-deps.sh)")
    cache = kernel_cache(a.cache, a.kernel)
    kver = kernel_version(cache)
    if kver is None:
        skip(f"no {a.kernel} kernel in {cache} (run integration/vm/prepare.sh {a.kernel})")
    if not kver.startswith(a.kernel + "."):
        skip(f"{cache} holds kernel {kver}, not {a.kernel} (run integration/vm/prepare.sh {a.kernel})")
    kernel = os.path.join(cache, "root", "boot", f"vmlinuz-{kver}")
    initrd = build_initramfs(cache, kver)
    sweep_stale_jobs()

    # Unwind on SIGTERM too, so that the finally clauses kill qemu and remove the job directory.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    start = time.monotonic()
    deadline = start + a.timeout
    with tempfile.TemporaryDirectory(prefix="vipd-vm-job.") as jobdir:
        write_job(jobdir, a.command, kver, cache, a.load, a.systemd)
        os.mkdir(os.path.join(jobdir, "out"))
        append = f"{K_SYSTEMD_APPEND} {a.append}" if a.systemd else a.append
        cmd = qemu_command(kernel, initrd, jobdir, a.memory, a.cpus, append)
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        timed_out = False
        ready_at = None
        marker = None
        try:
            os.set_blocking(proc.stdout.fileno(), False)
            pending = b""
            sel = selectors.DefaultSelector()
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    timed_out = True
                    break
                if not sel.select(timeout=min(left, 1.0)):
                    if proc.poll() is not None:
                        break
                    continue
                chunk = proc.stdout.read()
                if not chunk:
                    if proc.poll() is not None or chunk == b"":
                        break
                    continue
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    text = line.rstrip(b"\r").decode("utf-8", "replace")
                    if text == "vm-init: ready" and ready_at is None:
                        ready_at = time.monotonic()
                        log(f"guest ready after {ready_at - start:.1f}s (kernel {kver})")
                        continue
                    if text.startswith(K_MARKER) and text[len(K_MARKER):].isdigit():
                        marker = int(text[len(K_MARKER):])
                    if not K_POWER_DOWN.match(text):
                        print(text, flush=True)
            if pending:
                print(pending.decode("utf-8", "replace"), flush=True)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        total = time.monotonic() - start
        if a.out:
            shutil.copytree(os.path.join(jobdir, "out"), a.out, dirs_exist_ok=True)
        if timed_out:
            log(f"TIMEOUT after {a.timeout:.0f}s: qemu killed")
            return K_TIMEOUT
        try:
            with open(os.path.join(jobdir, "exit"), encoding="ascii") as f:
                status = int(f.read().strip())
        except (OSError, ValueError):
            if marker is not None:  # /init failed before the job ran, and said so
                return marker
            log(f"the VM stopped without an exit status (qemu exit {proc.returncode})")
            return K_VM_FAILED
        log(f"exit {status}, {total:.1f}s in all"
            + (f", command {total - (ready_at - start):.1f}s" if ready_at else ""))
        return status


if __name__ == "__main__":
    sys.exit(main())
