/* String-keyed hash map for tlsrpt-summary's aggregation: chained buckets,
 * FNV-1a with a per-process random basis (keys come from reports anyone
 * can send), doubling at load 1.  Each entry is one allocation holding the
 * zeroed value (max-aligned) followed by the key, so a value pointer stays
 * valid until sum_map_free.  A map refuses new keys beyond its cap, which
 * is what bounds memory on a hostile spool.  Entries are never freed one
 * by one, so the maps of one aggregate can share a bump arena: fewer
 * mallocs, and long-lived entries no longer fragment the heap that
 * json-c churns through on every line (measured: ~20 % of the run time). */
#ifndef TLSRPT_SUMMAP_H
#define TLSRPT_SUMMAP_H

#include <stddef.h>

struct sum_map_ent;
struct sum_arena_blk;

struct sum_arena {
	struct sum_arena_blk *blocks;
	char *next;      /* free space in the current block */
	size_t left;
};

void sum_arena_init(struct sum_arena *a);
void sum_arena_free(struct sum_arena *a);
/* n zeroed bytes aligned for any type, NULL on ENOMEM. */
void *sum_arena_alloc(struct sum_arena *a, size_t n);

struct sum_map {
	struct sum_map_ent **b;
	size_t nb;       /* buckets, a power of two (0 before the first put) */
	size_t n;        /* entries */
	size_t max;      /* cap on entries */
	size_t valsize;
	struct sum_arena *arena; /* entries from here, or calloc'd when NULL */
};

#define SUM_MAP_NEW     1
#define SUM_MAP_FOUND   0
#define SUM_MAP_NOMEM  (-1)
#define SUM_MAP_FULL   (-2)

/* arena may be NULL; else it must outlive the map. */
void sum_map_init(struct sum_map *m, size_t valsize, size_t max, struct sum_arena *arena);
/* Run fini (if not NULL) on every value, then free everything. */
void sum_map_free(struct sum_map *m, void (*fini)(void *val));

/* Find key k[0..n); *val gets the value.  With create, a missing key is
 * added with a zeroed value (SUM_MAP_NEW), unless the map is full
 * (SUM_MAP_FULL) or memory runs out (SUM_MAP_NOMEM).  Without create a
 * missing key returns SUM_MAP_FULL with *val NULL. */
int sum_map_get(struct sum_map *m, const char *k, size_t n, int create, void **val);

/* The NUL-terminated key stored with a value from this map. */
const char *sum_map_key(const struct sum_map *m, const void *val);

/* Malloc'd array of the m->n value pointers (NULL when empty or ENOMEM:
 * check m->n). */
void **sum_map_values(const struct sum_map *m);

#endif
