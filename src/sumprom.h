/* Prometheus output of tlsrpt-summary: the text exposition format
 * (version 0.0.4) that node_exporter's textfile collector reads, every
 * metric a gauge over the window, each family's HELP and TYPE lines
 * followed by all its samples.  Label values are escaped as the format
 * says (backslash, double quote, newline); every label set is unique
 * within its family.  The figures are those of the text and JSON
 * formats; tlsrpt_failed_sessions splits each policy's failed sessions
 * by result type so that they add up (see sumagg.h, win_capped).
 * Metric names and labels are documented in tlsrpt-summary(1). */
#ifndef TLSRPT_SUMPROM_H
#define TLSRPT_SUMPROM_H

#include <stdio.h>

#include "sumagg.h"
#include "util.h"

/* The result_type of failed sessions that no failure detail names. */
#define SUM_PROM_NO_TYPE "(no result type)"

/* Append s as the inside of a label value: "\" -> "\\", "\"" -> "\\\"",
 * newline -> "\\n", every other byte as it is.  -1 on ENOMEM. */
int sum_prom_label(struct buf *out, const char *s);

/* Write the metrics to out.  -1 on ENOMEM or a write error. */
int sum_prom(const struct sum_agg *a, FILE *out);

#endif
