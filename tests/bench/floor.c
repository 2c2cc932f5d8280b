/* floor: the least the obvious design has to do -- base64-decode the
 * attachment (stdin: its base64 text), inflate it, and parse the JSON
 * into one json-c tree.  No MIME, no validation, no output.  What a
 * whole-tree ingester cannot go below. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zlib.h>

static unsigned char *read_all(size_t *n)
{
	size_t cap = 1 << 16;
	unsigned char *p = malloc(cap);
	ssize_t r;

	*n = 0;
	while (p != NULL && (r = read(0, p + *n, cap - *n)) > 0) {
		*n += (size_t)r;
		if (*n == cap)
			p = realloc(p, cap *= 2);
	}
	return p;
}

/* In place; bytes outside the alphabet (line breaks, padding) skipped. */
static size_t b64_decode(unsigned char *p, size_t n)
{
	static signed char val[256];
	unsigned acc = 0, bits = 0;
	size_t o = 0;

	for (int c = 0; c < 64; c++)
		val[(unsigned char)"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[c]] = (signed char)(c + 1);
	for (size_t i = 0; i < n; i++) {
		if (val[p[i]] == 0)
			continue;
		acc = acc << 6 | (unsigned)(val[p[i]] - 1);
		if ((bits += 6) >= 8) {
			bits -= 8;
			p[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

static unsigned char *gunzip(const unsigned char *p, size_t n, size_t *out_n)
{
	size_t cap = n * 4 + 1024;
	unsigned char *out = malloc(cap);
	z_stream z;
	int rc = Z_OK;

	memset(&z, 0, sizeof z);
	if (out == NULL || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return NULL;
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	while (rc == Z_OK) {
		if (z.total_out == cap && (out = realloc(out, cap *= 2)) == NULL)
			return NULL;
		z.next_out = out + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_BUF_ERROR && z.avail_out == 0)
			rc = Z_OK;
	}
	*out_n = z.total_out;
	inflateEnd(&z);
	return rc == Z_STREAM_END ? out : NULL;
}

int main(void)
{
	size_t n, jn;
	unsigned char *b64 = read_all(&n), *json;
	json_tokener *tok;
	json_object *root;

	if (b64 == NULL || (json = gunzip(b64, b64_decode(b64, n), &jn)) == NULL) {
		fprintf(stderr, "floor: cannot decode the attachment\n");
		return 1;
	}
	tok = json_tokener_new_ex(64);
	root = json_tokener_parse_ex(tok, (const char *)json, (int)jn);
	if (root == NULL) {
		fprintf(stderr, "floor: %s\n",
			json_tokener_error_desc(json_tokener_get_error(tok)));
		return 1;
	}
	json_object_put(root);
	json_tokener_free(tok);
	free(json);
	free(b64);
	return 0;
}
