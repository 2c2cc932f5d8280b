/* HTML output of tlsrpt-summary: one self-contained page (inline CSS and
 * SVG, no script, no external reference) with a daily sessions chart and
 * a failure-rate chart per domain, failures by result type per policy,
 * the flags, and the remediation table.  Every report string is cleaned
 * of control characters and HTML-escaped; the markup is well-formed
 * (every non-void element closed) so it can be checked as XML-ish. */
#ifndef TLSRPT_SUMHTML_H
#define TLSRPT_SUMHTML_H

#include <stdio.h>

#include "sumagg.h"
#include "sumout.h"

/* Write the page to out.  -1 on ENOMEM or a write error. */
int sum_html(const struct sum_agg *a, const struct sum_view *v, FILE *out);

#endif
