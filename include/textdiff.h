/*
 * textdiff: a line diff of two texts in the unified format (diff -u), for
 * showing what a change does to a manifest before it is made.
 */
#ifndef CNPGOPS_TEXTDIFF_H
#define CNPGOPS_TEXTDIFF_H

/*
 * The unified diff of a and b, labelled a_name and b_name, with context
 * lines around each change; "" when they are equal.  Texts of more than
 * 5000 lines each are summarised in one line instead.  The caller frees
 * the result.
 */
char *textdiff_unified(const char *a, const char *b, const char *a_name,
		       const char *b_name, int context);

#endif
