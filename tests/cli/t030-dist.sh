# make dist builds the release tarball; make krew-manifest fills in its
# sha256, and the manifest passes krew's checks and installs offline.
. "$(dirname "$0")/lib.sh"
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "not a memory test"
make -s -C "$TOP" krew-manifest DISTDIR="$T/dist" >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; fail "make krew-manifest failed"; }
ls "$T"/dist/kubectl-cnpgops_*_*_*.tar.gz >/dev/null 2>&1 || fail "no release tarball"
tar -tzf "$T"/dist/kubectl-cnpgops_*.tar.gz | sort >"$T/members"
printf 'LICENSE\nkubectl-cnpgops\nkubectl-cnpgops.1\n' | diff - "$T/members" || fail "tarball contents"
grep -q "krewcheck: cnpgops v.* ok, 1 platform(s) installed" "$T/make.log" || fail "krewcheck did not pass"
# A tampered archive must be refused.
archive=$(ls "$T"/dist/kubectl-cnpgops_*.tar.gz)
printf 'x' >>"$archive"
python3 "$TOP/tests/dist/krewcheck.py" "$T/dist/krew-manifest.yaml" "$T/dist" >"$out" 2>&1 &&
	fail "krewcheck accepted an archive whose sha256 does not match"
expect_out "sha256 does not match"
# Reproducible: the same tree gives the same archive.
make -s -C "$TOP" dist DISTDIR="$T/d1" >/dev/null 2>&1 || fail "make dist (1)"
make -s -C "$TOP" dist DISTDIR="$T/d2" >/dev/null 2>&1 || fail "make dist (2)"
cmp "$T"/d1/*.tar.gz "$T"/d2/*.tar.gz || fail "make dist is not reproducible"
exit 0
