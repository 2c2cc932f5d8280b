/* Chained string hash map; see summap.h.  Layout of one entry:
 *   [struct sum_map_ent][pad to max_align_t][value: valsize][key NUL]   */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "summap.h"
#include "util.h"

struct sum_map_ent {
	struct sum_map_ent *next;
	uint64_t hash;
	size_t klen;
};

struct sum_arena_blk {
	struct sum_arena_blk *next;
	max_align_t data[];
};

/* 64 KiB: well below glibc's mmap threshold, few enough to not matter */
#define BLOCK ((size_t)64 << 10)
#define ALIGN(n) (((n) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1))

#define VAL_OFF ((sizeof(struct sum_map_ent) + alignof(max_align_t) - 1) & \
		 ~(alignof(max_align_t) - 1))

static uint64_t hash_basis;

/* A random basis makes precomputed FNV collisions useless; the fallback
 * still works, only without that protection. */
static uint64_t basis(void)
{
	uint64_t r = 0;

	if (hash_basis != 0)
		return hash_basis;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = 0;
	hash_basis = (r | 1) ^ UINT64_C(14695981039346656037);
	return hash_basis;
}

static uint64_t fnv1a(const char *k, size_t n)
{
	uint64_t h = basis();

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= UINT64_C(1099511628211);
	}
	return h ^ (h >> 29);
}

static void *ent_val(struct sum_map_ent *e)
{
	return (char *)e + VAL_OFF;
}

static char *ent_key(const struct sum_map *m, struct sum_map_ent *e)
{
	return (char *)e + VAL_OFF + m->valsize;
}

void sum_arena_init(struct sum_arena *a)
{
	a->blocks = NULL;
	a->next = NULL;
	a->left = 0;
}

void sum_arena_free(struct sum_arena *a)
{
	while (a->blocks != NULL) {
		struct sum_arena_blk *b = a->blocks;

		a->blocks = b->next;
		free(b);
	}
	sum_arena_init(a);
}

void *sum_arena_alloc(struct sum_arena *a, size_t n)
{
	struct sum_arena_blk *b;
	size_t size;
	void *p;

	if (n > SIZE_MAX - alignof(max_align_t))
		return NULL;
	n = ALIGN(n);
	if (n > a->left) {
		/* a big request gets a block of its own; the current one stays */
		size = n > BLOCK / 4 ? n : BLOCK;
		if (size_add(size, sizeof *b, &size) < 0 || (b = calloc(1, size)) == NULL)
			return NULL;
		if (n > BLOCK / 4 && a->blocks != NULL) {
			b->next = a->blocks->next;
			a->blocks->next = b;
			return b->data;
		}
		b->next = a->blocks;
		a->blocks = b;
		a->next = (char *)b->data;
		a->left = size - sizeof *b;
	}
	p = a->next;
	a->next += n;
	a->left -= n;
	return p;
}

void sum_map_init(struct sum_map *m, size_t valsize, size_t max, struct sum_arena *arena)
{
	m->b = NULL;
	m->nb = 0;
	m->n = 0;
	m->max = max;
	m->valsize = ALIGN(valsize);
	m->arena = arena;
}

void sum_map_free(struct sum_map *m, void (*fini)(void *val))
{
	for (size_t i = 0; i < m->nb; i++) {
		struct sum_map_ent *e = m->b[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			if (fini != NULL)
				fini(ent_val(e));
			if (m->arena == NULL)
				free(e);
		}
	}
	free(m->b);
	m->b = NULL;
	m->nb = 0;
	m->n = 0;
}

static int grow(struct sum_map *m)
{
	size_t nb = m->nb ? m->nb * 2 : 16, bytes;
	struct sum_map_ent **b;

	if (size_mul(nb, sizeof *b, &bytes) < 0)
		return -1;
	b = calloc(nb, sizeof *b);
	if (b == NULL)
		return -1;
	for (size_t i = 0; i < m->nb; i++) {
		struct sum_map_ent *e = m->b[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
	return 0;
}

static int add(struct sum_map *m, const char *k, size_t n, uint64_t h, void **val)
{
	struct sum_map_ent *e;
	size_t bytes;

	if (m->n >= m->max)
		return SUM_MAP_FULL;
	if (m->n >= m->nb && grow(m) < 0)
		return SUM_MAP_NOMEM;
	if (size_add(VAL_OFF + m->valsize, n, &bytes) < 0 ||
	    size_add(bytes, 1, &bytes) < 0)
		return SUM_MAP_NOMEM;
	e = m->arena ? sum_arena_alloc(m->arena, bytes) : calloc(1, bytes);
	if (e == NULL)
		return SUM_MAP_NOMEM;
	e->hash = h;
	e->klen = n;
	memcpy(ent_key(m, e), k, n);
	e->next = m->b[h & (m->nb - 1)];
	m->b[h & (m->nb - 1)] = e;
	m->n++;
	*val = ent_val(e);
	return SUM_MAP_NEW;
}

int sum_map_get(struct sum_map *m, const char *k, size_t n, int create, void **val)
{
	uint64_t h = fnv1a(k, n);

	*val = NULL;
	if (m->nb > 0) {
		struct sum_map_ent *e = m->b[h & (m->nb - 1)];

		for (; e != NULL; e = e->next) {
			if (e->hash == h && e->klen == n &&
			    memcmp(ent_key(m, e), k, n) == 0) {
				*val = ent_val(e);
				return SUM_MAP_FOUND;
			}
		}
	}
	if (!create)
		return SUM_MAP_FULL;
	return add(m, k, n, h, val);
}

const char *sum_map_key(const struct sum_map *m, const void *val)
{
	return (const char *)val + m->valsize;
}

void **sum_map_values(const struct sum_map *m)
{
	void **v;
	size_t j = 0;

	if (m->n == 0)
		return NULL;
	v = calloc(m->n, sizeof *v);
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < m->nb; i++)
		for (struct sum_map_ent *e = m->b[i]; e != NULL; e = e->next)
			v[j++] = ent_val(e);
	return v;
}
