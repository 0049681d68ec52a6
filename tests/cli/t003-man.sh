# The man page renders without warnings, and documents every command the
# binary lists and every flag its --help shows, and the exit codes.
. "$(dirname "$0")/lib.sh"
page=$TOP/man/kubectl-cnpgops.1
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "not a memory test"

if command -v mandoc >/dev/null 2>&1; then
	mandoc -T lint -W warning "$page" >"$T/lint" 2>&1 || { cat "$T/lint"; fail "mandoc -T lint found problems"; }
fi
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man --warnings -l "$page" >"$T/rendered" 2>"$T/warn" || fail "man -l failed"
	[ ! -s "$T/warn" ] || { cat "$T/warn"; fail "man --warnings printed warnings"; }
else
	skip "man is not installed"
fi
# Rendered text with hyphenation undone, for searching.
tr -d '\010' <"$T/rendered" | sed 's/‐$//' >"$T/text"

run --help
expect_rc 0
sed -n 's/^  \([a-z][a-z -]*[a-z]\)  .*/\1/p' "$out" | sed 's/ *$//' >"$T/commands"
[ -s "$T/commands" ] || fail "no commands found in --help"
while read -r c; do
	grep -qE "^ +$c( |$)" "$T/text" || fail "command '$c' is not documented in the man page"
	"$CNPGOPS_BIN" help $c >"$T/help" 2>&1 || fail "help $c failed"
	for f in $(grep -oE -- '--[a-z][a-z-]+' "$T/help" | sort -u); do
		grep -qF -- "$f" "$T/text" || fail "flag '$f' of '$c' is not in the man page"
	done
done <"$T/commands"
for code in 0 1 2 3 4; do
	grep -A 30 "^EXIT STATUS" "$T/text" | grep -qE "^ +$code( |$)" || fail "exit status $code is not documented"
done
exit 0
