/*
 * output: what commands print on stdout: JSON (-o json), YAML (-o yaml,
 * kubectl's layout) and aligned text tables like kubectl get.  yaml.h is
 * included only here and in kubeconfig.c.
 */
#ifndef CNPGOPS_OUTPUT_H
#define CNPGOPS_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

struct error;

/* Write v as indented JSON (keys in insertion order) and a newline. */
int output_json(FILE *fp, const json_t *v, struct error *err);

/*
 * Write v as a YAML block document, keys in insertion order, strings quoted
 * wherever YAML 1.1 (sigs.k8s.io/yaml) would read them as another type.
 * ERR_IO on a write failure.
 */
int output_yaml(FILE *fp, const json_t *v, struct error *err);

/* Serialise v as YAML into a new string (the caller frees it). */
char *output_yaml_string(const json_t *v, struct error *err);

/* The libyaml version string. */
const char *output_yaml_version(void);

/* A kubectl-style table: upper-case headers, columns 3 spaces apart. */
struct output_table;

struct output_table *output_table_new(int ncols, const char *const *headers);
/* Add a row of ncols cells (copied; NULL prints as "<none>"). */
void output_table_add(struct output_table *t, const char *const *cells);
void output_table_print(FILE *fp, const struct output_table *t);
void output_table_free(struct output_table *t);

#endif
