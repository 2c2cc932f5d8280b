/* Latest MTA-STS policy of a domain in a spool; see dnspolicy.h.  A file
 * is read line by line with getline; only lines naming the domain
 * somewhere are parsed, by json-c (strict, depth-limited). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dnspolicy.h"

#define JSON_DEPTH 16

void dpol_init(struct dpol *p)
{
	memset(p, 0, sizeof *p);
	strlist_init(&p->patterns);
}

void dpol_free(struct dpol *p)
{
	free(p->mode);
	free(p->begin_date);
	free(p->received_at);
	free(p->file);
	strlist_free(&p->patterns);
	dpol_init(p);
}

static int day_file(const char *s)
{
	static const char shape[] = "dddd-dd-dd.jsonl";

	for (size_t i = 0; i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return 0;
	return s[sizeof shape - 1] == '\0';
}

static int newest_first(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int same_domain(const char *a, const char *b)
{
	size_t an = strlen(a), bn = strlen(b);

	if (an > 0 && a[an - 1] == '.')
		an--;
	if (bn > 0 && b[bn - 1] == '.')
		bn--;
	return an == bn && strncasecmp(a, b, an) == 0;
}

/* "key: value" of a policy line, value trimmed; NULL if another key */
static const char *policy_value(const char *s, const char *key, size_t *vn)
{
	size_t kn = strlen(key), n;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncasecmp(s, key, kn) != 0 || s[kn] != ':')
		return NULL;
	s += kn + 1;
	while (*s == ' ' || *s == '\t')
		s++;
	for (n = strlen(s); n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'); n--)
		;
	*vn = n;
	return s;
}

static int dup_to(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = strndup(s, n);
	return *dst ? 0 : -1;
}

/* Fill c from record o; -1 on ENOMEM. */
static int from_record(json_object *o, const char *path, struct dpol *c)
{
	json_object *a;
	const char *v;
	size_t vn;

	if (json_object_object_get_ex(o, "policy_strings", &a) && json_object_is_type(a, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *s = json_object_array_get_idx(a, i);

			if (!json_object_is_type(s, json_type_string))
				continue;
			if ((v = policy_value(json_object_get_string(s), "mode", &vn)) != NULL) {
				if (dup_to(&c->mode, v, vn) < 0)
					return -1;
			} else if ((v = policy_value(json_object_get_string(s), "mx", &vn)) != NULL && vn > 0) {
				if (strlist_addn(&c->patterns, v, vn) < 0)
					return -1;
			}
		}
	}
	if (c->patterns.n == 0 && json_object_object_get_ex(o, "mx_host_patterns", &a) &&
	    json_object_is_type(a, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *s = json_object_array_get_idx(a, i);

			if (json_object_is_type(s, json_type_string) &&
			    strlist_add(&c->patterns, json_object_get_string(s)) < 0)
				return -1;
		}
	}
	v = str_of(o, "begin_date");
	if (c->mode == NULL && dup_to(&c->mode, "(none given)", 12) < 0)
		return -1;
	if (dup_to(&c->begin_date, v ? v : "", v ? strlen(v) : 0) < 0)
		return -1;
	v = str_of(o, "received_at");
	if (dup_to(&c->received_at, v ? v : "", v ? strlen(v) : 0) < 0)
		return -1;
	return dup_to(&c->file, path, strlen(path));
}

static int newer(const struct dpol *c, const struct dpol *p)
{
	int d;

	if (p->file == NULL)
		return 1;
	d = strcmp(c->begin_date, p->begin_date);
	return d > 0 || (d == 0 && strcmp(c->received_at, p->received_at) > 0);
}

/* One line: 1 when it was a policy of domain (taken if newer), 0 not,
 * -1 ENOMEM. */
static int line(struct json_tokener *tok, const char *s, size_t n, const char *domain,
		const char *path, struct dpol *p)
{
	json_object *o;
	const char *v;
	struct dpol c;
	int rc = 0;

	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, (int)n);
	if (o == NULL || json_tokener_get_parse_end(tok) != n || !json_object_is_type(o, json_type_object))
		goto out;
	if ((v = str_of(o, "policy_type")) == NULL || strcmp(v, "sts") != 0 ||
	    (v = str_of(o, "policy_domain")) == NULL || !same_domain(v, domain))
		goto out;
	dpol_init(&c);
	rc = from_record(o, path, &c) < 0 ? -1 : 1;
	if (rc == 1 && newer(&c, p)) {
		dpol_free(p);
		*p = c;
	} else {
		dpol_free(&c);
	}
out:
	json_object_put(o);
	return rc;
}

/* 1 if the file held a policy of domain, 0 not, -1 error */
static int read_file(int dirfd, const char *spool, const char *name, const char *domain,
		     struct json_tokener *tok, struct dpol *p, struct err *e)
{
	char path[4096];
	char *s = NULL;
	size_t cap = 0;
	ssize_t n;
	int fd, found = 0, rc;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", spool, name);
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(e, ERR_CONFIG, "%s: %s", path, strerror(errno));
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return err_nomem(e);
	}
	while ((n = getline(&s, &cap, f)) > 0) {
		size_t len = (size_t)n;

		while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
			len--;
		if (len == 0 || len > DPOL_MAX_LINE)
			continue;
		s[len] = '\0';
		if (strcasestr(s, domain) == NULL)
			continue;
		rc = line(tok, s, len, domain, path, p);
		if (rc < 0) {
			found = err_nomem(e);
			break;
		}
		found |= rc;
	}
	if (found >= 0 && ferror(f))
		found = err_set(e, ERR_TEMP, "%s: read error", path);
	free(s);
	fclose(f);
	return found;
}

int dpol_latest(const char *spool, const char *domain, struct dpol *p, struct err *e)
{
	struct strlist names;
	struct json_tokener *tok = NULL;
	struct dirent *de;
	char *had = p->file ? strdup(p->file) : NULL;
	int rc = 0;
	DIR *d;

	strlist_init(&names);
	d = opendir(spool);
	if (d == NULL) {
		free(had);
		return err_set(e, ERR_CONFIG, "spool %s: %s", spool, strerror(errno));
	}
	while ((de = readdir(d)) != NULL)
		if (day_file(de->d_name) && strlist_add(&names, de->d_name) < 0)
			goto nomem;
	qsort(names.v, names.n, sizeof *names.v, newest_first);
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (tok == NULL)
		goto nomem;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	for (size_t i = 0; i < names.n && rc == 0; i++)
		rc = read_file(dirfd(d), spool, names.v[i], domain, tok, p, e);
	if (rc > 0)
		rc = p->file != NULL && (had == NULL || strcmp(had, p->file) != 0);
	goto out;
nomem:
	rc = err_nomem(e);
out:
	if (tok)
		json_tokener_free(tok);
	closedir(d);
	strlist_free(&names);
	free(had);
	return rc;
}
