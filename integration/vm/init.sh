#!/bin/busybox sh
# /init of the vm tier's initramfs (busybox, runs as PID 1 in the guest).
# Mounts the host root (9p, read-only) under a tmpfs overlay at /newroot, makes the Debian
# kernel's modules visible there, runs the job the host left in its job share (9p, writable)
# with chroot, writes the job's exit status back into the share and powers off.
/bin/busybox --install -s /bin
export PATH=/bin

marker() { echo "VIPD_VM_EXIT=$1"; }
halt() {
  sync
  # -no-reboot on the host side turns a reboot into a qemu exit, whichever one works first.
  poweroff -f
  reboot -f
  echo o >/proc/sysrq-trigger
}
fail() { echo "vm-init: $*"; marker 125; halt; }

mkdir -p /proc /sys /dev /lower /rw /newroot /job
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Modules copied into the initramfs, dependencies first (see run-in-vm.py).
while read -r mod; do
  insmod "/modules/$mod" || fail "insmod $mod"
done </modules/load.order

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower ||
  fail "cannot mount the host root over 9p"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vipdjob /job ||
  fail "cannot mount the job share"
# The overlay's upper layer lives in RAM: the guest writes anywhere, the host sees nothing.
mount -t tmpfs -o mode=0755 rwroot /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
  fail "cannot mount the overlay root"

. /job/job.env   # vm_kver, vm_modules_dir (host path), vm_load (modules to preload)
n=/newroot
mount -t proc proc $n/proc
mount -t sysfs sysfs $n/sys
mount -t devtmpfs devtmpfs $n/dev
mkdir -p $n/dev/pts $n/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $n/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $n/dev/shm
mount -t tmpfs -o mode=0755 tmpfs $n/run
# /tmp stays the overlay's (RAM-backed, writable): a tmpfs there would hide a checkout
# that lives under the host's /tmp, which the guest must see to run the tests from it.
mkdir -p $n/run/vipd-job $n/usr/lib/modules/$vm_kver
mount --bind /job $n/run/vipd-job
mount -o bind,ro "/lower$vm_modules_dir" $n/usr/lib/modules/$vm_kver ||
  fail "cannot bind the kernel modules"
# The kernel's own module requests (e.g. "ip link add ... type veth") run /sbin/modprobe in
# *this* root, not in the chroot: forward them to the real modprobe.
mkdir -p /sbin
printf '#!/bin/sh\nexec /bin/chroot /newroot /sbin/modprobe "$@"\n' >/sbin/modprobe
chmod 755 /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe

# One modprobe for all: each start of a binary over 9p costs a good fraction of a second.
if [ -n "$vm_load" ]; then
  chroot $n /sbin/modprobe -a $vm_load || fail "modprobe -a $vm_load"
fi
ip link set lo up 2>/dev/null
hostname vipd-vm

if [ "${vm_systemd:-0}" = 1 ]; then
  # --systemd: systemd becomes PID 1 in the new root and runs the job as a service (units
  # written into the guest's overlay only); the service writes the exit status and powers off.
  u=$n/etc/systemd/system
  mkdir -p $u
  cat >$u/vipd-vm-job.target <<'UNIT'
[Unit]
Description=vm tier: the job and nothing else
Requires=vipd-vm-job.service
After=vipd-vm-job.service
AllowIsolate=yes
UNIT
  cat >$u/vipd-vm-job.service <<'UNIT'
[Unit]
Description=vm tier job
SuccessAction=poweroff-force
FailureAction=poweroff-force
[Service]
Type=simple
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/console
TTYVHangup=no
# The console is a tty: no pager, no colours in the test log.
Environment=SYSTEMD_PAGER=cat SYSTEMD_COLORS=0
ExecStart=/bin/sh -c '/bin/sh /run/vipd-job/job.sh; s=$?; echo $s >/run/vipd-job/exit; echo VIPD_VM_EXIT=$s'
UNIT
  # Debian's tmpfiles.d/tmp.conf empties /tmp at boot ("D"): keep it, as without --systemd.
  mkdir -p $n/etc/tmpfiles.d
  echo 'd /tmp 1777 root root -' >$n/etc/tmpfiles.d/tmp.conf
  # The host root may be a container's: systemd would then believe it runs in one (it checks
  # /.dockerenv) and ignore the kernel command line. The guest is a VM; say so.
  rm -f $n/.dockerenv
  # The initramfs forwarder would dangle after switch_root; the new root has the real one.
  echo /sbin/modprobe >/proc/sys/kernel/modprobe
  echo "vm-init: ready"
  exec switch_root $n /lib/systemd/systemd || fail "switch_root to systemd"
fi

echo "vm-init: ready"
chroot $n /bin/sh /run/vipd-job/job.sh </dev/console >/dev/console 2>&1
status=$?
echo "$status" >/job/exit
sync
marker "$status"
halt
