#!/bin/bash
# A call that is refused changes nothing.  open() for writing and
# truncate() of a lower file are refused by a Landlock domain (writing
# not allowed; writing allowed but truncating not, which only
# security_file_truncate() sees, after the open), by a fanotify
# FAN_OPEN_PERM listener on the union's mount, and by a read lease held
# on the file (O_NONBLOCK: EWOULDBLOCK).  Each call gets the error a plain
# file system (a tmpfs copy of the lower tree, same scenario) gives; the
# file is still the lower one with its data, and the top layer holds
# nothing new (no name; for tmpfs and ext2, as many free inodes as
# before).  So do attribute changes that the change itself refuses after
# the owner's rights allowed a copy-up: chown to another owner, a
# trusted.* or security.* xattr set or removed by the owner, explicit
# times set by a user who may write but does not own the file.  The same
# calls, allowed, then work on the union and copy the file up.  One of
# the files has two names (the copy goes through the hard-link index).
# A lower program that runs cannot be opened for writing or truncated
# (ETXTBSY), as on a plain file system, though the write would go to a
# copy; its mode can change.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

REFUSE="$PYTHON $UNION_TOOLS/refuse.py"
src=$T/src
ref=$T/ref
mkdir -p "$src/d"
for f in a b c e g h p q; do
	printf 'lower data of %s\n' "$f" > "$src/d/$f"
done
ln "$src/d/h" "$src/d/h2"
# For the changes that another user tries: owned by 1000.
chown 1000:1000 "$src/d/p" "$src/d/q"
chmod 0666 "$src/d/q"
$SYSOP setxattr "$src/d/p" trusted.t lower || bail_out "setxattr trusted.t"
chmod 0755 "$T"
# A program to run from the union: no writer while it runs.
cp /bin/sleep "$src/d/prog"
union_setup "$src"
U=$UNION_DIR
plain_copy "$src" "$ref"

free_inodes() {	# what the top layer has left, where it counts inodes
	case $UPPER in
	jffs2) echo n/a ;;
	*) stat -f -c %d "$U" ;;
	esac
}
# unchanged NAME...: still the lower files, with their data, and nothing
# new on the top layer.
unchanged() {
	local f
	for f; do
		assert_file_content "$U/d/$f" "lower data of ${f%2}" \
			"$what: d/$f keeps its data"
		assert_layer "d/$f" lower "$what: d/$f is still the lower file"
	done
	assert_eq "$(free_inodes)" "$inodes0" "$what: the top layer has no new inode"
}
# same MODE ARG OPS...: the union's results are the reference's, and
# every call was refused.
same() {
	local mode=$1 arg=$2 got want
	shift 2
	got=$($REFUSE "$mode" "${arg//@/$U}" "${@//@/$U}")
	want=$($REFUSE "$mode" "${arg//@/$ref}" "${@//@/$ref}")
	assert_eq "$got" "$want" "$what: the union answers as a plain file system"
	if grep -q ': ok$' <<< "$got"; then
		not_ok "$what: every call refused"
		diag "$got"
	else
		ok "$what: every call refused"
	fi
}

# A refused change may leave d on the top layer (a lookup may make it,
# or the change, before the check that refuses it): count from there.
on_top d
inodes0=$(free_inodes)

what="Landlock, no writing"
same landlock none @/d open:wronly:@/d/a open:rdwr:@/d/b \
	open:wronly,trunc:@/d/c open:rdonly,trunc:@/d/e \
	truncate:0:@/d/g truncate:3:@/d/a truncate:100:@/d/b \
	open:wronly,trunc:@/d/h
unchanged a b c e g h h2

what="Landlock, writing but no truncating"
same landlock write @/d open:wronly,trunc:@/d/c open:rdwr,trunc:@/d/a \
	truncate:0:@/d/g truncate:5:@/d/h2
unchanged a c g h h2

what="fanotify denies the opens"
same fanotify @ open:wronly:@/d/a open:rdwr,append:@/d/b \
	open:wronly,trunc:@/d/c open:wronly,trunc:@/d/h2
