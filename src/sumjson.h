/* JSON output of tlsrpt-summary: the text report's content as one
 * json-c document, pretty-printed.  Field names are documented in
 * tlsrpt-summary(1); rates are percent numbers with two decimals. */
#ifndef TLSRPT_SUMJSON_H
#define TLSRPT_SUMJSON_H

#include <stdio.h>

#include "err.h"
#include "sumagg.h"
#include "sumout.h"

/* Write the document to out.  ENOMEM is ERR_TEMP, a write error ERR_TEMP. */
int sum_json(const struct sum_agg *a, const struct sum_view *v, FILE *out, struct err *e);

#endif
