#!/bin/sh
# What the LiveCD looks like from inside (run.sh demo; busybox sh).
show() { echo; echo "livecd# $*"; sh -c "$*" 2>&1; }
echo "== A LiveCD root: the read-only image with an ext2 layer union-mounted on it =="
show 'grep -E " / |oldroot" /proc/mounts'
show 'mount -t debugfs debugfs /sys/kernel/debug; cat /sys/kernel/debug/union/mounts'
show 'cat /etc/motd'
show 'ls /usr/share/livecd'
show 'echo "a change" >> /etc/motd; rm /usr/share/livecd/file2; mkdir /home/user/work; echo notes > /home/user/work/notes'
show 'ls /usr/share/livecd; tail -1 /etc/motd; cat /home/user/work/notes'
show 'touch /oldroot/etc/motd   # the image itself stays read-only'
show 'grep -E "copyups|whiteouts|dirs_created" /sys/kernel/debug/union/mounts'
