#!/bin/sh
# Banned functions (curl's checksrc idea): unbounded string functions, and
# exiting or printing errors from library code.
set -u
status=0
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|system|popen)[[:space:]]*\(' \
	cmd/*.c src/*.c | grep -vE '\b(snprintf|vsnprintf|asprintf|vasprintf|xasprintf|xvasprintf)\('; then
	echo "banned: use the bounded or checked alternative" >&2
	status=1
fi
if grep -nE '\b(exit|err|errx)[[:space:]]*\(' src/*.c | grep -v '^src/xmalloc.c:'; then
	echo "banned: src/ never exits; return an error instead" >&2
	status=1
fi
[ $status -eq 0 ] && echo "banned: none found"
exit $status
