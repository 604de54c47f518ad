#!/bin/bash
# coverage-report.sh [-a ALLOWLIST] [-v] OPCODES_DEF COVERAGE_FILE...
#
# Which integer rows of the opcode table (cpu/opcodes.def) the coverage
# files written by `ringside --coverage FILE` mark as executed (issue 2,
# "Done means" item 4). A coverage file has one line per executed row,
# "OP SUB": OP the table index 0x000-0x1ff, SUB the group member 0-7 or "-".
#
# Integer rows: OP/OPV rows and GRP/GRPV group members that are not F_UD
# and not the F_GRP headers (the x87 escapes D8-DF count: flat/fpu_basic.c
# runs each); prefixes
# are not rows. The table is read through the C preprocessor (${CC:-cc}).
#
# ALLOWLIST: lines "OP SUB reason...", rows allowed to stay uncovered
# ('#' starts a comment). Prints the totals, each coverage file's count and
# the uncovered rows; with -v also every covered row. Exits 1 if an integer
# row is neither covered nor allowed, 2 on bad usage.
set -u
allow=
verbose=0
while getopts "a:v" opt; do
    case $opt in
    a) allow=$OPTARG ;;
    v) verbose=1 ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
    echo "usage: coverage-report.sh [-a ALLOWLIST] [-v] OPCODES_DEF COVERAGE_FILE..." >&2
    exit 2
fi
def=$1
shift
[ -r "$def" ] || { echo "coverage-report.sh: cannot read $def" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One line per table row: code-expression @ sub @ flags @ mnemonic @ handler
{
    printf '%s\n' \
        '#define OP(c, m, o, h, f) ROWSTART (c) @ - @ f @ m @ h ROWEND' \
        '#define OPV(c, m, o, h, f) ROWSTART (c) @ - @ f @ m @ h ROWEND' \
        '#define GRP(c, r, m, o, h, f) ROWSTART (c) @ r @ f @ m @ h ROWEND' \
        '#define GRPV(c, r, m, o, h, f) ROWSTART (c) @ r @ f @ m @ h ROWEND' \
        '#define PFX(c, m)'
    echo "#include \"$(cd "$(dirname "$def")" && pwd)/$(basename "$def")\""
} | ${CC:-cc} -E -P -x c - 2>"$tmp/cpp.err" >"$tmp/cpp.out" || {
    echo "coverage-report.sh: the preprocessor failed on $def:" >&2
    cat "$tmp/cpp.err" >&2
    exit 2
}
sed 's/ROWSTART/\n/g; s/ROWEND//g' "$tmp/cpp.out" | grep '@' >"$tmp/rows.raw"

# Evaluate the code expressions ("0x00 + 1") and keep the integer rows:
# "0x001 -<TAB>add<TAB>add_Ev_Gv"
while IFS='@' read -r code sub flags mn handler; do
    sub=${sub// /}
    handler=${handler// /}
    mn=${mn//\"/}
    mn=${mn# }
    mn=${mn% }
    case " $flags " in *F_UD* | *F_GRP*) continue ;; esac
    printf '0x%03x %s\t%s\t%s\n' $((code)) "$sub" "$mn" "$handler"
done <"$tmp/rows.raw" | sort -u >"$tmp/rows"
total=$(wc -l <"$tmp/rows")
if [ "$total" -lt 100 ]; then
    echo "coverage-report.sh: only $total integer rows found in $def; the table format changed?" >&2
    exit 2
fi

# Covered rows: the union of the files.
: >"$tmp/covered"
for f in "$@"; do
    if [ ! -r "$f" ]; then
        echo "coverage-report.sh: cannot read $f" >&2
        exit 2
    fi
    awk 'NF >= 2 { print $1, $2 }' "$f" >>"$tmp/covered"
done
sort -u "$tmp/covered" -o "$tmp/covered"
: >"$tmp/allowed"
if [ -n "$allow" ]; then
    sed 's/#.*//' "$allow" | awk 'NF >= 2 { print $1, $2 }' | sort -u >"$tmp/allowed"
fi

# Row keys ("0x001 -") with their names.
awk -F'\t' '{ print $1 "\t" $2 " (" $3 ")" }' "$tmp/rows" >"$tmp/rowkeys"
cut -f1 "$tmp/rows" >"$tmp/keys"
covered=$(comm -12 "$tmp/keys" "$tmp/covered" | wc -l)
comm -23 "$tmp/keys" "$tmp/covered" >"$tmp/uncovered"
comm -12 "$tmp/uncovered" "$tmp/allowed" >"$tmp/unc_allowed"
comm -23 "$tmp/uncovered" "$tmp/allowed" >"$tmp/unc_bad"
n_allowed=$(wc -l <"$tmp/unc_allowed")
n_bad=$(wc -l <"$tmp/unc_bad")

echo "opcode coverage: $covered of $total integer rows of $(basename "$def") executed" \
    "($n_allowed allowed to stay uncovered, $n_bad missing)"
for f in "$@"; do
    n=$(awk 'NF >= 2 { print $1, $2 }' "$f" | sort -u | comm -12 "$tmp/keys" - | wc -l)
    printf '  %4d rows  %s\n' "$n" "$(basename "$f")"
done
name_of() { # key -> "key  mnemonic (handler)"
    awk -F'\t' -v k="$1" '$1 == k { print $1 "  " $2 }' "$tmp/rowkeys"
}
if [ "$n_allowed" -gt 0 ]; then
    echo "uncovered, allowed ($(basename "${allow:-none}")):"
    while read -r op sub; do
        reason=$(sed 's/#.*//' "$allow" | awk -v o="$op" -v s="$sub" '$1 == o && $2 == s { $1 = $2 = ""; sub(/^ +/, ""); print; exit }')
        echo "  $(name_of "$op $sub") - $reason"
    done <"$tmp/unc_allowed"
fi
stale=$(comm -12 "$tmp/allowed" "$tmp/covered")
if [ -n "$stale" ]; then
    echo "note: allowlisted rows that are covered now (the allowlist can drop them):"
    echo "$stale" | sed 's/^/  /'
fi
if [ "$verbose" = 1 ]; then
    echo "covered:"
    comm -12 "$tmp/keys" "$tmp/covered" | while read -r k; do echo "  $(name_of "$k")"; done
fi
if [ "$n_bad" -gt 0 ]; then
    echo "UNCOVERED integer rows:"
    while read -r k; do echo "  $(name_of "$k")"; done <"$tmp/unc_bad"
    exit 1
fi
exit 0
