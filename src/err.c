/* The error value: class plus one line of reason. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int err_set(struct err *e, enum err_class cls, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->cls = cls;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof e->reason, fmt, ap);
	va_end(ap);
	/* a reason is one log line whatever the input put into it */
	for (char *c = e->reason; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	return -1;
}

int err_errno(struct err *e, const char *what, const char *name)
{
	int saved = errno;

	if (saved == ENOSPC || saved == EDQUOT)
		return err_set(e, ERR_TEMP, "%s %s: disk full (%s)", what, name, strerror(saved));
	return err_set(e, ERR_TEMP, "%s %s: %s", what, name, strerror(saved));
}

int err_nomem(struct err *e)
{
	return err_set(e, ERR_TEMP, "out of memory");
}

void err_clear(struct err *e)
{
	e->cls = ERR_OK;
	e->reason[0] = '\0';
}
