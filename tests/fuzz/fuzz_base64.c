/* libFuzzer target for b64_decode.  Three checks per input: the decoder
 * survives arbitrary bytes within its stated output bound; it agrees
 * exactly (result, bytes, stats, reason) with a deliberately naive
 * reference decoder below; and encode -> decode (plain and line-wrapped)
 * gives the input back.  Any disagreement aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ref_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int ref_is_ws(uint8_t c)
{
	return c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

/* Reference: gather all sextets first, then look at the padding, then
 * decode whole groups.  Slow and obvious on purpose. */
static int ref_decode(const uint8_t *in, size_t n, uint8_t *out, size_t *outn,
		      struct b64_stats *st, char *reason, size_t rlen)
{
	uint8_t *sx = malloc(n + 1);
	size_t ns = 0, i, j, o = 0, pads = 0, rem;

	if (sx == NULL)
		abort();
	memset(st, 0, sizeof *st);
	for (i = 0; i < n && in[i] != '='; i++) {
		const char *p = in[i] != 0 ? strchr(ref_alpha, in[i]) : NULL;

		if (ref_is_ws(in[i])) {
			st->skipped_whitespace++;
		} else if (p == NULL) {
			size_t line = 1;

			for (j = 0; j < i; j++)
				line += in[j] == '\n';
			snprintf(reason, rlen, "base64: invalid byte 0x%02x on line %zu",
				 in[i], line);
			free(sx);
			return -1;
		} else {
			sx[ns++] = (uint8_t)(p - ref_alpha);
		}
	}
	for (; i < n; i++) {
		if (in[i] == '=') {
			pads++;
		} else if (ref_is_ws(in[i])) {
			st->skipped_whitespace++;
		} else {
			st->trailing_after_padding = 1;
			break;
		}
	}
	rem = ns % 4;
	if (rem == 1) {
		snprintf(reason, rlen, "base64: truncated quantum");
		free(sx);
		return -1;
	}
	for (j = 0; j + 4 <= ns; j += 4) {
		out[o++] = (uint8_t)(sx[j] << 2 | sx[j + 1] >> 4);
		out[o++] = (uint8_t)((sx[j + 1] & 15) << 4 | sx[j + 2] >> 2);
		out[o++] = (uint8_t)((sx[j + 2] & 3) << 6 | sx[j + 3]);
	}
	if (rem >= 2)
		out[o++] = (uint8_t)(sx[j] << 2 | sx[j + 1] >> 4);
	if (rem == 3)
		out[o++] = (uint8_t)((sx[j + 1] & 15) << 4 | sx[j + 2] >> 2);
	st->missing_padding = rem != 0 && rem + pads < 4;
	*outn = o;
	free(sx);
	return 0;
}

static void check_differential(const uint8_t *data, size_t size)
{
	size_t max = b64_decoded_max(size), n1 = 0, n2 = 0;
	uint8_t *o1 = malloc(max), *o2 = malloc(max);
	struct b64_stats s1, s2;
	struct err e;
	char reason[ERR_REASON_MAX];
	int r1, r2;

	if (o1 == NULL || o2 == NULL)
		abort();
	err_clear(&e);
	r1 = b64_decode(data, size, o1, &n1, &s1, &e);
	r2 = ref_decode(data, size, o2, &n2, &s2, reason, sizeof reason);
	if (r1 != r2 || (r1 != 0 && r1 != -1))
		abort();
	if (r1 == 0) {
		if (n1 > max || n1 != n2 || memcmp(o1, o2, n1) != 0 ||
		    s1.skipped_whitespace != s2.skipped_whitespace ||
		    s1.missing_padding != s2.missing_padding ||
		    s1.trailing_after_padding != s2.trailing_after_padding)
			abort();
	} else if (e.cls != ERR_INPUT || strcmp(e.reason, reason) != 0 || n1 != 0) {
		abort();
	}
	free(o1);
	free(o2);
}

/* Encode, optionally wrap with CRLF every width chars, decode, compare. */
static void check_round_trip(const uint8_t *data, size_t size, size_t width)
{
	size_t en = 4 * ((size + 2) / 3), wn = 0, dn = 0, breaks = 0, i;
	char *enc = malloc(en + 1), *wr = malloc(3 * en + 1);
	uint8_t *dec = malloc(b64_decoded_max(3 * en));
	struct b64_stats st;
	struct err e;

	if (enc == NULL || wr == NULL || dec == NULL)
		abort();
	if (b64_encode(data, size, enc) != en)
		abort();
	for (i = 0; i < en; i++) {
		wr[wn++] = enc[i];
		if (width != 0 && (i + 1) % width == 0) {
			wr[wn++] = '\r';
			wr[wn++] = '\n';
			breaks += 2;
		}
	}
	if (b64_decode((const uint8_t *)wr, wn, dec, &dn, &st, &e) != 0 || dn != size ||
	    (size != 0 && memcmp(dec, data, size) != 0) || st.missing_padding ||
	    st.trailing_after_padding || st.skipped_whitespace != breaks)
		abort();
	free(enc);
	free(wr);
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_differential(data, size);
	check_round_trip(data, size, 0);
	if (size > 0)
		check_round_trip(data, size, (size_t)data[0] % 80 + 1);
	return 0;
}
