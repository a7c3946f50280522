# SPDX-License-Identifier: GPL-2.0-or-later
# TAP helpers for the shell tests, sourced after $T (a scratch directory) is set:
#   ok DESC, not_ok DESC (prints the last output), run CMD... (output in $T/out, $T/err, status in $rc),
#   expect_rc N DESC CMD...; end with `echo "1..$n"; [ "$failed" = 0 ]`.
n=0
failed=0
ok() {
        n=$((n + 1))
        echo "ok $n - $1"
}
not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $1"
        [ -s "$T/out" ] && sed 's/^/#   out: /' "$T/out" | head -40
        [ -s "$T/err" ] && sed 's/^/#   err: /' "$T/err" | head -20
        return 0
}

# run CMD...: output in $T/out, $T/err, status in $rc.
run() {
        "$@" >"$T/out" 2>"$T/err"
        rc=$?
}

# expect_rc N DESCRIPTION CMD...
expect_rc() {
        want=$1 desc=$2
        shift 2
        run "$@"
        if [ "$rc" = "$want" ]; then ok "$desc (exit $want)"; else not_ok "$desc: exit $rc, expected $want"; fi
}
