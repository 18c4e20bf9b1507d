# Shared by the shell e2e scripts: the binary, a scratch directory, and an exit-code assertion that
# keeps the command's output in $work/out and $work/err for the checks that follow.
bin=.build/debug/hookrouter
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
passed=0

expect_exit() {  # expected-code command...
  local want=$1; shift
  set +e; "$@" >"$work/out" 2>"$work/err"; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$work/out" "$work/err"; fail "'$*' exited $got, want $want"; }
  passed=$((passed + 1))
}