unchanged a b c h h2

what="a read lease"
same lease @/d/e open:wronly,nonblock:@/d/e open:rdwr,trunc,nonblock:@/d/e
unchanged e

# The attribute changes: the owner's rights allow a copy-up, and the
# change itself refuses (a capability only it checks, the rule that only
# the owner sets explicit times).
as() {	# as UID SYSOP-ARGS...: the errno (0) of one call as UID
	local id=$1 r
	shift
	r=$(setpriv --reuid="$id" --regid="$id" --clear-groups \
		--inh-caps=-all --bounding-set=-all -- "$SYSOP" "$@" 2>&1)
	echo "${r:-0}"
}
what="attribute changes the change refuses"
for call in "1000 chown @/d/p 1001 1001" "1000 setxattr @/d/p trusted.x v" \
	"1000 setxattr @/d/p security.x v" "1000 removexattr @/d/p trusted.t" \
	"1001 utimes @/d/q 1 2" "1001 lutimes @/d/q 1 2"; do
	set -- $call
	got=$(as "$1" $(echo "${@:2}" | sed "s|@|$U|g"))
	want=$(as "$1" $(echo "${@:2}" | sed "s|@|$ref|g"))
	assert_eq "$got" "$want" "$what: ${*:2} as $1 fails as on a plain file system"
	case $got in
	0) not_ok "$what: ${*:2} as $1 is refused" ;;
	*) ok "$what: ${*:2} as $1 is refused" ;;
	esac
done
unchanged p q
assert_eq "$($SYSOP getxattr "$U/d/p" trusted.t)" lower \
	"$what: d/p keeps its trusted.t"

# running PATH: start the program at PATH (sleep(1)) and wait until it
# runs from that file; its pid in $pid.
running() {
	local i
	"$1" 600 &
	pid=$!
	for ((i = 0; i < 2000; i++)); do
		[ "$(readlink "/proc/$pid/exe")" = "$1" ] && return
		sleep 0.01
	done
	bail_out "$1 does not run"
}
what="a program runs from the lower file"
for dir in "$U" "$ref"; do
	running "$dir/d/prog"
	assert_errno ETXTBSY open "$dir/d/prog" wronly
	assert_errno ETXTBSY open "$dir/d/prog" rdwr,trunc
	assert_errno ETXTBSY truncate "$dir/d/prog" 0
	kill "$pid"
	wait "$pid" 2> /dev/null
done
assert_layer d/prog lower "$what: d/prog is still the lower file"
assert_eq "$(free_inodes)" "$inodes0" "$what: the top layer has no new inode"
assert_errno 0 chmod "$U/d/prog" 0700
assert_layer d/prog upper "$what: a change of its mode copies it up"
inodes0=$(free_inodes)

# Allowed now: the same calls copy up and change the files.
what="Landlock, writing and truncating allowed"
got=$($REFUSE landlock write,truncate "$U/d" open:wronly,trunc:"$U/d/c" \
	truncate:4:"$U/d/g" open:wronly,trunc:"$U/d/h")
assert_eq "$got" "open:wronly,trunc:c: ok
truncate:4:g: ok
open:wronly,trunc:h: ok" "$what: the calls work"
assert_eq "$(stat -c %s "$U/d/c" "$U/d/g" "$U/d/h" "$U/d/h2")" "0
4
0
0" "$what: the files are truncated, through both names of h"
assert_layer d/c upper "$what: d/c is copied up"
assert_layer d/g upper "$what: d/g is copied up"
assert_eq "$(stat -c %d:%i "$U/d/h")" "$(stat -c %d:%i "$U/d/h2")" \
	"$what: h and h2 are one file"
what="without a listener"
assert_errno 0 open "$U/d/a" wronly,trunc
assert_eq "$(stat -c %s "$U/d/a")" 0 "$what: O_TRUNC truncates d/a"
assert_layer d/a upper "$what: d/a is copied up"
assert_file_content "$U/d/b" "lower data of b" "$what: d/b is still whole"

done_testing
