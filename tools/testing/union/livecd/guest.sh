#!/bin/sh
# Checks inside the LiveCD (busybox sh), run by run.sh through rcS.
#
#   guest.sh union TOPTYPE     / is a union of the image and a TOPTYPE layer
#   guest.sh change TAG        make changes (a file, a removal, a rename, a
#                              directory) and see them
#   guest.sh changed TAG       the changes of "change TAG" are there
#   guest.sh upgraded TAG      the changes of "change TAG", made over the
#                              first release, over the second: its new and
#                              changed files show too
#   guest.sh pristine          no change is there: the image as it is
#   guest.sh many N BARRIER    guest N of several at once (run.sh many)
#
# Prints TAP lines; exits 1 if any check failed.
D=/usr/share/livecd
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
check() {	# check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@" > /dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi
}
content() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
absent() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
listed() { ls "$1" | grep -qx "$2"; }
finish() { echo "1..$n"; exit $failed; }

case $1 in
union)
	check "/ is the $2 layer" awk -v t="$2" \
		'$2 == "/" { last = $3 } END { exit last != t }' /proc/mounts
	mount -t debugfs debugfs /sys/kernel/debug 2> /dev/null
	check "the union's view shows a $2 top" \
		grep -q "^  top $2 " /sys/kernel/debug/union/mounts
	check "and one lower layer" grep -q "^  lower 0 " \
		/sys/kernel/debug/union/mounts
	check "the image's files are there" content $D/file1 \
		"file 1 of the read-only image"
	check "its root is read-only below: /oldroot refuses writes" \
		sh -c '! touch /oldroot/new'
	;;
change)
	echo "written by $2" > /root/note
	rm $D/file2
	mv $D/file3 $D/file3.moved
	mkdir -p /home/user/newdir
	echo "new in $2" > /home/user/newdir/f
	chown -R 1000:1000 /home/user/newdir
	echo "appended by $2" >> /etc/motd
	check "a new file" content /root/note "written by $2"
	check "a removed file of the image" absent $D/file2
	check "and not listed" sh -c "! ls $D | grep -qx file2"
	check "a renamed file of the image" content $D/file3.moved \
		"file 3 of the read-only image"
	check "a new directory" content /home/user/newdir/f "new in $2"
	check "a changed file of the image" grep -q "appended by $2" /etc/motd
	;;
changed)
	check "the new file is there" content /root/note "written by $2"
	check "the removed file stays removed" absent $D/file2
	check "and unlisted" sh -c "! ls $D | grep -qx file2"
	check "the renamed file" content $D/file3.moved \
		"file 3 of the read-only image"
	check "not under its old name" absent $D/file3
	check "the new directory, its owner" \
		sh -c '[ "$(stat -c %u:%g /home/user/newdir/f)" = 1000:1000 ]'
	check "the changed file" grep -q "appended by $2" /etc/motd
	check "the other files" content $D/file4 "file 4 of the read-only image"
	;;
upgraded)
	check "the new file is there" content /root/note "written by $2"
	check "the removed file stays removed" absent $D/file2
	check "the renamed file, as it was renamed" content $D/file3.moved \
		"file 3 of the read-only image"
	check "not under its old name" absent $D/file3
	check "the changed file" grep -q "appended by $2" /etc/motd
	check "the new release's new file" content $D/file6 \
		"file 6, new in release 2"
	check "listed in the directory listed before the upgrade" listed $D file6
	check "a file the new release changed" content $D/file4 \
		"file 4 of release 2"
	check "the listing: the new release's, with the changes" \
		sh -c "[ \"\$(ls $D | tr '\n' ' ')\" = 'file1 file3.moved file4 file5 file6 ' ]"
	;;
pristine)
	check "no new file" absent /root/note
	for i in 1 2 3 4 5; do
		check "file$i as in the image" content $D/file$i \
			"file $i of the read-only image"
	done
	check "no renamed file" absent $D/file3.moved
	check "no new directory" absent /home/user/newdir
	check "motd as in the image" sh -c '! grep -q appended /etc/motd'
	;;
many)
	me=$2 barrier=/mnt
	mount -t hostfs -o "$3" hostfs $barrier || { not_ok "barrier"; finish; }
	# Wait until every guest is up, so that all run at once.
	touch $barrier/up.$me
	while [ "$(ls $barrier | grep -c '^up\.')" -lt 3 ]; do sleep 0.1; done
	echo "guest $me" > /root/id
	echo "guest $me" > /etc/guest-$me
	rm $D/file$me
	touch $barrier/done.$me
	while [ "$(ls $barrier | grep -c '^done\.')" -lt 3 ]; do sleep 0.1; done
	check "guest $me sees its own file" content /etc/guest-$me "guest $me"
	check "and its own removal" absent $D/file$me
	for o in 1 2 3; do
		[ "$o" = "$me" ] && continue
		check "not guest $o's file" absent /etc/guest-$o
		check "nor its removal" content $D/file$o \
			"file $o of the read-only image"
	done
	check "its own /root/id" content /root/id "guest $me"
	umount $barrier
	;;
*)
	echo "guest.sh: unknown check $1" >&2
	exit 2
	;;
esac
finish
