/*
 * textdiff: the longest common subsequence of lines (dynamic programming,
 * O(n*m) for the few hundred lines of a manifest), printed as hunks.
 */
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "textdiff.h"
#include "xmalloc.h"

#define TEXTDIFF_MAX_LINES 5000

struct lines {
	const char **s;
	size_t *len;
	size_t n;
};

static void
split(struct lines *l, const char *text)
{
	const char *p = text;

	l->n = 0;
	l->s = NULL;
	l->len = NULL;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		l->s = xreallocarray(l->s, l->n + 1, sizeof(*l->s));
		l->len = xreallocarray(l->len, l->n + 1, sizeof(*l->len));
		l->s[l->n] = p;
		l->len[l->n] = n;
		l->n++;
		p += n + (nl ? 1 : 0);
	}
}

static int
same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] &&
	       memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

/* One edit-script entry: ' ' keep, '-' from a, '+' from b. */
struct op {
	char kind;
	size_t line; /* index in a (' ', '-') or b ('+') */
	size_t ai, bi; /* positions in a and b before this op */
};

static void
emit_line(struct strbuf *sb, char kind, const struct lines *l, size_t i)
{
	strbuf_addch(sb, kind);
	strbuf_add(sb, l->s[i], l->len[i]);
	strbuf_addch(sb, '\n');
}

/* A hunk range as diff -u writes it: "3", "3,4" or "2,0" (empty). */
static void
range(struct strbuf *sb, size_t before, size_t count)
{
	if (count == 1)
		strbuf_addf(sb, "%zu", before + 1);
	else
		strbuf_addf(sb, "%zu,%zu", before + (count ? 1 : 0), count);
}

static void
hunks(struct strbuf *sb, const struct op *ops, size_t nops,
      const struct lines *a, const struct lines *b, size_t context)
{
	size_t i = 0;

	while (i < nops) {
		size_t start, end, k, last, acount = 0, bcount = 0;

		while (i < nops && ops[i].kind == ' ')
			i++;
		if (i == nops)
			break;
		start = i > context ? i - context : 0;
		/* extend while changes are within 2*context of each other */
		last = i;
		for (k = i; k < nops; k++) {
			if (ops[k].kind != ' ')
				last = k;
			else if (k - last > 2 * context)
				break;
		}
		end = last + context + 1 < nops ? last + context + 1 : nops;
		for (k = start; k < end; k++) {
			if (ops[k].kind != '+')
				acount++;
			if (ops[k].kind != '-')
				bcount++;
		}
		strbuf_addstr(sb, "@@ -");
		range(sb, ops[start].ai, acount);
		strbuf_addstr(sb, " +");
		range(sb, ops[start].bi, bcount);
		strbuf_addstr(sb, " @@\n");
		for (k = start; k < end; k++)
			emit_line(sb, ops[k].kind, ops[k].kind == '+' ? b : a,
				  ops[k].line);
		i = end;
	}
}

char *
textdiff_unified(const char *a_text, const char *b_text, const char *a_name,
		 const char *b_name, int context)
{
	struct lines a, b;
	struct strbuf sb = STRBUF_INIT;
	struct op *ops = NULL;
	size_t *dp = NULL, i, j, nops = 0, w;

	split(&a, a_text);
	split(&b, b_text);
	if (a.n > TEXTDIFF_MAX_LINES || b.n > TEXTDIFF_MAX_LINES) {
		if (strcmp(a_text, b_text) != 0)
			strbuf_addf(&sb,
				    "%s and %s differ (too long to show)\n",
				    a_name, b_name);
		goto out;
	}
	/* dp[i][j]: LCS length of a[i..] and b[j..] */
	w = b.n + 1;
	dp = xcalloc((a.n + 1) * w, sizeof(*dp));
	for (i = a.n; i-- > 0;)
		for (j = b.n; j-- > 0;)
			dp[i * w + j] =
				same(&a, i, &b, j) ? dp[(i + 1) * w + j + 1] + 1
				: dp[(i + 1) * w + j] >= dp[i * w + j + 1]
					? dp[(i + 1) * w + j]
					: dp[i * w + j + 1];
	ops = xcalloc(a.n + b.n + 1, sizeof(*ops));
	for (i = 0, j = 0; i < a.n || j < b.n;) {
		struct op *o = &ops[nops++];

		o->ai = i;
		o->bi = j;
		if (i < a.n && j < b.n && same(&a, i, &b, j)) {
			o->kind = ' ';
			o->line = i;
			i++;
			j++;
		} else if (i < a.n && (j == b.n || dp[(i + 1) * w + j] >=
							   dp[i * w + j + 1])) {
			o->kind = '-';
			o->line = i++;
		} else {
			o->kind = '+';
			o->line = j++;
		}
	}
	for (i = 0; i < nops && ops[i].kind == ' '; i++)
		;
	if (i == nops)
		goto out;
	strbuf_addf(&sb, "--- %s\n+++ %s\n", a_name, b_name);
	hunks(&sb, ops, nops, &a, &b, context > 0 ? (size_t)context : 0);
out:
	free(dp);
	free(ops);
	free(a.s);
	free(a.len);
	free(b.s);
	free(b.len);
	return strbuf_detach(&sb, NULL);
}
