/* JSON output of tlsrpt-summary: the text report's content as one
 * pretty-printed document, written while it is made (never held whole).
 * Field names are documented in tlsrpt-summary(1); rates are percent
 * numbers with two decimals. */
#ifndef TLSRPT_SUMJSON_H
#define TLSRPT_SUMJSON_H

#include <stdio.h>

#include "err.h"
#include "sumagg.h"
#include "sumout.h"

/* Write the document to out.  ENOMEM is ERR_TEMP, a write error ERR_TEMP; a
 * failure may leave a partial document behind. */
int sum_json(const struct sum_agg *a, const struct sum_view *v, FILE *out, struct err *e);

#endif
