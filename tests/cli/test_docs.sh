#!/usr/bin/env bash
# Man pages, completions and README keep up with the CLI: every command and flag that devlogctl
# defines must be documented, and completions/ must be what 'devlogctl completion' generates.
. "$(dirname "$0")/lib.sh"
src=${DEVLOG_SOURCE_DIR:?DEVLOG_SOURCE_DIR must name the source tree}

for shell in bash zsh fish; do
  case $shell in bash) file=devlogctl.bash ;; zsh) file=_devlogctl ;; fish) file=devlogctl.fish ;; esac
  run completion "$shell"
  assert_rc 0
  [ "$out" == "$(cat "$src/completions/$file")" ] ||
    fail "completions/$file is out of date: run scripts/gen-completions and commit the result"
done
bash -n "$src/completions/devlogctl.bash" || fail "completions/devlogctl.bash is not valid bash"
# bash completion at work: subcommands and flag values.
COMP_WORDS=(devlogctl migrate st) COMP_CWORD=2
. "$src/completions/devlogctl.bash"
_devlogctl
assert_eq "status" "${COMPREPLY[*]}" "bash completion of 'migrate st'"
COMP_WORDS=(devlogctl --database-url x migrate up --format n) COMP_CWORD=6
_devlogctl
assert_eq "ndjson" "${COMPREPLY[*]}" "bash completion of '--format n'"
if command -v zsh >/dev/null; then
  zsh -n "$src/completions/_devlogctl" || fail "completions/_devlogctl is not valid zsh"
else
  echo "zsh not installed: skipping the zsh syntax check"
fi
if command -v fish >/dev/null; then
  fish -n "$src/completions/devlogctl.fish" || fail "completions/devlogctl.fish is not valid fish"
  assert_eq "$(printf 'csv\njson\nndjson\ntable')" \
    "$(fish -c "source $src/completions/devlogctl.fish; complete -C 'devlogctl --format '" | cut -f1 | sort)" \
    "fish completion of --format"
else
  echo "fish not installed: skipping the fish checks"
fi

run __commands
assert_rc 0
[ -n "$out" ] || fail "__commands printed nothing"
missing=""
while IFS= read -r line; do
  path=${line%%$'\t'*}
  flag=${line#*$'\t'}
  group=${path%% *}
  case "$group" in
    "" | completion) page="$src/man/devlogctl.1.scd" ;;
    *) page="$src/man/devlogctl-$group.1.scd" ;;
  esac
  [ -f "$page" ] || { missing+="no man page $page for '$path'"$'\n'; continue; }
  if [ -z "$flag" ]; then
    word=${path##* }
    grep -qE -- "\*(devlogctl )?$word\*" "$page" || missing+="$page: command '$path' is not documented"$'\n'
    # Every command group is in the README's command overview.
    if [ "$path" == "$group" ]; then
      grep -q -- "devlogctl $group" "$src/README.md" || missing+="README.md: command '$group' is not mentioned"$'\n'
    fi
  else
    [ "$flag" == "-h" ] || [ "$flag" == "--help" ] && [ -n "$path" ] && continue
    grep -q -- "\*$flag\*" "$page" || missing+="$page: flag '$flag' of '${path:-devlogctl}' is not documented"$'\n'
  fi
done <<<"$out"
[ -z "$missing" ] || fail "documentation is missing:
$missing"

# The exit codes in --help, the man page and the README agree on the numbers.
run --help
for code in "1 failure" "2 usage error" "3 cannot connect" "4 drift" "5 pending" "6 lock timeout" "7 unhealthy" \
  "8 TimescaleDB not available" "9 import finished with rejected records" "10 queue full" "11 upload incomplete" \
  "130/143 interrupted"; do
  assert_contains "$out" "$code" "--help exit codes"
done
for n in 0 1 2 3 4 5 6 7 8 9 10 11; do
  grep -q "^\*$n\*" "$src/man/devlogctl.1.scd" || fail "man page lacks exit status $n"
  grep -q "^| $n " "$src/README.md" || fail "README lacks exit code $n"
done
grep -q '^\*130\*, \*143\*' "$src/man/devlogctl.1.scd" || fail "man page lacks exit status 130/143"
grep -q '^| 130 / 143 ' "$src/README.md" || fail "README lacks exit codes 130 / 143"
pass
