# shellcheck shell=bash
# Reading patches/$KERNEL/series, for the scripts that apply, refresh,
# check and send it (sourced after kernel-env.sh; needs $top, $PATCHES).
#
# Each line is "patch [file...]".  A plain file is a new file the patch
# adds, kept at its kernel path in this repository.  "+file" is a step:
# the patch changes a file that the kernel or an earlier patch has, and
# its section of that file in the patch file is its own, kept as it is
# written (a feature split off the union patch adds its hooks to the
# union's files this way).  This repository's copy of a new file is the
# file at the end of the series: the patch that adds it adds it without
# the later steps (series_first_version).  A backport's patch that
# changes a new file without a step (6.12's) is the diff from this
# repository's file to the tree's copy, as before.

series=$PATCHES/series

series_entries() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series"; }
series_patches() { series_entries | awk '{ print $1 }'; }
# The new files: every plain file of every line.
series_new_files() {
	series_entries | awk '{ for (i = 2; i <= NF; i++) if ($i !~ /^\+/) print $i }'
}
# The new files patch $1 adds.
series_adds() {
	series_entries | awk -v p="$1" \
		'$1 == p { for (i = 2; i <= NF; i++) if ($i !~ /^\+/) print $i }'
}
# The files patch $1 changes by steps.
series_steps() {
	series_entries | awk -v p="$1" \
		'$1 == p { for (i = 2; i <= NF; i++) if ($i ~ /^\+/) print substr($i, 2) }'
}
# Is file $2 a step of patch $1?
series_is_step() { series_steps "$1" | grep -qxF -- "$2"; }
# The patches that step file $1, in series order.
series_steppers() {
	series_entries | awk -v f="+$1" \
		'{ for (i = 2; i <= NF; i++) if ($i == f) print $1 }'
}
# The patches after patch $1, in series order.
series_after() { series_patches | awk -v p="$1" 'f; $0 == p { f = 1 }'; }

# The section of patch file $1 that changes file $2.
series_section() {
	awk -v h="diff --git a/$2 b/$2" \
		'/^diff --git /{ on = ($0 == h) } /^-- $/{ on = 0 } on' "$1"
}

# series_unapply PATCH FILE COPY: take patch PATCH's section of FILE back
# out of COPY (a copy of FILE), strictly: no fuzz, and no offset in what
# the hunks say about each other (patch -R -F0).
series_unapply() {
	local d rc=0
	d=$(mktemp -d)
	cp "$3" "$d/file"
	series_section "$PATCHES/$1" "$2" > "$d/section"
	if patch -s -f -R -F0 -r - --no-backup-if-mismatch -i "$d/section" \
		"$d/file" < /dev/null > "$d/err" 2>&1; then
		cp "$d/file" "$3"
	else
		sed "s|^|series: $1, $2: |" "$d/err" >&2
		rc=1
	fi
	rm -rf "$d"
	return $rc
}

# series_rewind FILE COPY AFTER: COPY holds FILE at the series' end; take
# out the steps of the patches after patch AFTER (all of them if AFTER
# is empty), last first.
series_rewind() {
	local f=$1 copy=$2 q later
	if [ -n "$3" ]; then
		later=" $(series_after "$3" | tr '\n' ' ') "
	else
		later=" $(series_patches | tr '\n' ' ') "
	fi
	for q in $(series_steppers "$f" | tac); do
		case $later in *" $q "*) ;; *) continue ;; esac
		series_unapply "$q" "$f" "$copy" || return 1
	done
}

# series_first_version FILE OUT: new file FILE as the patch that adds it
# adds it.
series_first_version() {
	cp "$top/$1" "$2"
	series_rewind "$1" "$2" ""
}

# The new files a backport's patch changes (not by steps): the tree holds
# copies of them, not links, for that patch to change.
series_copied_files() {
	local f p
	for f in $(series_new_files); do
		for p in $(series_patches); do
			series_is_step "$p" "$f" && continue
			if grep -qxF "diff --git a/$f b/$f" "$PATCHES/$p"; then
				echo "$f"
				break
			fi
		done
	done
}

# Does new file $1 change after the patch that adds it, by steps?
series_has_steps() { [ -n "$(series_steppers "$1")" ]; }
# Is $1 one of the series' new files?
series_is_new() { series_new_files | grep -qxF -- "$1"; }
