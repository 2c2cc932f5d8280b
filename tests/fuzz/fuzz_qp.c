/* libFuzzer target for qp_decode.  Checks per input: the output fits in
 * the input's size (the buffer is exactly that big, so ASan sees any
 * overrun); the result matches a naive reference decoder below byte for
 * byte, bad-escape count included; and a simple encoder's output (every
 * byte outside printable ASCII, and '=', as =XX; soft breaks near column
 * 70, in a style picked from the input) decodes back to the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ref_hex(uint8_t c)
{
	return c != 0 && strchr("0123456789abcdefABCDEF", c) != NULL;
}

static size_t ref_decode(const uint8_t *in, size_t n, uint8_t *out, size_t *bad)
{
	size_t i = 0, o = 0, j;

	*bad = 0;
	while (i < n) {
		if (in[i] != '=') {
			out[o++] = in[i++];
			continue;
		}
		if (i + 2 < n && ref_hex(in[i + 1]) && ref_hex(in[i + 2])) {
			char hex[3] = { (char)in[i + 1], (char)in[i + 2], 0 };

			out[o++] = (uint8_t)strtoul(hex, NULL, 16);
			i += 3;
			continue;
		}
		for (j = i + 1; j < n && (in[j] == ' ' || in[j] == '\t'); j++)
			;
		if (j == n)
			i = n;
		else if (in[j] == '\n')
			i = j + 1;
		else if (in[j] == '\r' && j + 1 < n && in[j + 1] == '\n')
			i = j + 2;
		else {
			out[o++] = '=';
			(*bad)++;
			i++;
		}
	}
	return o;
}

static size_t ref_encode(const uint8_t *in, size_t n, char *out, unsigned style)
{
	static const char *breaks[] = { "=\r\n", "=\n", "= \t\r\n", "=  \n" };
	const char *brk = breaks[style % 4];
	size_t i, o = 0, col = 0;

	for (i = 0; i < n; i++) {
		int lit = in[i] >= 0x20 && in[i] <= 0x7e && in[i] != '=';
		size_t need = lit ? 1 : 3;

		if (col + need > 70) {
			memcpy(out + o, brk, strlen(brk));
			o += strlen(brk);
			col = 0;
		}
		if (lit)
			out[o++] = (char)in[i];
		else
			o += (size_t)sprintf(out + o, "=%02X", in[i]);
		col += need;
	}
	return o;
}

static void check_differential(const uint8_t *data, size_t size)
{
	size_t cap = size > 0 ? size : 1;
	uint8_t *o1 = malloc(cap), *o2 = malloc(cap);
	struct qp_stats st;
	size_t n1, n2, bad;

	if (o1 == NULL || o2 == NULL)
		abort();
	n1 = qp_decode(data, size, o1, &st);
	n2 = ref_decode(data, size, o2, &bad);
	if (n1 > size || n1 != n2 || memcmp(o1, o2, n1) != 0 || st.bad_escapes != bad)
		abort();
	free(o1);
	free(o2);
}

static void check_round_trip(const uint8_t *data, size_t size)
{
	size_t cap = 4 * size + 16, en, dn;
	char *enc = malloc(cap + 1);
	uint8_t *dec;
	struct qp_stats st;

	if (enc == NULL)
		abort();
	en = ref_encode(data, size, enc, size > 0 ? data[size - 1] : 0);
	if (en > cap)
		abort();
	dec = malloc(en + 1);
	if (dec == NULL)
		abort();
	dn = qp_decode((const uint8_t *)enc, en, dec, &st);
	if (dn != size || (size != 0 && memcmp(dec, data, size) != 0) || st.bad_escapes != 0)
		abort();
	free(enc);
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_differential(data, size);
	check_round_trip(data, size);
	return 0;
}
