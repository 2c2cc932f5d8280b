/* Reading the raw message: a capped read of a file descriptor, and the
 * mbox "From " envelope line some MTAs prepend. */
#ifndef TLSRPT_MESSAGE_H
#define TLSRPT_MESSAGE_H

#include <stddef.h>
#include "err.h"
#include "util.h"

/* Read fd to EOF into out, keeping at most max bytes.  If the input is
 * longer, the rest is still read and discarded (so the writer never sees
 * EPIPE), *truncated is set to 1 and the call returns 0 with the first max
 * bytes in out.  Read errors are ERR_TEMP, ENOMEM is ERR_TEMP. */
int message_read_fd(int fd, size_t max, struct buf *out, int *truncated, struct err *e);

/* Length of a leading mbox envelope line ("From " up to and including its
 * LF), or 0 if the message does not start with one. */
size_t message_from_line_len(const unsigned char *p, size_t n);

#endif
